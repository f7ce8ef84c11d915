build2/obj/host/vscreen.o: host/vscreen.c host/util.h host/vscreen.h
host/util.h:
host/vscreen.h:
