build2/obj/host/main.o: host/main.c host/cli.h host/log.h host/util.h
host/cli.h:
host/log.h:
host/util.h:
