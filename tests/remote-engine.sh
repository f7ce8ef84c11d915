#!/bin/bash
# SPDX-License-Identifier: MIT
#
# An engine "on another host", on this machine: a dockerd in a mount
# namespace of its own, with tmpfs over /tmp, /run, /root and /home, so
# that nothing paks writes on the host is visible to it, as with an engine
# in a VM or on a build server.  It is reached over TCP on loopback, and
# over ssh through an sshd in the same namespace (a key the tests make;
# the client's options come from a config file of ours, through the
# `ssh` wrapper in BIN, since ssh reads ~/.ssh from the passwd entry and
# the docker CLI takes no ssh options).  A docker context points at it.
# Beside it, in the same namespace, podman's API service (`podman system
# service`) on another loopback port, for podman --remote, with storage of
# its own.
# The data root is cached under /var/tmp, so loaded images survive
# between runs.  Everything is stopped by its pid.
#
# usage: tests/remote-engine.sh start [IMAGE...]  start (if not running),
#                                        load IMAGEs from rootful podman
#        tests/remote-engine.sh stop        stop dockerd and sshd by pid
#        tests/remote-engine.sh env         print RE_TCP=... RE_SSH=...
#                                           RE_BIN=... RE_CONTEXT=...
#                                           RE_PODMAN=... for eval
#
# Environment: PAKS_REMOTE_NAME (default paks-remote) names the paths
# under /var/tmp/NAME.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export CONTAINERS_CONF=${CONTAINERS_CONF:-$HERE/containers.conf}
NAME=${PAKS_REMOTE_NAME:-paks-remote}
TOP=/var/tmp/$NAME
DATA=$TOP/data
# dockerd's own pidfile stays inside the namespace (a dockerd that fails
# to start removes it); this one is ours: the pid that became dockerd.
PIDFILE=$TOP/ns.pid
SSHPID=$TOP/sshd.pid
LOG=$TOP/dockerd.log
SSHDIR=$TOP/ssh
BIN=$TOP/bin
CONTEXT=$NAME

die() {
	echo "remote-engine: $*" >&2
	exit 1
}

# A port another of these files already holds.
port_taken() { # FILE PORT
	local g
	for g in "$TOP"/*-port; do
		[ "$g" != "$1" ] && [ -s "$g" ] && [ "$(cat "$g")" = "$2" ] && return 0
	done
	return 1
}

port_of() { # FILE: a port chosen once and kept, none shared by two files
	local f=$TOP/$1 p
	if [ ! -s "$f" ] || port_taken "$f" "$(cat "$f")"; then
		for _ in $(seq 1 50); do
			p=$((20000 + RANDOM % 20000))
			port_taken "$f" "$p" && continue
			ss -ltn "sport = :$p" 2>/dev/null | grep -q LISTEN || break
		done
		echo "$p" >"$f"
	fi
	cat "$f"
}

alive() { # PIDFILE EXE
	local pid
	[ -s "$1" ] || return 1
	pid=$(cat "$1")
	[ -d "/proc/$pid" ] && [ "$(readlink "/proc/$pid/exe")" = "$2" ] || return 1
	echo "$pid"
}

tcp_host() { echo "tcp://127.0.0.1:$(port_of tcp-port)"; }
ssh_host() { echo "ssh://root@paks-remote-engine"; }

podman_url() { echo "tcp://127.0.0.1:$(port_of podman-port)"; }

podman_q() {
	podman --remote --url "$(podman_url)" "$@"
}

docker_q() {
	DOCKER_HOST=$(tcp_host) DOCKER_CONTEXT='' docker "$@"
}

# The client side of ssh: a key, known host, and a wrapper that passes
# our config file.  BatchMode: never a prompt.
ssh_setup() {
	mkdir -p "$SSHDIR" "$BIN"
	[ -s "$SSHDIR/id" ] || ssh-keygen -q -t ed25519 -N '' -f "$SSHDIR/id"
	[ -s "$SSHDIR/host" ] || ssh-keygen -q -t ed25519 -N '' -f "$SSHDIR/host"
	cp "$SSHDIR/id.pub" "$SSHDIR/authorized_keys"
	printf 'paks-remote-engine %s\n' "$(cut -d' ' -f1,2 "$SSHDIR/host.pub")" |
		sed "s/^paks-remote-engine/[127.0.0.1]:$(port_of ssh-port)/" >"$SSHDIR/known_hosts"
	cat >"$SSHDIR/config" <<-EOT
		Host paks-remote-engine
		  HostName 127.0.0.1
		  Port $(port_of ssh-port)
		  User root
		  IdentityFile $SSHDIR/id
		  IdentitiesOnly yes
		  UserKnownHostsFile $SSHDIR/known_hosts
		  HostKeyAlias [127.0.0.1]:$(port_of ssh-port)
		  BatchMode yes
		# A user without a key here: ssh would ask for a password.
		Host paks-remote-pw
		  HostName 127.0.0.1
		  Port $(port_of ssh-port)
		  User nobody
		  PubkeyAuthentication no
		  UserKnownHostsFile $SSHDIR/known_hosts
		  HostKeyAlias [127.0.0.1]:$(port_of ssh-port)
	EOT
	printf '#!/bin/sh\nexec /usr/bin/ssh -F %s "$@"\n' "$SSHDIR/config" >"$BIN/ssh"
	chmod 0755 "$BIN/ssh"
}

# dockerd and sshd in one mount namespace whose /tmp, /run, /root and
# /home are its own.
start_daemons() {
	local port sport pport
	port=$(port_of tcp-port)
	sport=$(port_of ssh-port)
	pport=$(port_of podman-port)
	rm -f "$PIDFILE" "$SSHPID" "$TOP/podman/pid"
	# The namespace has its own /tmp: a checkout there is not seen.
	cp "$CONTAINERS_CONF" "$TOP/podman/containers.conf"
	setsid unshare -m sh -c '
		set -e
		mount --make-rprivate /
		for d in /tmp /run /root /home; do mount -t tmpfs -o mode=0755 tmpfs $d; done
		chmod 1777 /tmp; chmod 700 /root
		mkdir -p /run/sshd
		/usr/sbin/sshd -p "$2" -h "$3/host" -o PidFile="$4" \
			-o AuthorizedKeysFile="$3/authorized_keys" -o StrictModes=no \
			-o ListenAddress=127.0.0.1 -o PasswordAuthentication=yes \
			-o KbdInteractiveAuthentication=no -o UsePAM=no
		CONTAINERS_CONF="$7/containers.conf" \
			podman --root "$7/root" --runroot /run/paks-remote-podman \
			system service --time=0 "tcp://127.0.0.1:$8" >"$7/log" 2>&1 &
		echo $! >"$7/pid"
		exec dockerd --data-root "$5" --exec-root /run/paks-remote \
			--pidfile /run/paks-remote.pid -H "tcp://127.0.0.1:$1" -H unix:///run/docker.sock \
			--iptables=false --ip6tables=false --bridge=none \
			--ip-masq=false --userland-proxy=false
	' sh "$port" "$sport" "$SSHDIR" "$SSHPID" "$DATA" "$PIDFILE" \
		"$TOP/podman" "$pport" \
		</dev/null >"$LOG" 2>&1 9>&- &
	# setsid, unshare and sh each exec the next: this pid becomes dockerd.
	echo $! >"$PIDFILE"
	for _ in $(seq 1 300); do
		# Ours, not a stale daemon on the same port.
		alive "$PIDFILE" "$(command -v dockerd)" >/dev/null &&
			docker_q info >/dev/null 2>&1 && podman_q info >/dev/null 2>&1 &&
			return 0
		sleep 0.1
	done
	if ! docker_q info >/dev/null 2>&1; then
		tail -n 20 "$LOG" >&2
		die "dockerd did not answer on $(tcp_host)"
	fi
	tail -n 20 "$TOP/podman/log" >&2
	ss -ltnp "sport = :$pport" >&2 || true
	die "podman system service did not answer on $(podman_url)"
}

load_image() { # IMAGE
	local img=$1 want have
	want=$(podman image inspect --format '{{.Id}}' "$img" 2>/dev/null) ||
		die "podman has no image $img (run tests/images.sh)"
	have=$(docker_q image inspect --format '{{.Id}}' "$img" 2>/dev/null || true)
	have=${have#sha256:}
	[ "$have" = "$want" ] &&
		[ "$(podman_q image inspect --format '{{.Id}}' "$img" 2>/dev/null)" = "$want" ] &&
		return 0
	podman save --format docker-archive "$img" >"$TOP/load.tar"
	docker_q load -q -i "$TOP/load.tar" >/dev/null ||
		die "loading $img into the remote dockerd failed"
	have=$(podman_q image inspect --format '{{.Id}}' "$img" 2>/dev/null || true)
	[ "$have" = "$want" ] ||
		podman_q load -q -i "$TOP/load.tar" >/dev/null ||
		die "loading $img into the remote podman failed"
	rm -f "$TOP/load.tar"
}

start() {
	local img
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	command -v /usr/sbin/sshd >/dev/null || die "no sshd (contrib/install-deps.sh installs openssh-server)"
	mkdir -p "$DATA" "$TOP/podman"
	ssh_setup
	if ! alive "$PIDFILE" "$(command -v dockerd)" >/dev/null ||
		! alive "$SSHPID" /usr/sbin/sshd >/dev/null ||
		! alive "$TOP/podman/pid" "$(command -v podman)" >/dev/null; then
		stop
		start_daemons
	fi
	docker context inspect "$CONTEXT" >/dev/null 2>&1 ||
		docker context create "$CONTEXT" --docker "host=$(tcp_host)" >/dev/null 2>&1
	for img in "$@"; do
		load_image "$img"
	done
}

stop_pid() { # PIDFILE EXE
	local pid
	pid=$(alive "$1" "$2") || return 0
	kill "$pid"
	for _ in $(seq 1 200); do
		[ -d "/proc/$pid" ] || break
		sleep 0.1
	done
	[ ! -d "/proc/$pid" ] || kill -KILL "$pid"
	rm -f "$1"
}

# podman's exec through its API service leaves a conmon per exec session
# (podman 4.3), which outlives the service: ours name our storage.
stop_conmons() {
	local f pid
	for f in /proc/[0-9]*/cmdline; do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = /usr/bin/conmon ] || continue
		tr '\0' ' ' <"$f" 2>/dev/null | grep -qF -- "$TOP/podman/root/" &&
			kill "$pid" 2>/dev/null
	done
	return 0
}

stop() {
	stop_pid "$TOP/podman/pid" "$(command -v podman)"
	stop_conmons
	stop_pid "$SSHPID" /usr/sbin/sshd
	stop_pid "$PIDFILE" "$(command -v dockerd)"
}

case ${1:-} in
start)
	shift
	mkdir -p "$TOP"
	exec 9>"$TOP/.lock"
	flock 9
	start "$@"
	;;
stop) stop ;;
env)
	# Before the first start too: the ports are chosen here then.
	mkdir -p "$TOP"
	exec 9>"$TOP/.lock"
	flock 9
	printf 'RE_TCP=%q RE_SSH=%q RE_SSH_PW=%q RE_BIN=%q RE_CONTEXT=%q RE_PODMAN=%q\n' \
		"$(tcp_host)" "$(ssh_host)" ssh://paks-remote-pw "$BIN" "$CONTEXT" "$(podman_url)"
	;;
*)
	echo "usage: $0 start [IMAGE...] | stop | env" >&2
	exit 2
	;;
esac
