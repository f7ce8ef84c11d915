#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The test world of the Charliecloud tests: a normal user with no podman
# or docker of its own to use (the rootless tests' user, tests/rootless.sh),
# /dev/fuse usable by normal users as on a normal Linux machine (these
# machines keep it 0600: it is made 0666 when present; without it, the
# tests run only what needs no FUSE), and dev.sqfs, made by `paks export`
# from the tests' bookworm-user image (USER alice, an ENV with quotes and
# a $, WORKDIR), and bb.sqfs from busybox, cached under $CACHE and made
# again when their image changes.  Installs nothing: contrib/install-deps.sh does.
#
# usage: tests/charliecloud.sh setup PAKS  set up; print the path of
#                                         dev.sqfs (readable by the user;
#                                         bb.sqfs is beside it)
#        tests/charliecloud.sh workdir NAME  a directory of the user's
#                                         with launch/ (the .sqfs files)
#                                         and cache/; print its path
#        tests/charliecloud.sh fuse        exit 0 when normal users have FUSE
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export CONTAINERS_CONF=${CONTAINERS_CONF:-$HERE/containers.conf}
CACHE=${PAKS_CH_CACHE:-/var/tmp/paks-ch}
IMAGE=localhost/paks-test/bookworm-user

die() {
	echo "charliecloud: $*" >&2
	exit 1
}

fuse() {
	[ -c /dev/fuse ] || return 1
	[ "$(stat -c %a /dev/fuse)" = 666 ] || chmod 0666 /dev/fuse 2>/dev/null
	[ "$(stat -c %a /dev/fuse)" = 666 ]
}

setup() { # PAKS
	local paks=$1 id
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	command -v ch-run >/dev/null || die "no ch-run (contrib/install-deps.sh)"
	"$HERE/rootless.sh" setup >/dev/null
	fuse || echo "charliecloud: no FUSE for normal users; directory images only" >&2
	mkdir -p "$CACHE"
	chmod 0755 "$CACHE"
	exec 9>"$CACHE/.lock"
	flock 9
	"$HERE/images.sh" bookworm-user busybox >/dev/null
	make_sqfs "$paks" "$IMAGE" dev.sqfs
	make_sqfs "$paks" localhost/paks-test/busybox bb.sqfs
	echo "$CACHE/dev.sqfs"
}

# make_sqfs PAKS IMAGE NAME: $CACHE/NAME from IMAGE, unless it is there
# from that very image.
make_sqfs() {
	local paks=$1 image=$2 name=$3 id
	id=$(podman image inspect --format '{{.Id}}' "$image")
	[ "$(cat "$CACHE/$name.id" 2>/dev/null)" != "$id" ] || return 0
	rm -f "$CACHE/$name"
	"$paks" export "$image" "$CACHE/$name" >"$CACHE/export.log" 2>&1 ||
		{ cat "$CACHE/export.log" >&2; die "paks export $image failed"; }
	chmod 0644 "$CACHE/$name"
	echo "$id" >"$CACHE/$name.id"
}

# workdir NAME: a directory of the user's own under its /var/tmp area,
# with launch/ (holding copies of dev.sqfs and bb.sqfs) and cache/ (for
# XDG_CACHE_HOME, where the writable copies go); prints its path.  The
# caller removes it.
workdir() { # NAME
	local user base
	user=$("$HERE/rootless.sh" user)
	base=$(mktemp -d "/var/tmp/$user/$1.XXXXXX")
	mkdir -p "$base/launch" "$base/cache"
	cp "$CACHE/dev.sqfs" "$CACHE/bb.sqfs" "$base/launch/"
	chown -R "$user:" "$base"
	chmod 0755 "$base"
	echo "$base"
}

case ${1:-} in
workdir)
	[ $# -eq 2 ] || die "usage: $0 workdir NAME"
	workdir "$2"
	;;
setup)
	[ $# -eq 2 ] || die "usage: $0 setup PAKS"
	setup "$2"
	;;
fuse) fuse ;;
*)
	echo "usage: $0 setup PAKS | workdir NAME | fuse" >&2
	exit 2
	;;
esac
