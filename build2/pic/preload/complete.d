build2/pic/preload/complete.o: preload/complete.c include/paks-protocol.h \
 preload/preload.h
include/paks-protocol.h:
preload/preload.h:
