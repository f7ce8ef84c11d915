build2/obj/host/run-check.o: host/run-check.c host/engine.h host/util.h \
 host/proc.h host/run-check.h host/session.h host/settings.h
host/engine.h:
host/util.h:
host/proc.h:
host/run-check.h:
host/session.h:
host/settings.h:
