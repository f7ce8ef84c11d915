build2/obj/host/naming.o: host/naming.c host/naming.h host/util.h
host/naming.h:
host/util.h:
