#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# How a session ends when it is not by `exit`: the terminal closing
# (tmux kill-session: SIGHUP, EOF/EIO on the terminal), SIGTERM, kill -9 of
# paks and of its whole process group.  In both modes nothing may be left:
# no container, no runtime directory, and no orphan writing to a terminal
# the user's shell has taken back.
source "$(dirname "$0")/lib.sh"
new_home
export XDG_RUNTIME_DIR=$TEST_TMP/run
mkdir -m 0700 "$XDG_RUNTIME_DIR"
base=life-$$
ROUNDS=${LIFECYCLE_ROUNDS:-5}

# The paks process of the session whose container is NAME.
paks_pid() {
	paks_main_pid "^$PAKS run --name $1 "
}

# exactly_no_container NAME: right now (no waiting), no container NAME.
exactly_no_container() {
	! podman_t ps -a --format '{{.Names}}' | grep -qx -- "$1"
}

gone() {
	! kill -0 "$1" 2>/dev/null
}

no_rundirs() {
	[ -z "$(ls -A "$XDG_RUNTIME_DIR/paks" 2>/dev/null)" ]
}

# start_in_shell SESSION NAME IMAGE [ARGS]: paks run from an interactive
# host bash in a tmux pane, as a person starts it; waits for the shell.
start_in_shell() {
	local sess=$1 name=$2 img=$3
	shift 3
	tmux_start "$sess"
	tmux_wait_for '[#$] *$' 30 || return 1
	type_enter "$(printf '%q ' "$PAKS" run --name "$name" "$@" "$img"); echo paks-exit=\$?"
	shell_ready 90
}

# 1. The terminal goes away (tmux kill-session): paks gets SIGHUP (from
#    the host shell) and EOF/EIO on the terminal; it stops and removes the
#    container itself before it exits.
close_terminal() { # MODE IMAGE ROUND
	local mode=$1 img=$2 i=$3 name="$base-hup-$1-$3-x" pid
	start_in_shell "hup-$mode-$i" "$name" "$img" --mode "$mode" ||
		{ not_ok "$mode round $i: the session started"; return; }
	pid=$(paks_pid "$name")
	tmux_stop "hup-$mode-$i"
	if [ -n "$pid" ] && poll_until 60 gone "$pid"; then
		ok "$mode round $i: paks exited after the terminal closed"
	else
		not_ok "$mode round $i: paks exited after the terminal closed"
	fi
	check "$mode round $i: no container $name left when paks exits" \
		exactly_no_container "$name"
	check "$mode round $i: no runtime directory left" no_rundirs
}

for ((i = 1; i <= ROUNDS; i++)); do
	close_terminal preload "$IMG_BOOKWORM" "$i"
	close_terminal pty "$IMG_BUSYBOX" "$i"
done

# 3. SIGTERM ends the session in both modes: status 143, the container
#    removed, the terminal given back.
sigterm() { # MODE IMAGE
	local mode=$1 img=$2 name="$base-term-$1-x" pid
	start_in_shell "term-$mode" "$name" "$img" --mode "$mode" ||
		{ not_ok "$mode: the session started"; return; }
	pid=$(paks_pid "$name")
	kill -TERM "$pid"
	expect_screen "$mode: SIGTERM ends paks with 143" '^paks-exit=143' 60
	check "$mode: no container $name left after SIGTERM" \
		exactly_no_container "$name"
	type_enter 'stty -a | grep -o " -*icanon" ; echo typed-$((2+3))'
	expect_screen "$mode: the host shell works after SIGTERM" '^typed-5' 20
	expect_no_screen "$mode: the terminal is cooked again" '^ -icanon'
	tmux_stop "term-$mode"
}
sigterm preload "$IMG_BOOKWORM"
sigterm pty "$IMG_BUSYBOX"

# 2. kill -9 of paks and of its guard (which otherwise cleans up, see
#    test_faults_kill9): the engine client and any worker die with paks,
#    so nothing writes to the terminal the host shell took back and the
#    next typed line reaches the host shell.  `paks gc` removes the
#    container and the runtime directory the dead paks left.
kill9() { # MODE IMAGE
	local mode=$1 img=$2 name="$base-k9-$1-x" pid guard
	start_in_shell "k9-$mode" "$name" "$img" --mode "$mode" ||
		{ not_ok "$mode: the session started"; return; }
	pid=$(paks_pid "$name")
	guard=$(paks_guard_pid "^$PAKS run --name $name ")
	check "$mode: paks has a guard" test -n "$guard"
	kill -9 $guard
	kill -9 "$pid"
	expect_screen "$mode: the host shell is back after kill -9" '^paks-exit=137' 30
	check "$mode: no engine client of the dead paks is left" \
		poll_until 10 bash -c "! pgrep -f -- '[-]-name=$name'"
	type_enter 'echo host-line-$((40+2))'
	expect_screen "$mode: the next typed line reaches the host shell" '^host-line-42' 20
	check "$mode: the container is still there before gc" \
		bash -c "podman ps -a --format '{{.Names}}' | grep -qx -- '$name'"
	run "$PAKS" gc
	expect "$mode: paks gc succeeds" 0
	check "$mode: paks gc says it removed the container" \
		grep -q "removed container $name" <<<"$OUT"
	check "$mode: no container $name left after paks gc" \
		exactly_no_container "$name"
	check "$mode: no runtime directory left after paks gc" no_rundirs
	tmux_stop "k9-$mode"
}
kill9 preload "$IMG_BOOKWORM"
kill9 pty "$IMG_BUSYBOX"

# kill -9 of the whole process group, and of the guard, which leaves the
# group so as to outlive it (test_faults_kill9 has it remove the
# container): the next `paks run` sweeps it.
name="$base-pg-x"
start_in_shell pg "$name" "$IMG_BOOKWORM" ||
	not_ok "process group: the session started"
pid=$(paks_pid "$name")
guard=$(paks_guard_pid "^$PAKS run --name $name ")
check "process group: paks has a guard, outside the group" \
	test -n "$guard" -a "$(ps -o pgid= "$guard")" != "$(ps -o pgid= "$pid")"
kill -9 $guard
kill -9 -- "-$(ps -o pgid= "$pid" | tr -d ' ')"
tmux_wait_for '^paks-exit=137' 30 || true
check "process group: the container is still there before the next run" \
	bash -c "podman ps -a --format '{{.Names}}' | grep -qx -- '$name'"
run "$PAKS" run "$IMG_BUSYBOX" </dev/null
check "process group: the next paks run says what it removed" \
	grep -q "removed container $name" <<<"$ERR"
check "process group: no container $name left after the next paks run" \
	exactly_no_container "$name"
check "process group: no runtime directory left" no_rundirs
tmux_stop pg

run "$PAKS" gc --help
expect "paks gc --help" 0
check "paks gc --help says what it does" grep -q '^Usage: paks gc' <<<"$OUT"
run "$PAKS" gc extra
expect "paks gc with an argument is a usage error" 2
finish
