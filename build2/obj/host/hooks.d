build2/obj/host/hooks.o: host/hooks.c host/envfile.h host/exec.h \
 include/paks-protocol.h host/util.h host/hook-records.h host/hooks.h \
 host/session.h host/settings.h
host/envfile.h:
host/exec.h:
include/paks-protocol.h:
host/util.h:
host/hook-records.h:
host/hooks.h:
host/session.h:
host/settings.h:
