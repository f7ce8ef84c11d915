build2/obj/host/engine-choose.o: host/engine-choose.c \
 host/engine-choose.h host/engine.h host/util.h
host/engine-choose.h:
host/engine.h:
host/util.h:
