#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The Debian package: `make deb` in a fresh clone of the repository (its
# committed state) builds paks_VERSION_ARCH.deb with dpkg-buildpackage and
# leaves the clone as it was; the package installs into a clean bookworm
# container and paks runs there.
#
# The container has no network, so apt cannot download what the package
# depends on.  Instead, this machine's apt (which reaches Debian's archive)
# downloads exactly the packages the image lacks: apt-get --download-only
# run against the image's own dpkg status file.  They go into a flat local
# repository (dpkg-scanpackages) mounted into the container, and there the
# ordinary route runs: `dpkg -i paks.deb` first fails on its unmet
# Depends, then `apt-get install -f` resolves them from that repository
# alone.  So the Depends line is what apt resolves, and `paks --version`
# running proves ${shlibs:Depends} covers the libraries: the image had
# none of them.  The downloaded .debs are kept in $PAKS_DEB_CACHE
# (/var/tmp/paks-deb-deps) so reruns take seconds.
. "$(dirname "$0")/lib.sh"

IMG=$IMG_BOOKWORM
CACHE=${PAKS_DEB_CACHE:-/var/tmp/paks-deb-deps}
VERSION=$(sed -n 's/^VERSION := //p' "$TEST_REPO/Makefile")
ARCH=$(dpkg --print-architecture)
DEB=paks_${VERSION}_${ARCH}.deb

for tool in dpkg-buildpackage dh dpkg-scanpackages; do
	if ! command -v $tool >/dev/null; then
		skip "no $tool (contrib/install-deps.sh installs it): the package"
		finish
	fi
done

# --- make deb in a fresh clone ----------------------------------------------
git clone -q "$TEST_REPO" "$TEST_TMP/src/paks"
check "make deb in a fresh clone" \
	env -u O -u MAKEFLAGS -u MAKELEVEL make -C "$TEST_TMP/src/paks" --no-print-directory deb \
	DEB_OUT="$TEST_TMP/debs"
check "it built $DEB" test -f "$TEST_TMP/debs/$DEB"
left=$(git -C "$TEST_TMP/src/paks" status --porcelain --ignored)
check "make deb left nothing in the clone (not even ignored files)" \
	test -z "$left"
[ -z "$left" ] || printf '#   %s\n' "$left"
expect_same "nor next to it (no ../*.changes, ../*.buildinfo)" \
	"paks" "$(ls "$TEST_TMP/src")"
[ -f "$TEST_TMP/debs/$DEB" ] || finish

run dpkg-deb -f "$TEST_TMP/debs/$DEB" Depends
expect "dpkg-deb -f Depends" 0
depends=$OUT
check "Depends: podman | docker.io | charliecloud-runtime first" \
	grep -q '^podman | docker\.io | charliecloud-runtime, ' <<<"$depends"
for lib in libc6 libyaml-0-2 libjansson4 libvterm0; do
	check "Depends names $lib (shlibs)" \
		grep -Eq "(^|, )$lib( \(|,|$)" <<<"$depends"
done
contents=$(dpkg-deb -c "$TEST_TMP/debs/$DEB" | awk '{print $6}')
for f in ./usr/bin/paks ./usr/lib/paks/libpaks-preload.so \
	./usr/lib/paks/paks-launch ./usr/share/paks/hooks/pkgdiff \
	./usr/share/bash-completion/completions/paks \
	./usr/share/doc/paks/copyright; do
	check "the package holds $f" grep -qx "$f" <<<"$contents"
done
man_page=$(grep -E '^\./usr/share/man/man1/paks\.1(\.gz)?$' <<<"$contents" || true)

# --- the dependencies the image lacks, from this machine's apt ---------------
repo=$TEST_TMP/repo
mkdir -p "$repo" "$CACHE/partial"
podman_t run --rm --network none "$IMG" cat /var/lib/dpkg/status \
	>"$TEST_TMP/image-status"
# man-db for `man -w`; apt resolves paks's own Depends from the .deb.
run apt-get -q -y --download-only --no-install-recommends \
	-o Dir::State::status="$TEST_TMP/image-status" \
	-o Dir::Cache::archives="$CACHE" -o Debug::NoLocking=1 \
	install "$TEST_TMP/debs/$DEB" man-db
expect "apt-get --download-only against the image's dpkg status" 0
# Only what this resolution picked: the cache also holds older runs' files.
apt-get -q -s --no-install-recommends \
	-o Dir::State::status="$TEST_TMP/image-status" -o Debug::NoLocking=1 \
	install "$TEST_TMP/debs/$DEB" man-db 2>/dev/null |
	sed -n -E 's/^Inst ([^ ]+) (\[[^]]*\] )?\(([^ ]+) .*/\1 \3/p' \
		>"$TEST_TMP/picked"
check "apt picked podman for 'podman | docker.io'" \
	grep -q '^podman ' "$TEST_TMP/picked"
while read -r name ver; do
	[ "$name" = paks ] && continue
	# apt writes an epoch's ':' as %3a in file names.
	f=$(ls "$CACHE/${name}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n 1)
	[ -n "$f" ] && cp "$f" "$repo/"
done <"$TEST_TMP/picked"
(cd "$repo" && dpkg-scanpackages --multiversion . /dev/null 2>/dev/null \
	>Packages)
check "the local repository indexes every picked package" \
	test "$(grep -c '^Package: ' "$repo/Packages")" -eq \
	"$(grep -vc '^paks ' "$TEST_TMP/picked")"
cp "$TEST_TMP/debs/$DEB" "$TEST_TMP/deb.deb"

# --- install in a clean bookworm container ----------------------------------
cat >"$TEST_TMP/install.sh" <<'EOF'
set -u
export DEBIAN_FRONTEND=noninteractive
apt_local() {
	apt-get -q -o Dir::Etc::sourcelist=/etc/apt/local.list \
		-o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0 "$@"
}
echo 'deb [trusted=yes] file:/repo ./' >/etc/apt/local.list
echo "== libvterm before: $(dpkg-query -W -f='${Status}' libvterm0 2>&1)"
echo "== dpkg -i"
dpkg -i /deb.deb >/tmp/dpkg.log 2>&1
echo "== dpkg -i rc=$?"
grep -o 'depends on [a-z0-9.+-]*' /tmp/dpkg.log | sort -u
apt_local update >/dev/null 2>&1 || echo "== apt-get update failed"
apt_local install -f -y --no-install-recommends >/tmp/apt.log 2>&1
echo "== apt-get install -f rc=$?"
apt_local install -y --no-install-recommends man-db >>/tmp/apt.log 2>&1
echo "== man-db rc=$?"
echo "== status $(dpkg-query -W -f='${Status}' paks)"
echo "== podman $(dpkg-query -W -f='${Status}' podman)"
echo "== version $(paks --version 2>&1)"
paks --help >/tmp/help 2>&1
echo "== help rc=$? $(head -n 1 /tmp/help)"
echo "== man $(man -w paks 2>&1)"
paks doctor --help >/tmp/doctor 2>&1
echo "== doctor rc=$? $(head -n 1 /tmp/doctor)"
tail -n 20 /tmp/apt.log | sed 's/^/apt: /'
EOF
run podman_t run --rm --network none -v "$repo:/repo:ro" \
	-v "$TEST_TMP/deb.deb:/deb.deb:ro" -v "$TEST_TMP/install.sh:/install.sh:ro" \
	"$IMG" bash /install.sh
expect "the container ran" 0
log=$OUT
got() { grep -q -x -e "$1" <<<"$log"; }
lacks() { ! got "$1"; }
check "the image had no libvterm0 before" \
	lacks '== libvterm before: install ok installed'
check "dpkg -i alone fails: the Depends are not in the image" \
	got '== dpkg -i rc=1'
check "dpkg names podman among the unmet Depends" got 'depends on podman'
check "dpkg names libvterm0 among the unmet Depends" got 'depends on libvterm0'
check "apt-get install -f resolves them from the local repository" \
	got '== apt-get install -f rc=0'
check "paks is installed" got '== status install ok installed'
check "podman came with it" got '== podman install ok installed'
check "paks --version runs" got "== version paks $VERSION"
check "paks --help runs" got '== help rc=0 Usage: paks .*'
check "paks doctor --help runs" got '== doctor rc=0 Usage: paks doctor'
if [ -n "$man_page" ]; then
	check "man -w paks finds ${man_page#.}" \
		got "== man ${man_page#.}"
else
	skip "the package has no paks(1) yet (make install installs none): man -w paks"
fi
if [ "$_T_FAIL" -gt 0 ]; then
	printf '%s\n' "$log" | sed 's/^/#   /'
fi

finish
