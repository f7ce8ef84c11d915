build2/obj/host/util.o: host/util.c include/paks-protocol.h host/util.h
include/paks-protocol.h:
host/util.h:
