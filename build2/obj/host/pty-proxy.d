build2/obj/host/pty-proxy.o: host/pty-proxy.c host/engine.h host/util.h \
 host/exec.h include/paks-protocol.h host/log.h host/proc.h host/pty.h \
 host/session.h host/settings.h include/varname.h host/vscreen.h \
 include/words.h
host/engine.h:
host/util.h:
host/exec.h:
include/paks-protocol.h:
host/log.h:
host/proc.h:
host/pty.h:
host/session.h:
host/settings.h:
include/varname.h:
host/vscreen.h:
include/words.h:
