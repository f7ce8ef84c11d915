#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Build the local test images from Debian packages, since no registry on the
# internet is reachable from the test machines.  Debian suites come from
# `mmdebstrap --variant=minbase --mode=root SUITE` with no mirror argument
# (the machine's own apt sources); busybox is busybox-static in an empty
# rootfs.  Tarballs are cached under $PAKS_IMAGE_CACHE (/var/tmp/paks-images)
# and each image carries a label naming the tarball it came from, so a warm
# run only compares labels and takes well under a second per image.
#
# bookworm-user is built on top of bookworm by `podman build` without a
# network: an image whose config has a non-root USER (alice, uid 1000) and
# an ENV and WORKDIR of its own, as many published images do.  Its label
# names the bookworm image and the Containerfile it came from.
#
# usage: tests/images.sh [bookworm|bookworm-zsh|bookworm-user|bullseye|trixie|busybox|all]...
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export CONTAINERS_CONF=${CONTAINERS_CONF:-$HERE/containers.conf}
CACHE=${PAKS_IMAGE_CACHE:-/var/tmp/paks-images}
PREFIX=localhost/paks-test
LABEL=org.paks.test.tarball
ALL=(bookworm bullseye trixie busybox bookworm-zsh bookworm-user)

die() {
	echo "images: $*" >&2
	exit 1
}

usage() {
	local IFS='|'
	echo "usage: $0 [${ALL[*]}|all]..." >&2
	exit 2
}

# Run a noisy command quietly; show its output only when it fails.
quietly() {
	local log=$1
	shift
	if ! "$@" >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		return 1
	fi
}

build_debian() { # SUITE TARBALL [MMDEBSTRAP-ARGS...]
	local suite=$1 out=$2
	shift 2
	quietly "${out%.part.tar}.build.log" mmdebstrap --variant=minbase --mode=root "$@" \
		"$suite" "$out"
}

build_busybox() { # TARBALL
	local out=$1 root applet
	root=$(mktemp -d "$CACHE/busybox-root.XXXXXX")
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,home,tmp,dev,proc,sys,var/tmp}
	chmod 1777 "$root/tmp" "$root/var/tmp"
	chmod 0700 "$root/root"
	install -m 0755 /bin/busybox "$root/bin/busybox"
	for applet in $(/bin/busybox --list-full); do
		[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
	done
	printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
		'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' \
		>"$root/etc/passwd"
	printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$root/etc/group"
	tar -C "$root" --numeric-owner --owner=0 --group=0 -cf "$out" . ||
		{ rm -rf "$root"; return 1; }
	rm -rf "$root"
}

build_tarball() { # NAME TARBALL
	case $1 in
	bookworm | bullseye | trixie) build_debian "$1" "$2" ;;
	bookworm-zsh) build_debian bookworm "$2" --include=zsh ;;
	busybox) build_busybox "$2" ;;
	esac
}

default_cmd() {
	case $1 in
	busybox) echo '/bin/sh' ;;
	*) echo '/bin/bash' ;;
	esac
}

image_label() { # IMAGE -> label value, empty if no image
	podman image inspect --format "{{index .Labels \"$LABEL\"}}" "$1" \
		2>/dev/null || true
}

# Import the tarball unless the image already came from this very tarball.
ensure_image() { # NAME
	local name=$1 tar="$CACHE/$1.tar" image="$PREFIX/$1" key old how start part
	start=$SECONDS
	how=cached
	if [ ! -f "$tar" ] || [ ! -s "$tar" ]; then
		# mmdebstrap picks its output format from the file name: keep .tar.
		part="$CACHE/$name.part.tar"
		rm -rf "$part"
		build_tarball "$name" "$part" || die "building $name failed"
		rm -rf "$tar"
		mv -f "$part" "$tar"
		how=built
	fi
	key=$(stat -c '%s-%Y-%i' "$tar")
	if [ "$(image_label "$image")" != "$key" ]; then
		old=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
		quietly "$CACHE/$name.import.log" podman import \
			--change "CMD [\"$(default_cmd "$name")\"]" \
			--change "LABEL $LABEL=$key" \
			"$tar" "$image" || die "importing $name failed"
		# Drop the image this one replaced, unless a container still uses it.
		if [ -n "$old" ]; then
			podman rmi "$old" >/dev/null 2>&1 || true
		fi
		[ "$how" = built ] || how=imported
	fi
	printf 'images: %-32s %s (%ds)\n' "$image" "$how" $((SECONDS - start))
}

# An image with a non-root user.  The value of FOO has spaces, quotes and a
# dollar sign so that a test sees it arrive exactly.
user_containerfile() { # BASE-IMAGE
	cat <<-EOF
		FROM $1
		RUN useradd --create-home --uid 1000 --user-group --shell /bin/bash alice && \\
		    mkdir /home/alice/work && chown alice:alice /home/alice/work
		ENV FOO="bar with spaces 'q' \\\$x" PAKS_TEST_IMAGE=user
		USER alice
		WORKDIR /home/alice/work
		LABEL org.paks.test.user=alice
		CMD ["/bin/bash"]
	EOF
}

ensure_user_image() {
	local image="$PREFIX/bookworm-user" base="$PREFIX/bookworm" key old
	local start=$SECONDS how=cached dir
	ensure_image bookworm >/dev/null
	key="$(podman image inspect --format '{{.Id}}' "$base")-$(user_containerfile "$base" | sha256sum | cut -c1-16)"
	if [ "$(image_label "$image")" != "$key" ]; then
		old=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
		dir=$(mktemp -d "$CACHE/user-build.XXXXXX")
		user_containerfile "$base" >"$dir/Containerfile"
		quietly "$CACHE/bookworm-user.build.log" podman build --network none \
			--pull=never --layers=false --label "$LABEL=$key" \
			-t "$image" "$dir" || { rm -rf "$dir"; die "building bookworm-user failed"; }
		rm -rf "$dir"
		if [ -n "$old" ]; then
			podman rmi "$old" >/dev/null 2>&1 || true
		fi
		how=built
	fi
	printf 'images: %-32s %s (%ds)\n' "$image" "$how" $((SECONDS - start))
}

main() {
	local names=() n
	[ $# -gt 0 ] || set -- all
	for n in "$@"; do
		case $n in
		all) names+=("${ALL[@]}") ;;
		bookworm | bookworm-zsh | bookworm-user | bullseye | trixie | busybox) names+=("$n") ;;
		-h | --help) usage ;;
		*) usage ;;
		esac
	done
	[ "$(id -u)" -eq 0 ] || die "must run as root (mmdebstrap --mode=root)"
	mkdir -p "$CACHE"
	# Several test runs may want the same images at once: one builder at a time.
	exec 9>"$CACHE/.lock"
	flock 9
	for n in "${names[@]}"; do
		case $n in
		bookworm-user) ensure_user_image ;;
		*) ensure_image "$n" ;;
		esac
	done
}

main "$@"
