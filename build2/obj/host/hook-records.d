build2/obj/host/hook-records.o: host/hook-records.c host/hook-records.h \
 host/util.h include/varname.h
host/hook-records.h:
host/util.h:
include/varname.h:
