#!/bin/bash
# SPDX-License-Identifier: MIT
#
# A normal user for the rootless podman tests, set up the way a person's
# own account would be: subordinate uids and gids, uidmap, and a podman
# config of the user's own.  The config is the project's (vfs storage, no
# systemd: cgroupfs and file events, the open-files limit these machines
# need) plus netns = "none", since slirp4netns cannot start without
# /dev/net/tun.  The user's home, and so its image storage, lives under
# /var/tmp so that the loaded test images survive between runs.
#
# usage: tests/rootless.sh setup [IMAGE...]  create the user if needed and
#                                           load IMAGEs from rootful podman
#                                           into its storage when missing
#        tests/rootless.sh stage PAKS       copy the built PAKS, the
#                                           helper files beside it (the
#                                           preload, the launcher) and the
#                                           shipped hooks where the user
#                                           can run them; print the copy's
#                                           paks, DIR/build/paks
#        tests/rootless.sh user             print the user's name
#        tests/rootless.sh home             print the user's home
#
# Environment: PAKS_RL_USER (default paks-rl).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export CONTAINERS_CONF=${CONTAINERS_CONF:-$HERE/containers.conf}
RL_USER=${PAKS_RL_USER:-paks-rl}
RL_HOME=/var/tmp/$RL_USER/home

die() {
	echo "rootless: $*" >&2
	exit 1
}

# as_user CMD...: run an argv as the user, with a login environment.
as_user() {
	local cmd
	printf -v cmd '%q ' "$@"
	su - "$RL_USER" -c "$cmd"
}

subid_entry() { # FILE
	local file=$1 start
	grep -q "^$RL_USER:" "$file" 2>/dev/null && return 0
	# The next free range after every range already given out.
	start=$(awk -F: 'BEGIN { m = 100000 } { e = $2 + $3; if (e > m) m = e }
		END { print m }' "$file" 2>/dev/null || echo 100000)
	echo "$RL_USER:$start:65536" >>"$file"
}

write_config() {
	local dir=$RL_HOME/.config/containers
	mkdir -p "$dir"
	# The project's settings, then what a rootless user here needs.
	sed -n '/^\[containers\]/,/^\[/{/^\[engine\]/!p}' "$HERE/containers.conf" \
		>"$dir/containers.conf.new"
	cat >>"$dir/containers.conf.new" <<-'EOF'
		netns = "none"
	EOF
	sed -n '/^\[engine\]/,$p' "$HERE/containers.conf" >>"$dir/containers.conf.new"
	mv -f "$dir/containers.conf.new" "$dir/containers.conf"
	# podman 4.3's commit fails with "runroot must be set" when a user's
	# storage.conf names a driver but not the paths: name them, with
	# podman's own rootless defaults.
	cat >"$dir/storage.conf" <<-EOF
		[storage]
		driver = "vfs"
		runroot = "/tmp/containers-user-$(id -u "$RL_USER")/containers"
		graphroot = "$RL_HOME/.local/share/containers/storage"
	EOF
	chown -R "$RL_USER:" "$RL_HOME/.config"
}

setup_user() {
	command -v newuidmap >/dev/null || die "no newuidmap (install uidmap)"
	mkdir -p "/var/tmp/$RL_USER"
	chmod 0755 "/var/tmp/$RL_USER"
	if ! id "$RL_USER" >/dev/null 2>&1; then
		useradd --home-dir "$RL_HOME" --create-home --shell /bin/bash \
			--user-group "$RL_USER" || die "useradd $RL_USER failed"
	fi
	# The user can outlive its home (a cleaned /var/tmp): make it again,
	# the user's own, before anything is written into it.
	if [ ! -d "$RL_HOME" ] || [ "$(stat -c %U "$RL_HOME")" != "$RL_USER" ]; then
		mkdir -p "$RL_HOME"
		chown "$RL_USER:" "$RL_HOME"
		chmod 0755 "$RL_HOME"
	fi
	subid_entry /etc/subuid
	subid_entry /etc/subgid
	write_config
}

# Load IMAGE from rootful podman unless the user already has that very one.
load_image() { # IMAGE
	local img=$1 want have
	want=$(podman image inspect --format '{{.Id}}' "$img" 2>/dev/null) ||
		die "podman has no image $img (run tests/images.sh)"
	have=$(as_user podman image inspect --format '{{.Id}}' "$img" 2>/dev/null || true)
	[ "$have" = "$want" ] && return 0
	# Through a file the user can read: su - does not pass our stdin on
	# reliably with a login shell in between.
	local tar
	tar=$(mktemp "/var/tmp/$RL_USER/load.XXXXXX.tar")
	podman save --format oci-archive -o "$tar" "$img" >/dev/null 2>&1 ||
		{ rm -f "$tar"; die "podman save $img failed"; }
	chmod 0644 "$tar"
	as_user podman load -q -i "$tar" >/dev/null ||
		{ rm -f "$tar"; die "loading $img as $RL_USER failed"; }
	rm -f "$tar"
}

# The build lives where root put it, often in a private home (0700 or
# 0750) the user cannot enter.  Root can read it: copy what a paks run
# needs into a directory of its own under the user's readable
# /var/tmp/$RL_USER, laid out as the source tree is: build/ with paks,
# the preload and the launcher (the files `make install` would put in
# PREFIX/bin and PREFIX/lib/paks; in a build tree paks finds them beside
# itself), and the shipped hooks/ beside it (a build-tree paks whose
# compiled-in source directory it cannot enter takes <exe dir>/../hooks).
# It prints the staged paks, DIR/build/paks; the caller removes DIR.
stage() { # PAKS
	local paks=$1 from dir f
	from=$(dirname "$paks")
	[ -x "$paks" ] || die "no paks at $paks"
	mkdir -p "/var/tmp/$RL_USER"
	chmod 0755 "/var/tmp/$RL_USER"
	dir=$(mktemp -d "/var/tmp/$RL_USER/stage.XXXXXX")
	mkdir "$dir/build"
	for f in "$paks" "$from/libpaks-preload.so" "$from/paks-launch"; do
		cp "$f" "$dir/build/" || { rm -rf "$dir"; die "cannot stage $f"; }
	done
	cp -R "$HERE/../hooks" "$dir/hooks" || {
		rm -rf "$dir"
		die "cannot stage the hooks"
	}
	chmod -R a+rX,go-w "$dir"
	echo "$dir/build/$(basename "$paks")"
}

case ${1:-} in
stage)
	[ $# -eq 2 ] || die "usage: $0 stage PAKS"
	stage "$2"
	;;
setup)
	shift
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	mkdir -p "/var/tmp/$RL_USER"
	exec 9>"/var/tmp/$RL_USER/.lock"
	flock 9
	setup_user
	for img in "$@"; do
		load_image "$img"
	done
	;;
user) echo "$RL_USER" ;;
home) echo "$RL_HOME" ;;
*)
	echo "usage: $0 setup [IMAGE...] | stage PAKS | user | home" >&2
	exit 2
	;;
esac
