build2/pic/preload/transport.o: preload/transport.c \
 include/paks-protocol.h preload/preload.h
include/paks-protocol.h:
preload/preload.h:
