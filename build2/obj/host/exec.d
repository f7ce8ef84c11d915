build2/obj/host/exec.o: host/exec.c host/exec.h include/paks-protocol.h \
 host/util.h host/hooks.h host/log.h host/session.h host/settings.h \
 include/words.h
host/exec.h:
include/paks-protocol.h:
host/util.h:
host/hooks.h:
host/log.h:
host/session.h:
host/settings.h:
include/words.h:
