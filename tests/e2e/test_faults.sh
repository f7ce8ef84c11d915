#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Faults and hostile input in preload mode: a process in the container
# planting a symlink in the shared runtime directory, an image name that
# looks like an option, the death of paks's server (the shell runs on and
# says so), and SIGTERM to the paks process while the shell runs (the
# session ends: 143, no container left).
source "$(dirname "$0")/lib.sh"
new_home
victim=$TEST_TMP/victim.txt
echo original >"$victim"
launch=$TEST_TMP/launch
mkdir -p "$launch"
name=paks-faults-$$

# Wait for the shell's prompt after typing LINE.
type_wait() {
	type_enter "$1"
	tmux_wait_for "$2" "${3:-30}"
}

tmux_start faults "cd $launch && $PAKS run --name $name $IMG_BOOKWORM; echo paks-exit=\$?; exec sleep 600"
tmux_wait_for '[#$] *$' 60 || not_ok "the shell started"

# 1. A symlink planted as a request's answer FIFO must not be written
#    through: the host refuses anything that is not a FIFO of its own.
type_wait "cd /dev/.paks && mkfifo x-1-a.q && ln -s $victim x-1-a.a && exec 3<>x-1-a.q && printf '\\x03\\0\\0\\0\\x05\\0\\0\\0#help' >&3 && printf '\\x01\\0\\0\\0\\x05\\0\\0\\0x-1-a' > req; echo planted-\$?" 'planted-0'
# Give the host's worker its whole open timeout (5 s) to misbehave.
sleep 6
check "a planted symlink in the runtime dir is not written through" \
	test "$(cat "$victim")" = original
type_wait 'exec 3>&-; rm -f x-1-a.q x-1-a.a; cd /; echo cleaned' '^cleaned'

# 2. A save target that looks like an option is refused, and nothing is
#    saved or lost.
type_wait 'touch /keep-me' '[#$] *$'
type_enter '#save -h.x/y'
expect_screen "#save -h.x/y is refused as an image name" \
	'^paks: .*invalid image name' 30
check "no image named like an option" \
	bash -c '! podman images --format "{{.Repository}}" | grep -q -- "^-h"'

# 3. The host side dies (kill -9 of the server beside paks, "paks-serve"):
#    the shell keeps working, and a #command says that the host is gone.
paks_pid=$(paks_main_pid "^$PAKS run --name $name")
server_pid=$(pgrep -x -P "${paks_pid:-1}" paks-serve)
if [ -n "$server_pid" ]; then
	kill -KILL "$server_pid"
	ok "found and killed the paks server ($server_pid)"
else
	not_ok "found the paks server beside paks (${paks_pid:-none})"
fi
type_enter 'echo alive-$((20+22))'
expect_screen "the shell keeps working when the host side dies" '^alive-42' 30
type_enter '#help'
expect_screen "... and a #command says the host is gone" \
	'^paks: .*(not running|lost the connection)' 30
type_enter 'echo still-$((6*7))'
expect_screen "... and the shell still runs commands after that" '^still-42' 30

# 4. SIGTERM to paks ends the session, as in PTY mode (test_lifecycle):
#    the container is stopped and removed, paks exits 143.
if [ -n "$paks_pid" ]; then
	kill -TERM "$paks_pid"
	ok "found and signalled paks ($paks_pid)"
else
	not_ok "found the paks process"
fi
expect_screen "SIGTERM ends paks with 143" '^paks-exit=143' 60
check "the container is gone" bash -c "! podman container exists $name"
finish
