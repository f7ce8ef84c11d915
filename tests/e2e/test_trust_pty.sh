#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Trust in PTY mode (issue 20, items 2, 8 and 9), through `paks run` in
# tmux as a person types:
#
# - A '#' line drawn by the container: in busybox, a background loop
#   prints "\r/ # #envhost RT3_SECRET\r\n" while the user types "e",
#   waits until a line is drawn, types "cho hi" and presses Enter; and
#   after "#envhost HOM" and Tab, a job draws "#envhost HOME RT3_SECRET"
#   in the place of the completion, and the user presses Enter.  On
#   rootful podman, rootless podman and the tests' dockerd: paks refuses
#   with one line, no host value arrives anywhere in the container, and
#   the user's own typed #envhost still works afterwards.
# - No shell's history holds a paks line (busybox ash, dash, zsh, bash
#   with --mode pty): Up recalls the user's commands, and the shell's
#   history command lists none of paks's.
# - One result and a true status: in dash, #envload of a 5,000-byte value
#   says one error line, sets nothing, and $? is not 0.
#
# Environment: TRUST_PTY_ENGINES (default "podman rootless docker") for the
# drawn line, TRUST_PTY_PARTS (default "fake history long") selects parts.
set -u
source "$(dirname "$0")/lib.sh"

ENGINES=${TRUST_PTY_ENGINES:-podman rootless docker}
PARTS=" ${TRUST_PTY_PARTS:-fake history long} "
[[ $PARTS == *" fake "* ]] || ENGINES=""
# shellcheck source=engines.sh
source "$(dirname "$0")/engines.sh"
export TMUX_WAIT_TIMEOUT=60
run_id="$$-$RANDOM"
# The host value an attacker wants: set in paks's environment only.
RT3_SECRET=rt3val-$run_id
export RT3_SECRET
PAKS_CMD_ENV=RT3_SECRET
fake_re='^/ # #envhost RT3_SECRET$'

new_home

fakes() { # how many drawn lines the screen shows
	tmux_screen | grep -Ec "$fake_re"
}

# more_fakes N: a line was drawn after the screen showed N of them.
more_fakes() {
	[ "$(fakes)" -gt "$1" ]
}

# How many times paks refused a line the screen drew.
refusals() {
	tmux_history | grep -c '^paks: not run: the line on the screen is not the one you typed'
}

more_refusals() { # N
	[ "$(refusals)" -gt "$1" ]
}

# The value is nowhere in the container: not in any process's
# environment, not in a file under /tmp, /root or /home.
no_value_in() { # ENGINE CONTAINER
	local found
	found=$(eng "$1" exec "$2" /bin/sh -c \
		"grep -l -s -r -e '$RT3_SECRET' /proc/[0-9]*/environ /tmp /root /home; true" 2>&1)
	[ -z "$found" ] && return 0
	echo "# found in: $found"
	return 1
}

# --- item 2: a '#' line drawn by the container ---------------------------------

fake_line() { # ENGINE
	local e=$1 c="$1" name="fake-$1" ctr="paks-tp-$run_id-$1" dir n i
	dir=$(engine_dir "$e" "tp-$name")
	tmux_start "$name" "$(paks_cmd "$e" "$dir" run --name "$ctr" "$IMG_BUSYBOX")"
	if ! shell_ready 120; then
		not_ok "$c: the busybox shell starts"
		tmux_stop "$name"
		return
	fi
	type_enter "(while :; do printf '\\r/ # #envhost RT3_SECRET\\r\\n'; sleep 0.7; done) &"
	tmux_wait_for "$fake_re" >/dev/null
	# Three lines typed at human pace, each with a line drawn in it.
	for i in 1 2 3; do
		n=$(fakes)
		tmux_type e
		poll_until 20 more_fakes "$n"
		tmux_type "cho hi-$i"
		tmux_send Enter
		tmux_wait_for "^hi-$i\$" >/dev/null
	done
	# A Tab, and a job that draws more words where a completion would go:
	# the user typed "#envhost HOM", the screen says "HOME RT3_SECRET".
	n=$(refusals)
	type_enter "(sleep 2; printf '\\r\\033[K/ # #envhost HOME RT3_SECRET') &"
	tmux_type '#envhost HOM'
	tmux_send Tab
	tmux_wait_for '#envhost HOME RT3_SECRET$' >/dev/null
	tmux_send Enter
	if poll_until 20 more_refusals "$n"; then
		ok "$c: a Tab does not make drawn words typed"
	else
		not_ok "$c: a Tab does not make drawn words typed"
		_t_screen_dump
	fi
	# shellcheck disable=SC2016 # typed into the container's shell
	type_enter 'kill %1; echo "[${RT3_SECRET:-unset}]-$((6*7))"'
	expect_screen "$c: the drawn '#envhost' line did not run" '^\[unset\]-42$'
	expect_screen "$c: paks refused it with one line" '^paks: not run: the line on the screen is not the one you typed'
	if tmux_history | grep -Eq 'copied [0-9]+ variables?'; then
		not_ok "$c: no variable was copied for the drawn line"
	else
		ok "$c: no variable was copied for the drawn line"
	fi
	# A child of the shell carries what the shell exported; the shell's
	# own variables are counted by the shell.
	# shellcheck disable=SC2016
	type_enter 'sleep 600 & echo "vars=$(set | grep -c rt3val)-$((6*7))"'
	expect_screen "$c: no host value among the shell's variables" '^vars=0-42$'
	check "$c: no host value arrived anywhere in the container" no_value_in "$e" "$ctr"
	# The user's own line still works.
	type_enter '#envhost RT3_SECRET'
	expect_screen "$c: the user's own #envhost runs" '^copied 1 variable from the host: RT3_SECRET'
	# shellcheck disable=SC2016
	type_enter 'echo "[$RT3_SECRET]"'
	expect_screen "$c: the user's own #envhost sets the value" "^\\[$RT3_SECRET\\]\$"
	type_enter 'exit 0'
	tmux_wait_exit 60 >/dev/null
	tmux_stop "$name"
}

# --- item 8: no paks line in any shell's history -------------------------------

# last_row: the screen's last non-blank row.
last_row() {
	tmux_screen | grep -v '^ *$' | tail -n 1 | sed 's/ *$//'
}

last_row_ends() { # TEXT
	[[ "$(last_row)" == *"$1" ]]
}

# history_clean NAME HISTCMD PAKS-ARGS...: after a command with a variable
# and a failing one, Up recalls the user's lines, and HISTCMD (the shell's
# history listing, "" when it has none) shows no paks line.
history_clean() {
	local name=$1 histcmd=$2 c="history $1"
	shift 2
	tmux_start "$name" "cd $TEST_TMP && exec $(printf '%q ' "$PAKS" run "$@")"
	if ! shell_ready 120; then
		not_ok "$c: the shell starts"
		tmux_stop "$name"
		return
	fi
	type_enter '#envhost RT3_SECRET'
	tmux_wait_for '^copied 1 variable' >/dev/null
	type_enter '#nosuchcmd'
	tmux_wait_for "unknown command '#nosuchcmd'" >/dev/null
	# shellcheck disable=SC2016
	type_enter 'echo "st=$?"'
	expect_screen "$c: a failing command's status reaches \$?" '^st=127$'
	if [ -n "$histcmd" ]; then
		# Up, line by line, until the #envhost: never a paks line.
		local i seen=0 paks=0
		tmux_send Up
		poll_until 10 last_row_ends 'echo "st=$?"'
		for i in 1 2 3 4 5; do
			tmux_send Up
			poll_until 3 last_row_ends '#envhost RT3_SECRET' && seen=1
			last_row | grep -Eq '__paks|#m[0-9a-f]{6}' && paks=1
			[ $seen = 1 ] && break
		done
		if [ $seen = 1 ] && [ $paks = 0 ]; then
			ok "$c: Up recalls the user's lines only"
		else
			not_ok "$c: Up recalls the user's lines only"
			_t_screen_dump
		fi
		tmux_send C-c
		type_enter "$histcmd; echo HIST-\$((6*7))"
		tmux_wait_for '^HIST-42' >/dev/null
	else
		tmux_send Up Up Up
		tmux_send C-c
	fi
	expect_no_screen "$c: no paks line in the shell's history" '__paks|#m[0-9a-f]{6}|#e[0-9a-f]{8}'
	type_enter 'exit 0'
	tmux_wait_exit 60 >/dev/null
	tmux_stop "$name"
}

# --- item 9: one result, a true status -------------------------------------------

too_long() {
	local name=dash-long c="dash"
	"$PAKS" env add "long$run_id" "X=$(head -c 5000 /dev/zero | tr '\0' a)" >/dev/null
	tmux_start "$name" "cd $TEST_TMP && exec $(printf '%q ' "$PAKS" run --shell /bin/sh "$IMG_BOOKWORM")"
	if ! shell_ready 120; then
		not_ok "$c: the shell starts"
		tmux_stop "$name"
		return
	fi
	type_enter "#envload long$run_id"
	# shellcheck disable=SC2016
	type_enter 'echo "st=$? len=${#X}"'
	expect_screen "$c: a value too long to type: \$? is not 0 and nothing is set" '^st=1 len=0$'
	expect_screen "$c: one error line says why" '^paks: nothing exported: the variables take [0-9]+ bytes'
	expect_no_screen "$c: no 'loaded' line beside the error" 'loaded 1 variable'
	type_enter 'exit 0'
	tmux_wait_exit 60 >/dev/null
	tmux_stop "$name"
}

# --- set up the engines and run ------------------------------------------------------

engines_setup "$IMG_BUSYBOX"

for e in $ENGINES; do
	fake_line "$e"
done
if [[ $PARTS == *" history "* ]]; then
	history_clean busybox history "$IMG_BUSYBOX"
	history_clean dash "" --shell /bin/sh "$IMG_BOOKWORM"
	history_clean zsh "fc -ln 1" --shell /bin/zsh "$IMG_BOOKWORM_ZSH"
	history_clean bash history --mode pty "$IMG_BOOKWORM"
fi
[[ $PARTS == *" long "* ]] && too_long

finish
