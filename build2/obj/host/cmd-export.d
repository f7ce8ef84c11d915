build2/obj/host/cmd-export.o: host/cmd-export.c host/cli.h \
 host/engine-choose.h host/engine.h host/util.h host/exec.h \
 include/paks-protocol.h host/export.h host/image.h host/log.h \
 host/progress.h host/session.h host/settings.h
host/cli.h:
host/engine-choose.h:
host/engine.h:
host/util.h:
host/exec.h:
include/paks-protocol.h:
host/export.h:
host/image.h:
host/log.h:
host/progress.h:
host/session.h:
host/settings.h:
