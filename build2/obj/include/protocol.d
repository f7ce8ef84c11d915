build2/obj/include/protocol.o: include/protocol.c include/paks-protocol.h
include/paks-protocol.h:
