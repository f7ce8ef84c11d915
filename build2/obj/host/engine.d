build2/obj/host/engine.o: host/engine.c host/engine.h host/util.h \
 host/session.h host/settings.h
host/engine.h:
host/util.h:
host/session.h:
host/settings.h:
