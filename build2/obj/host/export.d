build2/obj/host/export.o: host/export.c host/engine.h host/util.h \
 host/exec.h include/paks-protocol.h host/export-rootfs.h host/export.h \
 host/progress.h host/session.h host/settings.h
host/engine.h:
host/util.h:
host/exec.h:
include/paks-protocol.h:
host/export-rootfs.h:
host/export.h:
host/progress.h:
host/session.h:
host/settings.h:
