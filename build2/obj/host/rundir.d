build2/obj/host/rundir.o: host/rundir.c host/engine.h host/util.h \
 host/log.h include/paks-protocol.h host/proc.h host/rundir.h \
 host/session.h host/settings.h
host/engine.h:
host/util.h:
host/log.h:
include/paks-protocol.h:
host/proc.h:
host/rundir.h:
host/session.h:
host/settings.h:
