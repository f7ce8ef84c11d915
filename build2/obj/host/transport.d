build2/obj/host/transport.o: host/transport.c include/paks-protocol.h \
 host/transport.h
include/paks-protocol.h:
host/transport.h:
