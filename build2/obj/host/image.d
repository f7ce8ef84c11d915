build2/obj/host/image.o: host/image.c host/engine.h host/util.h \
 host/image.h host/log.h host/proc.h host/session.h host/settings.h
host/engine.h:
host/util.h:
host/image.h:
host/log.h:
host/proc.h:
host/session.h:
host/settings.h:
