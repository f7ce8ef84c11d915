build2/obj/host/probe.o: host/probe.c host/engine.h host/util.h \
 host/log.h include/paks-protocol.h host/probe.h host/proc.h \
 host/session.h host/settings.h
host/engine.h:
host/util.h:
host/log.h:
include/paks-protocol.h:
host/probe.h:
host/proc.h:
host/session.h:
host/settings.h:
