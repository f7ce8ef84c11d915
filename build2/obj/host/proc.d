build2/obj/host/proc.o: host/proc.c host/proc.h host/util.h
host/proc.h:
host/util.h:
