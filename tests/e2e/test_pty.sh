#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# End-to-end tests for PTY mode (issue 5) against real podman in tmux, on
# busybox ash (line editing, history) and on Debian's dash (no line editor:
# the kernel's canonical mode edits and echoes): '#save' typed with a typo
# fixed by Backspace saves the image, a '#save' recalled with Up and edited
# runs the edited line, '#envload' exports a value with spaces and quotes,
# and one with a tab, a newline and a ^C, exactly and without showing them
# or passing them through a file a watcher in the container could copy, a
# resize reaches `stty size`, `echo exit` does not end the session, the
# exit status passes through, and the user's terminal is sane after the
# shell exits and after paks is killed with SIGTERM; a
# relative path in '#cp' starts from the shell's current directory, and
# Ctrl-C cancels a running command.
#
# PTY_BUSYBOX_ARGS adds options to the busybox sessions (e.g. "--shell
# /bin/sh" while paks does not pick the image's own shell by itself).
set -u
source "$(dirname "$0")/lib.sh"

new_home
tag=ptytest-$$
prompt_re='^(/ )?# ?$'

# A hook that runs until it is cancelled (or 10 minutes pass).
mkdir -p "$XDG_CONFIG_HOME/paks/hooks"
cat >"$XDG_CONFIG_HOME/paks/hooks/ptyslow" <<'EOF'
#!/bin/sh
# paks: wait until cancelled
echo "ptyslow-started"
i=0
while [ $i -lt 6000 ]; do sleep 0.1; i=$((i + 1)); done
echo "ptyslow-not-cancelled"
EOF
chmod +x "$XDG_CONFIG_HOME/paks/hooks/ptyslow"

check "paks env add stores an environment" \
	"$PAKS" env add ptyenv 'V=a b "c" '\''d'\''' "W=$(printf 'x\ty\nz\003q')"

# The pane runs paks, then records its exit status and the terminal
# settings it left behind, then stays open so the screen can be read.
pane_cmd() {
	local name=$1
	shift
	printf 'cd %q && sh -c '\''echo $$ >%q; exec "$@"'\'' sh %s; echo "paks-exit=$?"; stty -a >%q 2>&1; sleep 600' \
		"$TEST_TMP" "$TEST_TMP/$name.pid" "$(printf '%q ' "$@")" \
		"$TEST_TMP/$name.stty"
}

# The terminal after paks ended: canonical mode and echo are back on.
check_stty() {
	local name=$1 f=$TEST_TMP/$1.stty
	poll_until "$TMUX_WAIT_TIMEOUT" test -s "$f"
	if grep -Eq '(^| )icanon( |$)' "$f" && grep -Eq '(^| )echo( |$)' "$f" &&
		grep -Eq '(^| )icrnl( |$)' "$f"; then
		ok "$name: terminal sane after paks ended (icanon echo icrnl)"
	else
		not_ok "$name: terminal sane after paks ended (icanon echo icrnl)"
		sed 's/^/#   /' "$f" 2>/dev/null | head -n 8
	fi
}

image_gone() {
	podman_t image rm -f "$1" >/dev/null 2>&1
	return 0
}

# session NAME HAS_HISTORY PAKS-ARGS...
session() {
	local name=$1 history=$2 img1 img2
	shift 2
	img1=localhost/$tag-$name:one
	img2=localhost/$tag-$name:two
	cleanup_add image_gone "$img1"
	cleanup_add image_gone "$img2"

	tmux_start "$name" "$(pane_cmd "$name" "$PAKS" run "$@")"
	expect_screen "$name: the shell prompt appears" "$prompt_re"

	# A typo fixed with Backspace: the shell's line is what counts.
	tmux_type "#sabe"
	tmux_send BSpace BSpace
	type_enter "ve $img1"
	expect_screen "$name: #save with a corrected typo ran" "^Saved $img1"
	check "$name: the image $img1 exists" podman_t image exists "$img1"

	if [ "$history" = yes ]; then
		# Up recalls the #save; edit its tag: the edited line runs.
		tmux_send Up
		tmux_send BSpace BSpace BSpace
		type_enter "two"
		expect_screen "$name: #save recalled with Up and edited ran" "^Saved $img2"
		check "$name: the image $img2 exists" podman_t image exists "$img2"
	fi

	type_enter "#envload ptyenv"
	type_enter 'echo "[$V]" ENV-DONE'
	expect_screen "$name: #envload exported a value with spaces and quotes" "^\[a b \"c\" 'd'\] ENV-DONE"
	type_enter '[ "$W" = "$(printf '\''x\ty\nz\003q'\'')" ] && echo W-SAME'
	expect_screen "$name: #envload exported a tab, a newline and a ^C exactly" '^W-SAME'
	if tmux_history | grep -q -e '/dev/.paks' -e '__paks' -e "^.*#.*V=a b" \
		-e '^x.y$'; then
		not_ok "$name: no injected line or value visible on screen"
		_t_screen_dump
	else
		ok "$name: no injected line or value visible on screen"
	fi
	# The values pass through no file that another process could read:
	# a watcher started with podman exec copies every file in the
	# runtime directory while #envload runs.
	type_enter 'echo "SID=$PAKS_SESSION-$((6*7))"'
	tmux_wait_for '^SID=[a-z0-9]+-42$'
	sid=$(tmux_screen | sed -n 's/^SID=\([a-z0-9]*\)-42$/\1/p' | tail -n 1)
	podman_t exec -d "paks-$sid" /bin/sh -c 'PATH=/usr/bin:/bin
		rm -f /tmp/stop /tmp/stolen; : >/tmp/watching
		while [ ! -e /tmp/stop ]; do
			for f in /dev/.paks/*; do
				case $f in *.so | *launch) ;; *) [ -f "$f" ] && cat "$f" ;; esac
			done
		done >/tmp/stolen 2>/dev/null; : >/tmp/stopped'
	poll_ctr() { # SID FILE
		local i
		for i in $(seq 100); do
			podman_t exec "paks-$1" /bin/sh -c "test -e $2" && return 0
			sleep 0.1
		done
		return 1
	}
	check "$name: a watcher runs in the container" poll_ctr "$sid" /tmp/watching
	type_enter "#envload ptyenv"
	type_enter 'echo ENV2-$((6*7))'
	expect_screen "$name: #envload ran again" '^ENV2-42$'
	podman_t exec "paks-$sid" /bin/sh -c ': >/tmp/stop'
	check "$name: the watcher stopped" poll_ctr "$sid" /tmp/stopped
	check "$name: the watcher found no value in the runtime directory" \
		podman_t exec "paks-$sid" /bin/sh -c \
		'PATH=/usr/bin:/bin; ! grep -q "a b .c." /tmp/stolen'

	# Ctrl-C typed while a command runs cancels it.
	type_enter "#ptyslow"
	expect_screen "$name: a slow command started" '^ptyslow-started'
	tmux_send C-c
	type_enter 'echo CANCEL-$((40+2))'
	expect_screen "$name: Ctrl-C cancelled the running command" '^CANCEL-42'

	# An ordinary comment and a line with "exit" in it stay the shell's.
	type_enter '# just a comment'
	type_enter 'echo exit; echo STILL-$((6*7))'
	expect_screen "$name: 'echo exit' does not end the session" '^STILL-42'

	# Relative container paths start from the shell's directory.
	type_enter 'cd /etc'
	type_enter "#cp hostname host:cp-$name"
	expect_screen "$name: #cp ran in the shell's directory" "^copied hostname"
	check "$name: #cp copied /etc/hostname" test -s "$TEST_TMP/cp-$name"

	_t_tmux resize-window -t "$name" -x 120 -y 40
	type_enter 'stty size'
	expect_screen "$name: the new window size reaches the container" '^40 120$'

	type_enter 'exit 3'
	expect_screen "$name: the shell's exit status passes through" '^paks-exit=3$'
	check_stty "$name"
	tmux_stop "$name"
}

# The --name=... of the engine paks runs as its child.
container_of() {
	local c
	for c in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
		tr '\0' '\n' <"/proc/$c/cmdline" | sed -n 's/^--name=//p'
	done
}

# kill_session NAME PAKS-ARGS...: SIGTERM to paks while the shell waits.
kill_session() {
	local name=$1 pid ctr
	shift
	tmux_start "$name" "$(pane_cmd "$name" "$PAKS" run "$@")"
	expect_screen "$name: the shell prompt appears" "$prompt_re"
	pid=$(cat "$TEST_TMP/$name.pid")
	ctr=$(container_of "$pid")
	kill -TERM "$pid"
	expect_screen "$name: SIGTERM ends paks with status 143" '^paks-exit=143$'
	check_stty "$name"
	if [ -n "$ctr" ]; then
		wait_no_container "$ctr"
	else
		not_ok "$name: found the container paks started"
	fi
	tmux_stop "$name"
}

session busybox yes ${PTY_BUSYBOX_ARGS:-} "$IMG_BUSYBOX"
session dash no --shell /bin/sh "$IMG_BOOKWORM"
kill_session busybox-term ${PTY_BUSYBOX_ARGS:-} "$IMG_BUSYBOX"

finish
