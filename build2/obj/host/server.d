build2/obj/host/server.o: host/server.c host/exec.h \
 include/paks-protocol.h host/util.h host/log.h host/proc.h \
 host/requests.h host/server.h host/session.h host/settings.h \
 host/transport.h
host/exec.h:
include/paks-protocol.h:
host/util.h:
host/log.h:
host/proc.h:
host/requests.h:
host/server.h:
host/session.h:
host/settings.h:
host/transport.h:
