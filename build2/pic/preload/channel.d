build2/pic/preload/channel.o: preload/channel.c include/paks-protocol.h \
 preload/preload.h
include/paks-protocol.h:
preload/preload.h:
