build2/obj/host/cmd-run.o: host/cmd-run.c host/cli.h host/engine-choose.h \
 host/engine.h host/util.h host/envstore.h host/log.h host/pty.h \
 host/run-check.h host/server.h host/session.h host/settings.h \
 include/varname.h include/words.h
host/cli.h:
host/engine-choose.h:
host/engine.h:
host/util.h:
host/envstore.h:
host/log.h:
host/pty.h:
host/run-check.h:
host/server.h:
host/session.h:
host/settings.h:
include/varname.h:
include/words.h:
