build2/pic/preload/shellvar.o: preload/shellvar.c preload/preload.h \
 include/varname.h
preload/preload.h:
include/varname.h:
