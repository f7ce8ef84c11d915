build2/pic/preload/readline.o: preload/readline.c include/paks-protocol.h \
 preload/preload.h include/words.h
include/paks-protocol.h:
preload/preload.h:
include/words.h:
