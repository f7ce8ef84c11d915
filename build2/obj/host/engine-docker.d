build2/obj/host/engine-docker.o: host/engine-docker.c \
 host/engine-choose.h host/engine.h host/util.h host/proc.h \
 host/session.h host/settings.h
host/engine-choose.h:
host/engine.h:
host/util.h:
host/proc.h:
host/session.h:
host/settings.h:
