build2/obj/host/envfile.o: host/envfile.c host/envfile.h host/util.h \
 include/varname.h
host/envfile.h:
host/util.h:
include/varname.h:
