build2/obj/host/progress.o: host/progress.c host/exec.h \
 include/paks-protocol.h host/util.h host/progress.h
host/exec.h:
include/paks-protocol.h:
host/util.h:
host/progress.h:
