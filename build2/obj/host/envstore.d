build2/obj/host/envstore.o: host/envstore.c host/envstore.h host/util.h \
 include/varname.h
host/envstore.h:
host/util.h:
include/varname.h:
