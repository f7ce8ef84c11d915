build2/obj/host/cmd-config.o: host/cmd-config.c host/cli.h host/log.h \
 host/proc.h host/util.h host/settings.h
host/cli.h:
host/log.h:
host/proc.h:
host/util.h:
host/settings.h:
