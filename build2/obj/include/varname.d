build2/obj/include/varname.o: include/varname.c include/varname.h
include/varname.h:
