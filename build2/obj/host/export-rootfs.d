build2/obj/host/export-rootfs.o: host/export-rootfs.c \
 host/export-rootfs.h host/util.h
host/export-rootfs.h:
host/util.h:
