build2/obj/host/exec-spawn.o: host/exec-spawn.c host/exec.h \
 include/paks-protocol.h host/util.h host/proc.h host/session.h \
 host/settings.h
host/exec.h:
include/paks-protocol.h:
host/util.h:
host/proc.h:
host/session.h:
host/settings.h:
