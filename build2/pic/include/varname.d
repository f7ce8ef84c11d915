build2/pic/include/varname.o: include/varname.c include/varname.h
include/varname.h:
