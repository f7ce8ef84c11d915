#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# End-to-end test (issue 12): bytes printed in the container never crash or
# hang paks in PTY mode.  In a busybox session against real podman, the
# truecolour SGR line that overflowed libvterm 0.1.4 and 1 MB of random
# bytes are printed; after each, paks still runs and the shell answers,
# and when the shell exits the user's terminal is sane again and no
# container is left.
set -u
source "$(dirname "$0")/lib.sh"

new_home
name=hostile
prompt_re='^(/ )?# ?$'

# The pane runs paks, then records its exit status and the terminal
# settings it left behind, then stays open so the screen can be read.
pane_cmd() {
	printf 'cd %q && sh -c '\''echo $$ >%q; exec "$@"'\'' sh %s; echo "paks-exit=$?"; stty -a >%q 2>&1; sleep 600' \
		"$TEST_TMP" "$TEST_TMP/$name.pid" "$(printf '%q ' "$@")" \
		"$TEST_TMP/$name.stty"
}

# The --name=... of the engine paks runs as its child.
container_of() {
	local c
	for c in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
		tr '\0' '\n' <"/proc/$c/cmdline" | sed -n 's/^--name=//p'
	done
}

# paks (the pid the pane recorded) is still running.
paks_alive() {
	local desc=$1 pid
	pid=$(cat "$TEST_TMP/$name.pid" 2>/dev/null)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		ok "$desc"
	else
		not_ok "$desc"
		_t_screen_dump
	fi
}

tmux_start "$name" "$(pane_cmd "$PAKS" run ${PTY_BUSYBOX_ARGS:-} "$IMG_BUSYBOX")"
expect_screen "the busybox shell prompt appears" "$prompt_re" 90
poll_until "$TMUX_WAIT_TIMEOUT" test -s "$TEST_TMP/$name.pid"
ctr=$(container_of "$(cat "$TEST_TMP/$name.pid")")

# 16 and more CSI parameters: libvterm 0.1.4 wrote past its array.
# shellcheck disable=SC2016 # typed into the container's shell
type_enter 'printf '\''\033[38:2:59:66:97;48:2:36:40:59;58:2:224:175:104;4:3mCOLOR\033[0m\n'\'
expect_screen "the truecolour line is printed" '^COLOR$'
paks_alive "paks survives the truecolour line"
# shellcheck disable=SC2016
type_enter 'echo alive-$((6*7))'
expect_screen "the shell answers after the truecolour line" '^alive-42$'

# 1 MB of random bytes.  They reach the outer terminal too: afterwards it
# is reset (CAN, ST, RIS; the reset goes through paks's screen model as
# well), and Ctrl-C drops whatever the terminal answered to queries in
# them, which arrives as typed input.
# shellcheck disable=SC2016
type_enter 'head -c 1M /dev/urandom; printf '\''\030\033\\\033c'\''; echo random-done-$((6*7))'
expect_screen "1 MB of random bytes is printed" '^random-done-42$' 120
paks_alive "paks survives 1 MB of random bytes"
tmux_send C-c
# shellcheck disable=SC2016
type_enter 'echo alive-$((7*8))'
expect_screen "the shell answers after the random bytes" '^alive-56$'

type_enter 'exit 0'
expect_screen "the session ends with the shell's status" '^paks-exit=0$'
poll_until "$TMUX_WAIT_TIMEOUT" test -s "$TEST_TMP/$name.stty"
if grep -Eq '(^| )icanon( |$)' "$TEST_TMP/$name.stty" &&
	grep -Eq '(^| )echo( |$)' "$TEST_TMP/$name.stty" &&
	grep -Eq '(^| )icrnl( |$)' "$TEST_TMP/$name.stty"; then
	ok "terminal sane after paks ended (icanon echo icrnl)"
else
	not_ok "terminal sane after paks ended (icanon echo icrnl)"
	sed 's/^/#   /' "$TEST_TMP/$name.stty" 2>/dev/null | head -n 8
fi
if [ -n "$ctr" ]; then
	wait_no_container "$ctr"
else
	not_ok "found the container paks started"
fi
tmux_stop "$name"

finish
