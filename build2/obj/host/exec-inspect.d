build2/obj/host/exec-inspect.o: host/exec-inspect.c host/engine.h \
 host/util.h host/exec.h include/paks-protocol.h host/session.h \
 host/settings.h
host/engine.h:
host/util.h:
host/exec.h:
include/paks-protocol.h:
host/session.h:
host/settings.h:
