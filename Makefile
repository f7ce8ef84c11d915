# SPDX-License-Identifier: MIT
# paks: GNU Make build.  `make`, `make check`, `make install`, `make fmt`,
# `make man`.
# O=DIR builds out of tree (default build/), so parallel builds never clash.
include config.mk
-include config.local.mk

VERSION := 0.1.0
PKGS := yaml-0.1 jansson vterm
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

# host/ is grouped by layer (docs/design.md, "Map of the tree"); a header
# is included by its bare name from any of them.
HOST_DIRS := $(patsubst %/,%,$(sort $(dir $(wildcard host/*/*.c))))
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -Iinclude $(addprefix -I,$(HOST_DIRS)) \
	$(WARNINGS) \
	-DPAKS_VERSION='"$(VERSION)"' -DPAKS_SOURCE_DIR='"$(CURDIR)"'

SHARED_SRC := $(wildcard include/*.c)
HOST_SRC := $(wildcard host/*/*.c)
# preload/ is the container side: the preload library and the launcher.
LAUNCH_SRC := preload/launch.c preload/launch-relay.c preload/launch-user.c \
	preload/launch-exec.c preload/launch-bridge.c
PRELOAD_SRC := $(filter-out $(LAUNCH_SRC),$(wildcard preload/*.c))

HOST_OBJ := $(patsubst %.c,$(O)/obj/%.o,$(HOST_SRC) $(SHARED_SRC))
PRELOAD_OBJ := $(patsubst %.c,$(O)/pic/%.o,$(PRELOAD_SRC) $(SHARED_SRC))
# Everything but main(): unit tests link these object files.
LIB_OBJ := $(filter-out $(O)/obj/host/cli/main.o,$(HOST_OBJ))

# Manual pages: man/*.scd through scdoc(1), tidied for mandoc's lint.
MAN_SRC := $(wildcard man/*.scd)
MAN_PAGES := $(patsubst man/%.scd,$(O)/man/%,$(MAN_SRC))

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRC))

all: $(O)/paks $(O)/libpaks-preload.so $(O)/paks-launch

$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# The preload is a guest in bash: hidden visibility, libc only, and no
# stack protector or fortify symbols newer than the oldest glibc we load on.
PRELOAD_CFLAGS := -fPIC -fvisibility=hidden -fno-stack-protector \
	-U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=0
$(O)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(PRELOAD_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# moby's default seccomp profile is built into the binary (.incbin).
$(O)/obj/host/session/seccomp.o: contrib/seccomp/moby-default.json

$(O)/paks: $(HOST_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lutil

$(O)/libpaks-preload.so: $(PRELOAD_OBJ) preload/preload.map
	$(CC) -shared $(LDFLAGS) -Wl,--version-script=preload/preload.map \
		-Wl,-z,defs -Wl,--as-needed -o $@ $(PRELOAD_OBJ)

# Started inside the container; static so it runs in any image (musl too).
$(O)/paks-launch: $(LAUNCH_SRC) include/protocol.c preload/launch.h \
		include/paks-protocol.h
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -static -o $@ $(LAUNCH_SRC) \
		include/protocol.c

$(O)/tests/%: tests/unit/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(TEST_DEFS) $(PKG_CFLAGS) $(CFLAGS) -o $@ $< \
		$(LIB_OBJ) $(PKG_LIBS) -lutil -lcmocka

# test_man checks the '#' command table against the built paks(1).
$(O)/tests/test_man: $(O)/man/paks.1
$(O)/tests/test_man: TEST_DEFS = -DPAKS_MAN_PAGE='"$(abspath $(O))/man/paks.1"'

# scdoc is a build dependency: without it `make man`, `make install` and
# `make check` fail (contrib/install-deps.sh installs it).
man: $(MAN_PAGES)

$(O)/man/%: man/%.scd man/tidy.awk
	@mkdir -p $(dir $@)
	$(SCDOC) <$< >$@.raw || { rm -f $@.raw; exit 1; }
	awk -f man/tidy.awk $@.raw >$@.tmp
	rm -f $@.raw
	mv $@.tmp $@

unit: $(UNIT_BIN)
	@tests/run-unit.sh $(UNIT_BIN)

check: fmt-check all man $(UNIT_BIN) fuzz-replay-bins
	@O=$(O) tests/run-all.sh

# Timing of paks against the plain engines (contrib/bench/bench.sh);
# never part of check.
bench: all
	@PAKS=$(CURDIR)/$(O)/paks contrib/bench/bench.sh

# Fuzz targets (tests/fuzz/README.md): one per parser of bytes from the
# container.  Each is built by a sub-make in its own tree below $(O), with
# FUZZ_MAIN = replay.c (gcc, sanitizers: `make check` replays the corpora)
# or nothing (clang's libFuzzer supplies main: `make fuzz`).
FUZZ_TARGETS ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TIME ?= 600
FUZZ_MAIN ?=
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer

$(O)/fuzz/%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_MAIN) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -Itests/fuzz $(PKG_CFLAGS) $(CFLAGS) $(LDFLAGS) \
		-o $@ $< $(FUZZ_MAIN) $(LIB_OBJ) $(PKG_LIBS) -lutil

fuzz-bins: $(patsubst %,$(O)/fuzz/%,$(FUZZ_TARGETS))

# gcc with sanitizers, main() from replay.c; tests/run-all.sh replays them.
fuzz-replay-bins:
	@$(MAKE) --no-print-directory -s O=$(O)/fuzz-replay CC=gcc \
		CFLAGS='-O1 -g $(SAN_FLAGS)' LDFLAGS='$(SAN_FLAGS)' \
		FUZZ_MAIN=tests/fuzz/replay.c fuzz-bins

fuzz-check: fuzz-replay-bins
	@tests/fuzz/replay.sh $(O)/fuzz-replay/fuzz $(FUZZ_TARGETS)

fuzz:
	@$(MAKE) --no-print-directory -s O=$(O)/fuzz-libfuzzer CC=clang \
		CFLAGS='-O1 -g -fsanitize=fuzzer-no-link $(SAN_FLAGS)' \
		LDFLAGS='-fsanitize=fuzzer $(SAN_FLAGS)' FUZZ_MAIN= fuzz-bins
	@FUZZ_TIME=$(FUZZ_TIME) tests/fuzz/run-fuzz.sh $(O) $(FUZZ_TARGETS)

install: all man
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/paks \
		$(DESTDIR)$(DATADIR)/paks/hooks
	install -m 0755 $(O)/paks $(DESTDIR)$(BINDIR)/paks
	install -m 0644 $(O)/libpaks-preload.so $(DESTDIR)$(LIBDIR)/paks/
	install -m 0755 $(O)/paks-launch $(DESTDIR)$(LIBDIR)/paks/
	for h in hooks/*; do [ -f "$$h" ] && [ -x "$$h" ] && \
		install -m 0755 "$$h" $(DESTDIR)$(DATADIR)/paks/hooks/; done; true
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man7
	for m in $(MAN_PAGES); do \
		install -m 0644 "$$m" "$(DESTDIR)$(MANDIR)/man$${m##*.}/" || exit 1; \
	done
	install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) \
		$(DESTDIR)$(FISHCOMPDIR)
	install -m 0644 contrib/paks.bash-completion $(DESTDIR)$(BASHCOMPDIR)/paks
	install -m 0644 contrib/_paks $(DESTDIR)$(ZSHCOMPDIR)/_paks
	install -m 0644 contrib/paks.fish $(DESTDIR)$(FISHCOMPDIR)/paks.fish
	# The binary holds moby's seccomp profile (Apache-2.0): its notice and
	# licence go along.
	install -d $(DESTDIR)$(DATADIR)/doc/paks/moby-seccomp
	install -m 0644 contrib/seccomp/README.md contrib/seccomp/LICENSE \
		$(DESTDIR)$(DATADIR)/doc/paks/moby-seccomp/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/paks
	rm -rf $(DESTDIR)$(LIBDIR)/paks $(DESTDIR)$(DATADIR)/paks \
		$(DESTDIR)$(DATADIR)/doc/paks/moby-seccomp
	for m in $(notdir $(MAN_PAGES)); do \
		rm -f "$(DESTDIR)$(MANDIR)/man$${m##*.}/$$m"; done
	rm -f $(DESTDIR)$(BASHCOMPDIR)/paks $(DESTDIR)$(ZSHCOMPDIR)/_paks \
		$(DESTDIR)$(FISHCOMPDIR)/paks.fish

FMT_SRC = $(wildcard host/*/*.c host/*/*.h preload/*.c preload/*.h include/*.c \
	include/*.h tests/unit/*.c tests/unit/*.h tests/fuzz/*.c tests/fuzz/*.h)
fmt:
	clang-format -i $(FMT_SRC)

# CI fails on a formatting diff: run `make fmt` before committing.
fmt-check:
	@clang-format --dry-run --Werror $(FMT_SRC)

# The Debian package, built by Debian's own tools (debian/, debhelper)
# from a copy of the source in a temporary directory, so neither the
# build nor dpkg-buildpackage's ../*.deb, .buildinfo and .changes touch
# the tree.  The .deb lands in DEB_OUT (default $(O)).
DEB_OUT ?= $(O)
DEB_ARCH = $(shell dpkg --print-architecture 2>/dev/null)
deb:
	@v=$$(dpkg-parsechangelog -S Version -l debian/changelog) && \
	[ "$$v" = "$(VERSION)" ] || { echo "make deb: debian/changelog \
	says $$v, the Makefile $(VERSION)" >&2; exit 1; }
	@set -e; tmp=$$(mktemp -d "$${TMPDIR:-/tmp}/paks-deb.XXXXXX"); \
	trap 'rm -rf "$$tmp"' EXIT; \
	mkdir -p "$$tmp/paks-$(VERSION)" $(DEB_OUT); \
	tar --exclude-vcs --exclude=./build --exclude='./$(O)' \
		--exclude=./config.local.mk --exclude='./paks_*' -cf - . | \
		tar -C "$$tmp/paks-$(VERSION)" -xf -; \
	(cd "$$tmp/paks-$(VERSION)" && \
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u O \
		dpkg-buildpackage -b -us -uc >"$$tmp/build.log" 2>&1) || \
		{ tail -n 40 "$$tmp/build.log" >&2; exit 1; }; \
	cp "$$tmp/paks_$(VERSION)_$(DEB_ARCH).deb" $(DEB_OUT)/; \
	echo "$(DEB_OUT)/paks_$(VERSION)_$(DEB_ARCH).deb"
.PHONY: deb

demo: all
	@tests/images.sh bookworm
	@CONTAINERS_CONF=$${CONTAINERS_CONF:-$(CURDIR)/tests/containers.conf} \
		$(O)/paks run localhost/paks-test/bookworm

clean:
	rm -rf $(O)

.PHONY: all man unit check bench fuzz fuzz-check fuzz-bins fuzz-replay-bins install uninstall \
	fmt fmt-check demo clean
-include $(shell find $(O) -name '*.d' 2>/dev/null)
