#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A regression suite of bad input (issue 13): bad '#' lines typed into a
# real paks session (tmux, podman, Debian bookworm) and bad host-side
# input (paks arguments, settings values, environment and path names).
# Each must give exactly one "paks: ..." line and change nothing on the
# host: the launch directory, a directory outside it, the paks config
# directory (settings, environments) and this test's images are compared
# before and after.
# shellcheck disable=SC2016 # the '#' lines are typed, not expanded here
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

new_home
launch=$TEST_TMP/launch
outside=$TEST_TMP/outside
mkdir -p "$launch/sub" "$outside"
echo data >"$launch/data.txt"
echo secret >"$outside/secret.txt"
ln -s "$outside" "$launch/esc"
ln -s /etc "$launch/etclink"
"$PAKS" env add keep K=1 >/dev/null
"$PAKS" config set save_suffix=-hostile >/dev/null
SID=""

cleanup_session() {
	tmux_stop
	[ -z "$SID" ] || podman_t rm -f -t 0 "paks-$SID" >/dev/null 2>&1
	# shellcheck disable=SC2046 # one id per word
	[ -z "$SID" ] || podman_t rmi -f $(podman_t images -q --filter \
		"reference=localhost/paks-tmp-$SID-*") >/dev/null 2>&1
}
cleanup_add cleanup_session

# What must not change: files (type, size, mode, content), and the images
# this test could have made.
snapshot() {
	local d
	for d in "$launch" "$outside" "$XDG_CONFIG_HOME"; do
		(cd "$d" && find . -printf '%p %y %s %m %l\n' | LC_ALL=C sort)
		(cd "$d" && find . -type f -exec md5sum {} + | LC_ALL=C sort)
	done
	podman_t images --format '{{.Repository}}:{{.Tag}}' |
		grep -E "bookworm-hostile|paks-tmp-${SID:-none}-|/x:|evil" |
		LC_ALL=C sort
	ls /etc/x /etc/paks-hostile 2>&1
}

# --- the host side --------------------------------------------------------

# host_bad RC ARGS...: `paks ARGS` exits RC with one "paks: " line on
# stderr, nothing on stdout, and nothing changed.
host_bad() {
	local want=$1 before after
	shift
	before=$(snapshot)
	(cd "$launch" && "$PAKS" "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err" </dev/null)
	local rc=$? what="paks $*"
	what=${what:0:100}
	after=$(snapshot)
	if [ "$rc" != "$want" ]; then
		not_ok "$what: exit $rc, wanted $want ($(head -c 300 "$TEST_TMP/err"))"
	elif [ "$(wc -l <"$TEST_TMP/err")" != 1 ] ||
		! grep -q '^paks: ' "$TEST_TMP/err" || [ -s "$TEST_TMP/out" ]; then
		not_ok "$what: one 'paks:' line"
		sed 's/^/#   /' "$TEST_TMP/err" "$TEST_TMP/out"
	elif [ "$before" != "$after" ]; then
		not_ok "$what: nothing changed"
		diff <(echo "$before") <(echo "$after") | sed 's/^/#   /'
	else
		ok "$what: $(cat "$TEST_TMP/err")"
	fi
}

host_bad 2
host_bad 2 nosuch
host_bad 2 --bogus
host_bad 2 run
host_bad 2 run --mode fast "$IMG_BOOKWORM"
host_bad 2 run --container-tech lxc "$IMG_BOOKWORM"
host_bad 2 run -s colour=red "$IMG_BOOKWORM"
host_bad 2 run --user 'a b' "$IMG_BOOKWORM"
host_bad 2 run --shell relative "$IMG_BOOKWORM"
host_bad 2 env add ../evil A=1
host_bad 2 env add .hidden A=1
host_bad 2 env add keep 1X=y
host_bad 2 env add keep A=1 'A-B=2'
host_bad 1 env rm nosuch
host_bad 1 env rm keep NOPE
host_bad 2 env show ../x
host_bad 2 env edit ../x
host_bad 2 env frob
host_bad 2 config set colour=red
host_bad 2 config set mode=fast
host_bad 2 config set save_suffix=-Saved
host_bad 2 config set container_shell=relative
host_bad 2 config set 'user=a b'
host_bad 2 config set 'user=$(id)'
host_bad 2 config set cp_unconfined=maybe
host_bad 2 config get nosuch
host_bad 2 hooks frob
host_bad 1 path ../x
host_bad 1 path --write esc/x
host_bad 1 path --write etclink/x
host_bad 1 path /etc/passwd
host_bad 2 path a b

# --- '#' lines in a session -------------------------------------------------

PROMPT_RE='^root@[^ ]+:[^ ]*# ?$'

# bad LINE: one "paks: " line, $? not 0, and nothing changed on the host.
bad() {
	local before after
	before=$(snapshot)
	if ! run_line "$1"; then
		not_ok "$1: the prompt came back"
		_t_screen_dump
		return
	fi
	local out=$OUT rc
	# Straight after the line, so $? is its status.
	type_enter "echo \"RC-$RUN_MARK=\$?\""
	tmux_wait_for "^RC-$RUN_MARK=[0-9]+\$" >/dev/null
	rc=$(tmux_history | sed -n "s/^RC-$RUN_MARK=\([0-9]*\)\$/\1/p" | tail -n 1)
	after=$(snapshot)
	if [ "$(grep -c . <<<"$out")" != 1 ] || ! grep -q '^paks: ' <<<"$out"; then
		not_ok "$1: one 'paks:' line"
		sed 's/^/#   |/' <<<"$out"
	elif [ "$rc" = 0 ]; then
		not_ok "$1: a non-zero status"
	elif [ "$before" != "$after" ]; then
		not_ok "$1: nothing changed on the host"
		diff <(echo "$before") <(echo "$after") | sed 's/^/#   /'
	else
		ok "$1: $out"
	fi
}

cd "$launch" || exit 1
tmux_start hostile "$PAKS" run "$IMG_BOOKWORM"
if ! shell_ready; then
	not_ok "paks run started a shell"
	finish
fi
type_enter 'echo "SID=$PAKS_SESSION-$((6*7))"'
if ! tmux_wait_for '^SID=[a-z0-9]+-42$'; then
	not_ok "paks run started a shell"
	finish
fi
SID=$(tmux_screen | sed -n 's/^SID=\([a-z0-9]*\)-42$/\1/p' | tail -n 1)
run_line 'cd /tmp && echo ctr >c.txt'

bad '#nosuchcommand'
bad '#a/../x'
bad '#x.y'
bad '#save UPPER/Case'
bad '#save "a b"'
bad '#save suffix=$(touch /tmp/x)'
bad '#save suffix='
bad '#save a b'
bad '#push'
bad '#push a b c'
bad '#push "bad ref!"'
bad '#export a b'
bad '#export /etc/paks-hostile'
bad '#export ../x.tar'
bad '#export esc/x.tar'
bad '#inspect nosuch'
bad '#size extra'
bad '#diff extra'
bad '#help extra'
bad '#cp'
bad '#cp a'
bad '#cp a b c'
bad '#cp host:a host:b'
bad '#cp c.txt b'
bad '#cp host:/etc/passwd .'
bad '#cp host:../outside/secret.txt .'
bad '#cp host:esc/secret.txt .'
bad '#cp host:esc/no-such-file .'
bad '#cp host:etclink/shadow .'
bad '#cp host:missing.txt .'
bad '#cp c.txt host:../x.txt'
bad '#cp c.txt host:esc/new.txt'
bad '#cp c.txt host:etclink/x'
bad '#cp c.txt host:nodir/new.txt'
bad '#cp "host:`touch /tmp/pwn`" .'
bad '#envload'
bad '#envload ../x'
bad '#envload nosuchenv'
bad '#envload a b'
bad '#envsave'
bad '#envsave ../x A=1'
bad '#envsave keep 1A=x'
bad '#envsave keep NOEQUALS'
bad '#envhost'
bad '#envhost 1BAD'
bad '#envhost NO_SUCH_HOST_VAR_HOSTILE'
check "nothing ran on the host" test ! -e /tmp/pwn -a ! -e "$launch/x"

type_enter 'exit'
tmux_wait_exit 60 >/dev/null
wait_no_container "paks-$SID"
finish
