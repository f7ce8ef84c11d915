build2/obj/host/launch-env.o: host/launch-env.c host/launch-env.h \
 include/paks-protocol.h host/session.h host/settings.h host/util.h
host/launch-env.h:
include/paks-protocol.h:
host/session.h:
host/settings.h:
host/util.h:
