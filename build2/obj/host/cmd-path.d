build2/obj/host/cmd-path.o: host/cmd-path.c host/cli.h host/exec.h \
 include/paks-protocol.h host/util.h host/log.h
host/cli.h:
host/exec.h:
include/paks-protocol.h:
host/util.h:
host/log.h:
