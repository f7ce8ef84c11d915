build2/obj/host/log.o: host/log.c host/log.h
host/log.h:
