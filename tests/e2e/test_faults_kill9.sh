#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A `kill -9` of paks, in preload mode (the engine client made the terminal
# raw) and in PTY mode (paks did): paks's guard puts the terminal back and
# removes the container and the runtime directory.  The pane's parent is a
# plain `bash -c`, which restores nothing itself.
set -u
source "$(dirname "$0")/lib.sh"
new_home

# The pane's terminal settings, read from outside.
pane_tty() {
	_t_tmux display-message -p -t "$(_t_target)" '#{pane_tty}'
}
tty_cooked() {
	local s
	s=$(stty -a -F "$1") || return 1
	grep -Eq '(^| )icanon( |$)' <<<"$s" && grep -Eq '(^| )echo( |$)' <<<"$s" &&
		grep -Eq '(^| )isig( |$)' <<<"$s" && grep -Eq '(^| )opost( |$)' <<<"$s"
}
# A guard that has ended may stay a zombie a moment, until init reaps it.
no_guard() {
	! ps -C paks-guard -o stat= | grep -qv '^Z'
}
gone() {
	! podman container exists "$1"
}

for mode in preload pty; do
	name=paks-kill9-$mode-$$
	go=$TEST_TMP/go-$mode
	cleanup_add podman rm -f -t 0 "$name"
	tmux_start "k9$mode" "$PAKS run --mode $mode --name $name $IMG_BOOKWORM; echo paks-exit=\$?; while [ ! -e $go ]; do sleep 0.1; done; stty -a; exec sleep 600"
	if ! shell_ready 90; then
		not_ok "$mode: paks run started a shell"
		continue
	fi
	tty=$(pane_tty)
	check "$mode: the session's terminal is raw while paks runs" \
		bash -c "! stty -a -F $tty | grep -Eq '(^| )icanon( |$)'"
	paks_pid=$(paks_main_pid "^$PAKS run --mode $mode --name $name")
	if [ -n "$paks_pid" ]; then
		kill -KILL "$paks_pid"
		ok "$mode: found and killed paks with SIGKILL ($paks_pid)"
	else
		not_ok "$mode: found the paks process"
		continue
	fi
	# (Mid-line in preload mode: the terminal is raw, no CR.)
	expect_screen "$mode: paks died of the KILL" 'paks-exit=137' 30
	poll_until 60 gone "$name"
	check "$mode: no container is left after a kill -9 of paks" gone "$name"
	poll_until 10 tty_cooked "$tty"
	check "$mode: the terminal is put back (stty -F from outside)" \
		tty_cooked "$tty"
	touch "$go"
	expect_screen "$mode: stty -a in the pane shows icanon and echo" \
		'(^| )icanon .*(^| )echo |(^| )echo .*icanon' 30
	expect_no_screen "$mode: ... and no -icanon or -echo" '-icanon|-echo( |$)'
	poll_until 10 no_guard
	check "$mode: no paks-guard is left" no_guard
	tmux_stop "k9$mode"
done
finish
