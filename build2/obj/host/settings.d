build2/obj/host/settings.o: host/settings.c host/settings.h host/util.h
host/settings.h:
host/util.h:
