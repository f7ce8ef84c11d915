#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Engine errors as one true line (issue 20, items 10 and 11).  #cp to or
# from what is no file (a device in /dev, the kernel's /proc) is refused
# with one "paks: ..." line that says what is wrong, and changes nothing in
# the container or on the host; an engine's "N errors occurred:" becomes
# the error itself.  On rootful podman and on the tests' own dockerd.  On
# the host, `paks export IMAGE FILE` is the user's own command: any path
# the user can write, still refusing to overwrite without --force, while
# #export in the shell stays in the launch directory.  A name the image
# cache knows, removed from the engine since, gives paks's line and not
# the engine's raw error.
# shellcheck disable=SC2016 # the '#' lines are typed, not expanded here
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

new_home
launch=$TEST_TMP/launch
mkdir -p "$launch"
echo data >"$launch/data.txt"
run_id="$$-$RANDOM"

# What must not change on the host: the launch directory.
snapshot() {
	(cd "$launch" && find . -printf '%p %y %s %m %l\n' | LC_ALL=C sort)
}

# --- `paks export` on the host ------------------------------------------

elsewhere=$TEST_TMP/elsewhere
mkdir -p "$elsewhere"
cd "$launch" || exit 1
run "$PAKS" export "$IMG_BUSYBOX" "$elsewhere/dev.tar"
if [ "$RC" = 0 ] && [ -s "$elsewhere/dev.tar" ]; then
	ok "paks export IMAGE /absolute/path writes there"
else
	not_ok "paks export IMAGE /absolute/path writes there (exit $RC: $ERR)"
fi
check "the export left no temporary file" \
	bash -c '[ "$(ls -A "$1")" = dev.tar ]' _ "$elsewhere"
before=$(md5sum "$elsewhere/dev.tar")
run "$PAKS" export "$IMG_BUSYBOX" "$elsewhere/dev.tar"
expect_same "paks export over an existing file: exit 2" 2 "$RC"
expect_same "paks export over an existing file: one line" \
	"paks: '$elsewhere/dev.tar' exists (use --force to replace it)" "$ERR"
expect_same "paks export over an existing file: the file is kept" \
	"$before" "$(md5sum "$elsewhere/dev.tar")"
run "$PAKS" export "$IMG_BUSYBOX" ../elsewhere/up.tar
expect_same "paks export IMAGE ../FILE: exit 0" 0 "$RC"
check "paks export IMAGE ../FILE writes there" test -s "$elsewhere/up.tar"
run "$PAKS" export --force "$IMG_BUSYBOX" "$elsewhere/dev.tar"
expect_same "paks export --force over an existing file: exit 0" 0 "$RC"
mkfifo "$elsewhere/fifo.tar"
run "$PAKS" export --force "$IMG_BUSYBOX" "$elsewhere/fifo.tar"
expect_same "paks export --force over a FIFO: one line" \
	"paks: '$elsewhere/fifo.tar' exists and is not a regular file" "$ERR"
check "paks export over a FIFO: it is still a FIFO" test -p "$elsewhere/fifo.tar"
run "$PAKS" export localhost/paks-no-such-image-$run_id f.tar
expect_same "paks export MISSING: only paks's line" \
	"paks: no image 'localhost/paks-no-such-image-$run_id'" "$ERR"
check "paks export MISSING: no file" test ! -e "$launch/f.tar"
# podman's own words for this one are "Error: inspecting object:
# repository name must be lowercase".
run "$PAKS" export MISSING f.tar
expect_same "paks export MISSING (not a valid name): only paks's line" \
	"paks: no image 'MISSING'" "$ERR"

# --- '#' lines ------------------------------------------------------------

PROMPT_RE='^root@[^ ]+:[^ ]*# ?$'

# bad LINE WANT: one "paks: " line that matches the extended regex WANT
# and is none of the engines' bare words, $? not 0, and nothing changed in
# the launch directory.
bad() {
	local line=$1 want=$2 before after out rc
	before=$(snapshot)
	if ! run_line "$line"; then
		not_ok "$E: $line: the prompt came back"
		_t_screen_dump
		return
	fi
	out=$OUT
	type_enter "echo \"RC-$RUN_MARK=\$?\""
	tmux_wait_for "^RC-$RUN_MARK=[0-9]+\$" >/dev/null
	rc=$(tmux_history | sed -n "s/^RC-$RUN_MARK=\([0-9]*\)\$/\1/p" | tail -n 1)
	after=$(snapshot)
	if [ "$(grep -c . <<<"$out")" != 1 ] || ! grep -q '^paks: ' <<<"$out"; then
		not_ok "$E: $line: one 'paks:' line"
		sed 's/^/#   |/' <<<"$out"
	elif grep -Eq 'errors? occurred:$|^paks: copied' <<<"$out" ||
		! grep -Eq -- "$want" <<<"$out"; then
		not_ok "$E: $line: the line says what failed (/$want/)"
		sed 's/^/#   |/' <<<"$out"
	elif [ "$rc" = 0 ]; then
		not_ok "$E: $line: a non-zero status"
	elif [ "$before" != "$after" ]; then
		not_ok "$E: $line: nothing changed on the host"
		diff <(echo "$before") <(echo "$after") | sed 's/^/#   /'
	else
		ok "$E: $line: $out"
	fi
}

# in_ctr DESC CMD: CMD, typed into the shell, prints YES.
in_ctr() {
	run_line "$2 && echo YES-\$((6*7)) || echo NO-\$((6*7))"
	if grep -q '^YES-42$' <<<"$OUT"; then
		ok "$E: $1"
	else
		not_ok "$E: $1"
		sed 's/^/#   |/' <<<"$OUT"
	fi
}

session() { # ENGINE-FLAGS...
	local name="errors-$E"
	tmux_start "$name" "$PAKS" run "$@" --name "paks-te-$run_id-$E" "$IMG_BOOKWORM"
	if ! shell_ready; then
		not_ok "$E: paks run starts a shell"
		tmux_stop "$name"
		return
	fi
	run_line 'cd /tmp && mkfifo fifo && echo ctr > c.txt'

	bad '#cp host:data.txt /dev/null' '/dev/null is in /dev'
	in_ctr "/dev/null is still a device" 'test -c /dev/null'
	bad '#cp host:data.txt /dev/' ': /dev holds the container.s devices'
	bad '#cp host:dev /' ': /dev holds the container.s devices'
	bad '#cp host:data.txt ../dev/null' '/dev/null is in /dev'
	bad '#cp /dev/zero host:zero' '/dev/zero is in /dev'
	bad '#cp host:data.txt /proc/' ': /proc holds files the kernel makes'
	bad '#cp /proc/self/status host:x' '/proc/self/status is in /proc'
	bad '#cp /sys/kernel host:x' '/sys/kernel is in /sys'
	bad '#cp fifo host:fifo' 'fifo.*(FIFO|not a file)'
	bad '#cp /no/such/file host:x' '/no/such/file'
	bad '#cp host:data.txt /no/such/dir/' 'no/such/dir'
	# podman: "2 errors occurred:", and the first of them is the reason.
	bad '#cp host:data.txt /etc/hostname/' 'not a directory|no such directory'
	# docker's cp does not reach the container's /dev/shm either.
	bad '#cp host:data.txt /dev/shm/x' '/dev/shm/x is in /dev'
	in_ctr "/dev/shm has no x" 'test ! -e /dev/shm/x'
	# #export in the shell stays in the launch directory.
	bad "#export $elsewhere/in-shell.tar" 'is absolute'
	check "$E: #export wrote nothing outside" test ! -e "$elsewhere/in-shell.tar"

	type_enter 'exit'
	tmux_wait_exit 60 >/dev/null
	tmux_stop "$name"
}

E=podman
session

E=docker
cleanup_add "$TEST_REPO/tests/dockerd.sh" stop
if "$TEST_REPO/tests/dockerd.sh" start "$IMG_BOOKWORM"; then
	eval "export $("$TEST_REPO/tests/dockerd.sh" env)"
	export DOCKER_CONTEXT=
	session --container-tech docker
	unset DOCKER_HOST DOCKER_CONTEXT
else
	not_ok "a real dockerd starts"
fi

# --- a name the cache knows, gone from the engine --------------------------

E=podman
gone=localhost/paks-te-$run_id/gone
podman_t tag "$IMG_BUSYBOX" "$gone"
cleanup_add podman_t rmi -f "$gone"
tmux_start cached "$PAKS" run --name "paks-te-$run_id-c1" "$gone"
if shell_ready; then
	ok "a first run of $gone"
else
	not_ok "a first run of $gone"
fi
type_enter 'exit'
tmux_wait_exit 60 >/dev/null
tmux_stop cached
podman_t rmi "$gone" >/dev/null
# No terminal needed: the engine's message and paks's are both on stderr.
tmux_start cached2 "$PAKS" run --name "paks-te-$run_id-c2" "$gone"
tmux_wait_exit 120 >/dev/null
screen=$(tmux_history | grep -v '^ *$')
# (The pull that follows may show the engine's progress and its reason,
# as any pull on a terminal does.)
if grep -q "^paks: .*$gone" <<<"$screen" && ! grep -q 'image not known' <<<"$screen"; then
	ok "a cached name that is gone: paks's line, not the engine's raw error"
else
	not_ok "a cached name that is gone: paks's line, not the engine's raw error"
	sed 's/^/#   |/' <<<"$screen" | head -n 20
fi
tmux_stop cached2

finish
