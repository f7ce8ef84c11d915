build2/pic/include/protocol.o: include/protocol.c include/paks-protocol.h
include/paks-protocol.h:
