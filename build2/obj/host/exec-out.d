build2/obj/host/exec-out.o: host/exec-out.c host/exec.h \
 include/paks-protocol.h host/util.h
host/exec.h:
include/paks-protocol.h:
host/util.h:
