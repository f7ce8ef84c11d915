build2/obj/host/exec-save.o: host/exec-save.c host/engine.h host/util.h \
 host/exec.h include/paks-protocol.h host/progress.h host/session.h \
 host/settings.h
host/engine.h:
host/util.h:
host/exec.h:
include/paks-protocol.h:
host/progress.h:
host/session.h:
host/settings.h:
