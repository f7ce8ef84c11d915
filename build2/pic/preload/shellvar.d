build2/pic/preload/shellvar.o: preload/shellvar.c preload/preload.h
preload/preload.h:
