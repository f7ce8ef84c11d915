#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# End-to-end tests for moving work elsewhere (issue 6) against real podman,
# a real registry and tmux: #push saves the container and pushes it to a
# Debian docker-registry on 127.0.0.1 over plain HTTP, with progress shown
# and a clean config (skopeo reads what landed); `paks run REF` in a
# separate podman storage pulls it and shows the file made before the push;
# #export writes an archive in the launch directory that `podman load` and
# `paks run FILE` take; a failed export (no such directory, read-only or
# full file system) leaves nothing under the final name; a podman service
# elsewhere that cannot be reached gives one line.
set -u
source "$(dirname "$0")/lib.sh"

new_home
launch=$TEST_TMP/launch
mkdir -p "$launch"
cd "$launch" || exit 1
mark="moved-$$-$RANDOM"
ctr="paks-move-$$"

# --- a real registry on a free loopback port --------------------------------

start_registry() {
	local i
	for i in $(seq 1 20); do
		REG_PORT=$((20000 + RANDOM % 20000))
		port_free "$REG_PORT" && break
	done
	cat >"$TEST_TMP/registry.yml" <<-EOF
		version: 0.1
		log:
		  level: error
		storage:
		  filesystem:
		    rootdirectory: $TEST_TMP/registry
		http:
		  addr: 127.0.0.1:$REG_PORT
	EOF
	docker-registry serve "$TEST_TMP/registry.yml" >"$TEST_TMP/registry.log" 2>&1 &
	REG_PID=$!
	cleanup_add kill "$REG_PID"
	poll_until 10 port_taken "$REG_PORT"
}

port_taken() {
	! port_free "$1"
}

# A second podman storage, as on another machine: $1 names it, and
# store_args/store_root/store_runroot describe it.  Its images go at the end.
other_store() {
	store_root=$TEST_TMP/$1/root
	store_runroot=$TEST_TMP/$1/runroot
	mkdir -p "$store_root" "$store_runroot"
	store_args=("--engine-arg=--root=$store_root"
		"--engine-arg=--runroot=$store_runroot")
	cleanup_add podman_t --root "$store_root" --runroot "$store_runroot" \
		rmi --all --force
}

# Whole scrollback of the target session.
history_has() {
	tmux_history | grep -Eq -- "$1"
}
history_lacks() {
	! history_has "$1"
}

if ! start_registry; then
	not_ok "docker-registry serves on 127.0.0.1:$REG_PORT"
	finish
fi
ok "docker-registry serves on 127.0.0.1:$REG_PORT"
ref=127.0.0.1:$REG_PORT/paks-move/work:v1
saved=127.0.0.1:$REG_PORT/paks-move/work-saved:v1
cleanup_add podman_t rmi -f "$ref" "$saved"

# --- #push ---------------------------------------------------------------------

tmux_start push "$PAKS" run --name "$ctr-push" "$IMG_BOOKWORM"
check "the shell starts" shell_ready
type_enter "echo $mark > /root/moved.txt"
type_enter "#push $ref"
check "#push reports success" tmux_wait_for "^Pushed $ref" 180
check "#push announces the push" history_has "^Pushing $ref"
check "#push hides the engine's raw output" \
	history_lacks 'Copying (blob|config)|Getting image source'
check "#push ends with a summary line with the time" \
	tmux_wait_for "^Pushed $ref \([0-9]+s\)$"
type_enter '#push not//valid'
check "#push refuses a bad reference" tmux_wait_for '^paks: invalid reference'
type_enter "#push $ref tls-verify=no"
check "#push refuses an unknown option" \
	tmux_wait_for "^paks: unknown option 'tls-verify=no'"
# shellcheck disable=SC2016 # typed into the container's shell
type_enter 'echo "status=$?"'
check "... with the usage status 2" tmux_wait_for '^status=2$'
type_enter 'exit 0'
check "the pushing session ends with status 0" \
	bash -c '[ "$1" = 0 ]' _ "$(tmux_wait_exit)"

# --- what landed in the registry ------------------------------------------------

pushed=$TEST_TMP/pushed.json
check "skopeo finds $ref in the registry" \
	bash -c 'skopeo inspect --config --tls-verify=false "docker://$1" >"$2"' _ \
	"$ref" "$pushed"
orig=$(podman_t image inspect "$IMG_BOOKWORM" --format '{{json .Config}}' | config_of)
got=$(jq '.config' "$pushed" 2>/dev/null | config_of)
expect_same "the pushed config equals the original's (Env Cmd Entrypoint WorkingDir User Labels)" \
	"$orig" "$got"
check "the pushed config has no LD_PRELOAD, PAKS_ or /dev/.paks" \
	bash -c '! jq -c .config "$1" | grep -Eq "LD_PRELOAD|PAKS_|/dev/\\.paks"' _ "$pushed"
layer=$(podman_t image diff "$ref" 2>&1)
check "the pushed image's own layer holds the file" \
	grep -q ' /root/moved.txt$' <<<"$layer"
check "... and nothing of paks" bash -c '! grep -q "\.paks" <<<"$1"' _ "$layer"

# --- continuing elsewhere: paks run REF in another storage ---------------------

other_store store1
tmux_start pull "$PAKS" run --name "$ctr-pull" "${store_args[@]}" "$ref"
check "paks run pulls the reference and shows the pull's progress" \
	tmux_wait_for 'Writing manifest|Copying blob' 120
check "the pulled session starts" shell_ready 120
type_enter 'cat /root/moved.txt'
check "the file made before the push is there" tmux_wait_for "^$mark$"

# --- #export -----------------------------------------------------------------------

archive=work-saved_v1.tar
type_enter '#export'
check "#export reports the archive" tmux_wait_for "^Exported $saved to $launch/$archive" 180
check "the archive is in the launch directory" test -s "$launch/$archive"
check "no temporary file is left in the launch directory" \
	bash -c '! ls -A "$1" | grep -q "^\.paks-export"' _ "$launch"

type_enter '#export nodir/x.tar'
check "#export into a missing directory fails" \
	tmux_wait_for "^paks: host path 'nodir/x.tar'"
check "... and writes nothing" test ! -e "$launch/nodir"

mkdir -p "$launch/ro" "$launch/small"
if mount -t tmpfs -o ro,size=1m paks-test-ro "$launch/ro" 2>/dev/null &&
	mount -t tmpfs -o size=2m paks-test-small "$launch/small" 2>/dev/null; then
	cleanup_add umount "$launch/ro"
	cleanup_add umount "$launch/small"
	type_enter '#export ro/x.tar'
	check "#export on a read-only file system fails" \
		tmux_wait_for '^paks: cannot write in .*/ro: Read-only'
	type_enter '#export small/x.tar'
	check "#export that runs out of space fails" \
		tmux_wait_for '^paks: export failed; nothing was written to .*/small/x.tar' 180
	check "... and leaves no partial archive, not even a temporary one" \
		bash -c '[ -z "$(ls -A "$1")" ]' _ "$launch/small"
else
	skip "read-only and full file systems (cannot mount tmpfs here)"
fi
type_enter 'exit'
tmux_wait_exit >/dev/null

other_store store2
check "podman load takes the archive" \
	podman_t --root "$store_root" --runroot "$store_runroot" load -i "$launch/$archive"
check "the loaded image has the same file" \
	bash -c '[ "$(podman --root "$1" --runroot "$2" run --rm "$3" cat /root/moved.txt)" = "$4" ]' _ \
	"$store_root" "$store_runroot" "$saved" "$mark"
loaded_cfg=$(podman_t --root "$store_root" --runroot "$store_runroot" image inspect "$saved" \
	--format '{{json .Config}}' 2>/dev/null | config_of)
expect_same "the exported config equals the original's" "$orig" "$loaded_cfg"

# paks run FILE: one command on the other machine.
other_store store3
tmux_start runfile "$PAKS" run --name "$ctr-file" "${store_args[@]}" "$archive"
check "paks run of the archive starts a shell" shell_ready 120
type_enter 'cat /root/moved.txt'
check "paks run of the archive has the file" tmux_wait_for "^$mark$"
type_enter 'exit'
tmux_wait_exit >/dev/null

# --- a podman service elsewhere that cannot be reached ----------------------------

# unreachable CMD...: CMD exits 1 with one "paks: ... not reachable at"
# line (tests/e2e/test_remote.sh runs sessions on engines elsewhere).
unreachable() {
	local out rc=0
	out=$("$@" 2>&1 </dev/null) || rc=$?
	echo "exit $rc: $out"
	[ $rc -eq 1 ] && [ "$(wc -l <<<"$out")" -eq 1 ] &&
		grep -q '^paks: the podman service is not reachable at ' <<<"$out"
}
check "CONTAINER_HOST=ssh://... that cannot be reached: one line" unreachable \
	env CONTAINER_HOST=ssh://nobody@remote.invalid:22/run/podman/podman.sock \
	"$PAKS" run --container-tech podman "$IMG_BOOKWORM"
check "--engine-arg=--url=ssh://... that cannot be reached: one line" unreachable \
	"$PAKS" run --container-tech podman \
	--engine-arg=--url=ssh://nobody@remote.invalid:22/run/podman/podman.sock \
	"$IMG_BOOKWORM"

wait_no_container "$ctr-"
finish
