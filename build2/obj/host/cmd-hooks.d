build2/obj/host/cmd-hooks.o: host/cmd-hooks.c host/cli.h host/exec.h \
 include/paks-protocol.h host/util.h host/hooks.h host/log.h \
 host/settings.h
host/cli.h:
host/exec.h:
include/paks-protocol.h:
host/util.h:
host/hooks.h:
host/log.h:
host/settings.h:
