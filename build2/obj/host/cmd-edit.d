build2/obj/host/cmd-edit.o: host/cmd-edit.c host/cli.h host/log.h \
 host/proc.h host/util.h
host/cli.h:
host/log.h:
host/proc.h:
host/util.h:
