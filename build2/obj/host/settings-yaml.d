build2/obj/host/settings-yaml.o: host/settings-yaml.c host/settings.h \
 host/util.h
host/settings.h:
host/util.h:
