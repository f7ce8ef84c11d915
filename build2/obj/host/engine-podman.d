build2/obj/host/engine-podman.o: host/engine-podman.c \
 host/engine-choose.h host/engine.h host/util.h host/proc.h \
 host/session.h host/settings.h
host/engine-choose.h:
host/engine.h:
host/util.h:
host/proc.h:
host/session.h:
host/settings.h:
