#!/usr/bin/env bash
# shellcheck disable=SC2016 # lines typed into the pane expand there
# SPDX-License-Identifier: MIT
#
# The shell's connection stays the shell's (issue 20, items 3, 5, 7 and 9),
# on rootful podman, rootless podman and a real dockerd, with a root image
# and an image whose USER is alice.  In each cell, with RT3_SECRET set in
# paks's environment:
#   - a background subshell and a $(...) of the shell write #envhost frames
#     to fd 100 and read the answer: they hold no fd 100;
#   - the shell itself floods the connection with twice twenty requests
#     (printf is a builtin): the excess is refused with a message and the
#     shell lives;
#   - #envsave of the names bash keeps read-only: one paks line, $? not 0,
#     nothing saved; of a name the user made readonly: saved, and the
#     shell names what it refused, $? not 0;
#   - no host value reached a file of the container or the screen, and the
#     user's own #envhost RT3_SECRET works, also after a real `exec bash`;
#   - a `bash` planted first on PATH gets no connection at `exec bash`.
# In a last session, a malformed frame written by the shell ends the
# service, and the shell lives and says so.
#
# Environment: TRUST_ENGINES (default "podman rootless docker"),
# TRUST_IMAGES (default "root user"), TRUST_PARTS (default "children
# exec": the two sessions of a cell).
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

: "${IMG_BOOKWORM_USER:=localhost/paks-test/bookworm-user}"
ENGINES=${TRUST_ENGINES:-podman rootless docker}
IMAGES=${TRUST_IMAGES:-root user}
PARTS=${TRUST_PARTS:-children exec}
FRAMES=$TEST_REPO/tests/e2e/data/frames.sh
# shellcheck source=engines.sh
source "$(dirname "$0")/engines.sh"
export TMUX_WAIT_TIMEOUT=60
run_id="$$-$RANDOM"
RT3_SECRET="rt3-secret-$run_id-$RANDOM"
export RT3_SECRET
PAKS_CMD_ENV=RT3_SECRET
secret_md5=$(printf %s "$RT3_SECRET" | md5sum | cut -c1-12)
MARK=0

new_home

image_of() { # KEY
	case $1 in
	root) echo "$IMG_BOOKWORM" ;;
	user) echo "$IMG_BOOKWORM_USER" ;;
	esac
}

# in_ctr ENGINE CTR SCRIPT: sh as root in the container, stdin passed on.
in_ctr() {
	eng "$1" exec -i -u 0 "$2" /bin/sh -c "PATH=/usr/bin:/bin; $3"
}

# step LINE: type LINE followed by a marker echo, wait for the marker.
step() {
	MARK=$((MARK + 1))
	type_enter "$1; echo \"STEP-$MARK-\$?\""
	tmux_wait_for "^STEP-$MARK-[0-9]+\$" 90 >/dev/null
}

# The status the last step printed.
step_status() {
	tmux_history | sed -n "s/^STEP-$MARK-\([0-9]*\)\$/\1/p" | tail -n 1
}

# no_secret ENGINE CTR WHAT: no file of the container holds the secret,
# nor does the screen.
no_secret() {
	local hits
	hits=$(in_ctr "$1" "$2" "grep -rlaF '$RT3_SECRET' /tmp /root /home 2>/dev/null")
	if [ -n "$hits" ]; then
		not_ok "$3: no host value in the container's files (in: $hits)"
	elif tmux_history | grep -qF "$RT3_SECRET"; then
		not_ok "$3: no host value on the screen"
		_t_screen_dump
	else
		ok "$3: no host value in the container's files or on the screen"
	fi
}

# hash_line LINE REGEX: type the # line LINE and wait for REGEX, before the
# next line is typed.
hash_line() {
	type_enter "$1"
	tmux_wait_for "$2" 30 >/dev/null
}

# own_envhost DESC: the user's own typed #envhost RT3_SECRET sets it
# (only a hash of it is shown), then it is unset again.
own_envhost() {
	tmux_send C-l
	hash_line '#envhost RT3_SECRET' '^(copied|paks:) '
	step 'echo "OWN-$(printf %s "${RT3_SECRET:-}" | md5sum | cut -c1-12)"; unset RT3_SECRET'
	check "$1" tmux_wait_for "^OWN-$secret_md5\$" 10
}

alive() { # DESC
	MARK=$((MARK + 1))
	type_enter "echo ALIVE-$MARK-\$((6*7))"
	if tmux_wait_for "^ALIVE-$MARK-42\$" 60 >/dev/null; then
		ok "$1"
	else
		local st
		st=$(tmux_pane_dead_status)
		not_ok "$1${st:+ (paks exited $st)}"
		_t_screen_dump
	fi
}

start_session() { # ENGINE DIR CTR IMAGE SESSION
	tmux_start "$5" "$(paks_cmd "$1" "$2" run --name "$3" "$4")" || return 1
	tmux_wait_for '[#$] *$' 120 >/dev/null || return 1
	type_enter 'echo READY-$((6*7))'
	tmux_wait_for '^READY-42$' 120 >/dev/null || return 1
	in_ctr "$1" "$3" 'cat >/tmp/pk.sh; chmod 0644 /tmp/pk.sh' <"$FRAMES" || return 1
	step '. /tmp/pk.sh'
}

launch_dir() { # ENGINE KEY
	engine_dir "$1" "tp-$run_id-$2"
}

# session ENGINE KEY PART: start a session for PART of a cell; sets C
# (the cell's name) and CTR.  1 when it did not start.
session() {
	local e=$1 key=$2 img dir
	img=$(image_of "$key")
	C="$1/$2"
	CTR="paks-tp-$run_id-$1-$2-$3"
	dir=$(launch_dir "$e" "$key-$3")
	echo "# --- cell $C ($img), $3"
	cleanup_add eng "$e" rm -f "$CTR"
	if ! start_session "$e" "$dir" "$CTR" "$img" "$e-$key-$3"; then
		not_ok "$C: paks run starts a shell ($3)"
		_t_screen_dump
		tmux_stop "$e-$key-$3"
		return 1
	fi
}

# Children of the shell, and a flood from the shell itself.
cell_children() { # ENGINE KEY
	local e=$1 c ctr
	session "$1" "$2" children || return
	c=$C ctr=$CTR

	# 3b: children of the shell hold no connection.
	step '( pk_steal 100 /tmp/stolen-sub ) & wait $!'
	step 'x=$(pk_steal 100 /tmp/stolen-cs; echo done); unset x'
	check "$c: a background subshell cannot write to fd 100" \
		in_ctr "$e" "$ctr" 'grep -q "Bad file descriptor" /tmp/stolen-sub.err'
	check "$c: a command substitution cannot write to fd 100" \
		in_ctr "$e" "$ctr" 'grep -q "Bad file descriptor" /tmp/stolen-cs.err'
	no_secret "$e" "$ctr" "$c: children of the shell"

	# 7: a flood from the shell itself; twice, so that a write after a
	# dropped connection would meet SIGPIPE.
	tmux_send C-l
	step 'pk_flood 100 20; echo "REFUSED-$PK_REFUSED"; pk_flood 100 20; echo "REFUSED-$PK_REFUSED"'
	alive "$c: the shell lives after two floods of 20 requests"
	check "$c: the excess of a flood is refused with a message" \
		tmux_wait_for '^REFUSED-[1-9][0-9]*$' 5
	own_envhost "$c: the user's own #envhost works after the flood"
	tmux_stop "$e-$2-children"
}

# #envsave of read-only names, `exec bash`, and a planted bash.
cell_exec() { # ENGINE KEY
	local e=$1 c ctr n
	session "$1" "$2" exec || return
	c=$C ctr=$CTR
	# 9: names bash keeps read-only.
	tmux_send C-l
	hash_line '#envsave ro EUID=5 BASH_VERSINFO=x UID=7 SHELLOPTS=xtrace' \
		'^(paks: |saved )'
	# Straight after the line, so $? is its status.
	step '(exit $?)'
	n=$(tmux_screen | grep -c '^paks: ')
	if [ "$(step_status)" = 0 ] || [ "$n" != 1 ] ||
		tmux_screen | grep -Eq '^saved|readonly variable'; then
		not_ok "$c: #envsave of read-only names: one paks line, \$? not 0"
		_t_screen_dump
	else
		ok "$c: #envsave of read-only names: $(tmux_screen | grep '^paks: ')"
	fi
	tmux_send C-l
	hash_line '#envload ro' '^(paks: |loaded )'
	check "$c: #envsave of read-only names saved nothing" \
		tmux_wait_for "no environment named 'ro'" 5

	# 9: a variable the user made readonly: saved, and the shell says it
	# refused it, with a status that is not 0.
	step 'readonly RO_MINE=1'
	tmux_send C-l
	hash_line '#envsave mine RO_MINE=2' '^paks: RO_MINE'
	step '(exit $?)'
	if [ "$(step_status)" != 0 ] &&
		tmux_screen | grep -q '^paks: RO_MINE was not set' &&
		! tmux_screen | grep -q 'readonly variable'; then
		ok "$c: a variable the shell keeps read-only: named, \$? not 0"
	else
		not_ok "$c: a variable the shell keeps read-only: named, \$? not 0"
		_t_screen_dump
	fi

	# 5: a real `exec bash` keeps the connection.
	tmux_send C-l
	type_enter 'exec bash'
	tmux_wait_for '[#$] *$' 30 >/dev/null
	step 'true'
	own_envhost "$c: #envhost works after a real exec bash"

	# 5: a `bash` planted first on PATH.
	in_ctr "$e" "$ctr" 'cat >/usr/local/bin/bash; chmod 0755 /usr/local/bin/bash' <<-'EOF'
		#!/bin/bash
		. /tmp/pk.sh
		pk_steal 100 /tmp/stolen-bash
		exec /bin/bash "$@"
	EOF
	tmux_send C-l
	type_enter 'hash -r; exec bash'
	step 'true'
	check "$c: the planted bash ran" in_ctr "$e" "$ctr" 'test -e /tmp/stolen-bash'
	no_secret "$e" "$ctr" "$c: a planted bash"
	tmux_send C-l
	hash_line '#envhost RT3_SECRET' '^(copied|paks:) '
	check "$c: after a planted bash the shell says #commands are gone" \
		tmux_wait_for '^paks: #commands work only in the shell that paks started' 10
	alive "$c: the shell lives"
	tmux_stop "$e-$2-exec"
}


# A malformed frame from the shell ends the service: the shell lives and
# its next #command says the connection is gone.
malformed() { # ENGINE
	local e=$1 ctr="paks-tp-$run_id-$1-bad" dir
	dir=$(launch_dir "$e" bad)
	cleanup_add eng "$e" rm -f "$ctr"
	if ! start_session "$e" "$dir" "$ctr" "$IMG_BOOKWORM" "$e-bad"; then
		not_ok "$e: paks run starts a shell"
		tmux_stop "$e-bad"
		return
	fi
	step 'pk_bad 100; sleep 1; pk_bad 100; pk_bad 100'
	alive "$e: the shell lives after writing malformed frames"
	tmux_send C-l
	hash_line '#help' '^paks: '
	check "$e: the next #command says the connection ended" \
		tmux_wait_for '^paks: lost the connection to the host' 10
	step 'pk_bad 100'
	alive "$e: writing to fd 100 after that does not kill the shell"
	tmux_stop "$e-bad"
}

engines_setup "$IMG_BOOKWORM" "$IMG_BOOKWORM_USER"

for e in $ENGINES; do
	for k in $IMAGES; do
		for part in $PARTS; do
			"cell_$part" "$e" "$k"
		done
	done
done
# shellcheck disable=SC2086 # one engine a word
set -- $ENGINES
[ $# -eq 0 ] || malformed "$1"

finish
