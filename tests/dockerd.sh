#!/bin/bash
# SPDX-License-Identifier: MIT
#
# A real dockerd of the tests' own, on private paths, so that the docker
# backend is tested against the daemon users have (Debian's docker.io) and
# not against a stand-in.  It does not touch the host's network: no bridge,
# no iptables.  The data root is cached under /var/tmp so that the test
# images loaded into it survive between runs; the exec root, socket and
# pidfile live under /run.  dockerd starts its own containerd under the exec
# root.  It is stopped by the pid in its pidfile, never by name.
#
# usage: tests/dockerd.sh start [IMAGE...]   start (if not running), wait for
#                                           `docker info`, load IMAGEs from
#                                           rootful podman when missing
#        tests/dockerd.sh stop               stop it by its pid
#        tests/dockerd.sh env                print DOCKER_HOST=... for eval
#
# Environment: PAKS_DOCKERD_NAME (default paks-dockerd) names the paths:
# /var/tmp/NAME/data, /run/NAME/exec, /run/NAME.sock, /run/NAME.pid.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export CONTAINERS_CONF=${CONTAINERS_CONF:-$HERE/containers.conf}
NAME=${PAKS_DOCKERD_NAME:-paks-dockerd}
DATA=/var/tmp/$NAME/data
EXEC=/run/$NAME/exec
SOCK=/run/$NAME.sock
PIDFILE=/run/$NAME.pid
LOG=/var/tmp/$NAME/dockerd.log
HOST=unix://$SOCK

die() {
	echo "dockerd: $*" >&2
	exit 1
}

running_pid() {
	local pid
	[ -s "$PIDFILE" ] || return 1
	pid=$(cat "$PIDFILE")
	[ -n "$pid" ] && [ -d "/proc/$pid" ] &&
		[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(command -v dockerd)" ] ||
		return 1
	echo "$pid"
}

docker_q() {
	DOCKER_HOST=$HOST DOCKER_CONTEXT='' docker "$@"
}

wait_ready() {
	local i
	for i in $(seq 1 300); do
		docker_q info >/dev/null 2>&1 && return 0
		running_pid >/dev/null || [ "$i" -lt 20 ] || return 1
		sleep 0.1
	done
	return 1
}

# Load IMAGE from rootful podman unless dockerd already has that very image
# (same image id: podman save keeps the config, so the ids agree).
load_image() { # IMAGE
	local img=$1 want have
	want=$(podman image inspect --format '{{.Id}}' "$img" 2>/dev/null) ||
		die "podman has no image $img (run tests/images.sh)"
	have=$(docker_q image inspect --format '{{.Id}}' "$img" 2>/dev/null || true)
	[ "${have#sha256:}" = "$want" ] && return 0
	podman save --format docker-archive "$img" | docker_q load -q >/dev/null ||
		die "loading $img into dockerd failed"
	have=$(docker_q image inspect --format '{{.Id}}' "$img" 2>/dev/null || true)
	[ "${have#sha256:}" = "$want" ] ||
		die "$img has id $have in dockerd, $want in podman"
}

start() {
	local img
	command -v dockerd >/dev/null || die "no dockerd (contrib/install-deps.sh installs docker.io)"
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	mkdir -p "$DATA" "$EXEC"
	if ! running_pid >/dev/null; then
		rm -f "$PIDFILE" "$SOCK"
		# setsid: the daemon outlives the test script's process group and
		# its terminal; it is stopped by its pid.  It must not hold the
		# lock (fd 9), or the next start would wait for it forever.
		setsid dockerd --data-root "$DATA" --exec-root "$EXEC" \
			-H "$HOST" --pidfile "$PIDFILE" \
			--iptables=false --ip6tables=false --bridge=none \
			--ip-masq=false --userland-proxy=false \
			</dev/null >"$LOG" 2>&1 9>&- &
		if ! wait_ready; then
			tail -n 20 "$LOG" >&2
			die "dockerd did not answer on $HOST"
		fi
	fi
	for img in "$@"; do
		load_image "$img"
	done
}

stop() {
	local pid i
	pid=$(running_pid) || return 0
	kill "$pid"
	for i in $(seq 1 200); do
		[ -d "/proc/$pid" ] || break
		sleep 0.1
	done
	if [ -d "/proc/$pid" ]; then
		kill -KILL "$pid"
	fi
	rm -f "$SOCK" "$PIDFILE"
}

case ${1:-} in
start)
	shift
	# One starter at a time: several tests may want the daemon at once.
	mkdir -p "/var/tmp/$NAME"
	exec 9>"/var/tmp/$NAME/.lock"
	flock 9
	start "$@"
	;;
stop) stop ;;
env) echo "DOCKER_HOST=$HOST" ;;
*)
	echo "usage: $0 start [IMAGE...] | stop | env" >&2
	exit 2
	;;
esac
