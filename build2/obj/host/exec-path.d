build2/obj/host/exec-path.o: host/exec-path.c host/exec.h \
 include/paks-protocol.h host/util.h host/session.h host/settings.h
host/exec.h:
include/paks-protocol.h:
host/util.h:
host/session.h:
host/settings.h:
