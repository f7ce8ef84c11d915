build2/obj/host/exec-complete.o: host/exec-complete.c host/envstore.h \
 host/exec.h include/paks-protocol.h host/util.h host/hooks.h \
 host/session.h host/settings.h
host/envstore.h:
host/exec.h:
include/paks-protocol.h:
host/util.h:
host/hooks.h:
host/session.h:
host/settings.h:
