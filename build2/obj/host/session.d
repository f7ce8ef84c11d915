build2/obj/host/session.o: host/session.c host/engine.h host/util.h \
 host/image.h host/launch-env.h include/paks-protocol.h host/probe.h \
 host/proc.h host/rundir.h host/session.h host/settings.h
host/engine.h:
host/util.h:
host/image.h:
host/launch-env.h:
include/paks-protocol.h:
host/probe.h:
host/proc.h:
host/rundir.h:
host/session.h:
host/settings.h:
