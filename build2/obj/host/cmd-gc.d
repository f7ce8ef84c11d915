build2/obj/host/cmd-gc.o: host/cmd-gc.c host/cli.h host/log.h \
 host/rundir.h host/util.h
host/cli.h:
host/log.h:
host/rundir.h:
host/util.h:
