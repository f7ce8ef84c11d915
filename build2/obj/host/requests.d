build2/obj/host/requests.o: host/requests.c host/requests.h \
 include/paks-protocol.h host/util.h
host/requests.h:
include/paks-protocol.h:
host/util.h:
