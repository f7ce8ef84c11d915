build2/obj/host/cmd-env.o: host/cmd-env.c host/cli.h host/envstore.h \
 host/log.h host/settings.h host/util.h include/varname.h
host/cli.h:
host/envstore.h:
host/log.h:
host/settings.h:
host/util.h:
include/varname.h:
