build2/obj/host/exec-env.o: host/exec-env.c host/envstore.h host/exec.h \
 include/paks-protocol.h host/util.h include/varname.h
host/envstore.h:
host/exec.h:
include/paks-protocol.h:
host/util.h:
include/varname.h:
