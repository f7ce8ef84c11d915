#!/bin/bash
# SPDX-License-Identifier: MIT
#
# A real Slurm cluster of one node for the tests, from Debian's slurmd,
# slurmctld, slurm-client and munge: munged (as the munge user, with a
# socket of its own), slurmctld and slurmd with the tests' own slurm.conf
# (tests/slurm.conf.in: private ports, state, spool, logs and pids under
# $DIR), all stopped by their pids.
#
# usage: tests/slurm.sh start   start it (if not running); print the
#                               SLURM_CONF to export
#        tests/slurm.sh stop    stop the daemons by pid
#        tests/slurm.sh conf    print the SLURM_CONF path
#
# Environment: PAKS_SLURM_NAME (default paks-slurm) names $DIR
# (/var/tmp/NAME); PAKS_SLURM_PORT (default 16817) is slurmctld's port,
# slurmd's is the next.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NAME=${PAKS_SLURM_NAME:-paks-slurm}
DIR=/var/tmp/$NAME
PORT=${PAKS_SLURM_PORT:-16817}
CONF=$DIR/slurm.conf
MUNGE_SOCK=$DIR/munge/munge.socket.2

die() {
	echo "slurm: $*" >&2
	exit 1
}

write_conf() {
	sed -e "s|@HOST@|$(hostname)|g" -e "s|@CPUS@|$(nproc)|g" \
		-e "s|@DIR@|$DIR|g" -e "s|@CTLD_PORT@|$PORT|g" \
		-e "s|@D_PORT@|$((PORT + 1))|g" "$HERE/slurm.conf.in" >"$CONF.new"
	mv -f "$CONF.new" "$CONF"
	chmod 0644 "$CONF"
}

alive() { # PIDFILE
	[ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

start_munge() {
	alive "$DIR/munge/munged.pid" && return 0
	mkdir -p "$DIR/munge"
	chown munge: "$DIR/munge"
	chmod 0755 "$DIR/munge"
	su -s /bin/sh munge -c "/usr/sbin/munged --socket=$MUNGE_SOCK \
		--pid-file=$DIR/munge/munged.pid --log-file=$DIR/munge/munged.log \
		--seed-file=$DIR/munge/munged.seed" ||
		die "munged did not start (see $DIR/munge/munged.log)"
}

wait_idle() {
	local _
	for _ in $(seq 1 100); do
		if sinfo -h -o %t 2>/dev/null | grep -q '^idle'; then
			return 0
		fi
		sleep 0.2
	done
	die "the node is not idle (see $DIR/slurmctld.log, $DIR/slurmd.log)"
}

start() {
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	command -v slurmctld >/dev/null || die "no slurmctld (contrib/install-deps.sh)"
	mkdir -p "$DIR/state" "$DIR/spool"
	chmod 0755 "$DIR"
	chown slurm: "$DIR/state"
	write_conf
	start_munge
	export SLURM_CONF=$CONF
	# Slurm finds munged's socket through its AuthInfo; the test config
	# names ours.
	grep -q '^AuthInfo=' "$CONF" || echo "AuthInfo=socket=$MUNGE_SOCK" >>"$CONF"
	alive "$DIR/slurmctld.pid" || slurmctld -f "$CONF" || die "slurmctld did not start"
	alive "$DIR/slurmd.pid" || slurmd -f "$CONF" || die "slurmd did not start"
	wait_idle
	echo "$CONF"
}

stop_pid() { # PIDFILE
	local pid
	[ -s "$1" ] || return 0
	pid=$(cat "$1")
	kill "$pid" 2>/dev/null || { rm -f "$1"; return 0; }
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$1"
}

stop() {
	stop_pid "$DIR/slurmd.pid"
	stop_pid "$DIR/slurmctld.pid"
	stop_pid "$DIR/munge/munged.pid"
}

case ${1:-} in
start) start ;;
stop) stop ;;
conf) echo "$CONF" ;;
*)
	echo "usage: $0 start | stop | conf" >&2
	exit 2
	;;
esac
