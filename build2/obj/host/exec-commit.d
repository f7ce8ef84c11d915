build2/obj/host/exec-commit.o: host/exec-commit.c host/engine.h \
 host/util.h host/exec.h include/paks-protocol.h host/naming.h \
 host/progress.h host/session.h host/settings.h
host/engine.h:
host/util.h:
host/exec.h:
include/paks-protocol.h:
host/naming.h:
host/progress.h:
host/session.h:
host/settings.h:
