build2/obj/include/words.o: include/words.c include/paks-protocol.h \
 include/words.h
include/paks-protocol.h:
include/words.h:
