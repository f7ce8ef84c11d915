build2/obj/host/exec-move.o: host/exec-move.c host/engine.h host/util.h \
 host/exec.h include/paks-protocol.h host/export.h host/naming.h \
 host/progress.h host/session.h host/settings.h
host/engine.h:
host/util.h:
host/exec.h:
include/paks-protocol.h:
host/export.h:
host/naming.h:
host/progress.h:
host/session.h:
host/settings.h:
