#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Engines that cannot see this machine's files (tests/remote-engine.sh: a
# dockerd and podman's API service in a mount namespace of their own):
# docker over tcp on loopback, docker over ssh, a docker context, podman
# remote.  One session per row and image (bookworm, and bookworm-user with
# USER alice), through `paks run` in tmux: the prompt as the image's user,
# #envhost sets a host variable, #cp both ways, #save makes an image on the
# remote engine that runs and has the original config, #export dev.tar
# lands in the launch directory; the launcher and the preload come from the
# engine's kept volume of paks's files; afterwards no container and no
# other volume of paks is left on the engine.  On the tcp row, busybox in
# PTY mode too; a paks killed with -9 whose guard removes its container,
# and one whose guard is killed too, for `paks gc`; and the kept volume
# removed behind paks's back, which the next session fills again.
# Then the messages: an engine that cannot be reached, an ssh that would
# ask for a password, a context that points nowhere: one `paks:` line that
# says where paks looked, and nothing left running.
#
# Environment: REMOTE_ENGINES (default "docker-tcp docker-ssh docker-ctx
# podman-remote"), REMOTE_IMAGES (default "root user").
set -u
source "$(dirname "$0")/lib.sh"

: "${IMG_BOOKWORM_USER:=localhost/paks-test/bookworm-user}"
ENGINES=${REMOTE_ENGINES:-docker-tcp docker-ssh docker-ctx podman-remote}
IMAGES=${REMOTE_IMAGES:-root user}
# shellcheck source=engines.sh
source "$(dirname "$0")/engines.sh"
export TMUX_WAIT_TIMEOUT=60
run_id="$$-$RANDOM"
new_home
export PAKS_RT_HOSTVAR="from the host $run_id"
export PAKS_CMD_ENV="PAKS_RT_HOSTVAR"

image_of() { # KEY
	case $1 in
	root) echo "$IMG_BOOKWORM" ;;
	user) echo "$IMG_BOOKWORM_USER" ;;
	busybox) echo "$IMG_BUSYBOX" ;;
	esac
}

# no_volume ENGINE: the engine holds no volume of paks's but its kept
# volume of paks's files (paks-files-HASH, one for this build), and those
# it held before this test (stale_volumes; a run killed half-way leaves
# one, an older build its own files).
no_volume() {
	local left files
	left=$(eng "$1" volume ls --format '{{.Name}}' | grep '^paks-' |
		grep -vxF -f <(printf '%s\n' "${stale_volumes[$1]:-}" | grep .) || true)
	files=$(grep -c '^paks-files-' <<<"$left")
	left=$(grep -v '^paks-files-' <<<"$left")
	[ -z "$left" ] && [ "$files" -le 1 ] && return 0
	echo "left: $left; new volumes of paks's files: $files"
	return 1
}

# files_volume ENGINE CONTAINER: the running container mounts paks's files
# from the kept volume.
files_volume() {
	eng "$1" container inspect --format '{{range .Mounts}}{{.Name}} {{end}}' "$2" |
		grep -q 'paks-files-[0-9a-f]\{16\}'
}

# The prompt, and the shell answers.
ready() {
	tmux_wait_for '[$#] *$' 120 >/dev/null || return 1
	# shellcheck disable=SC2016 # typed into the container's shell
	type_enter 'echo READY-$((6*7))'
	tmux_wait_for '^READY-42' 60
}

# One session: every # command that crosses to the engine.
row() { # ENGINE KEY
	local e=$1 key=$2 c="$1/$2" img dir orig user workdir cfg got
	local ctr="paks-rt-$run_id-$1-$2" saved="localhost/paks-rt-$run_id/$2-$1:1"
	local mark="rt-$run_id-$1-$2"
	img=$(image_of "$key")
	echo "# --- $c ($img)"
	dir=$(engine_dir "$e" "rt-$e-$key")
	cleanup_add eng "$e" rmi -f "$saved"
	orig=$(image_config "$e" "$img")
	user=$(jq -r '.User' <<<"$orig")
	[ -n "$user" ] || user=root
	workdir=$(jq -r '.WorkingDir' <<<"$orig")

	tmux_start "$c" "$(paks_cmd "$e" "$dir" run --name "$ctr" "$img")"
	if ! ready; then
		not_ok "$c: paks run reaches a prompt"
		tmux_stop "$c"
		return
	fi
	ok "$c: paks run reaches a prompt"
	check "$c: paks's files come from the kept volume" files_volume "$e" "$ctr"
	[ "$e" = docker-ssh ] &&
		check "$c: the session's ssh connections share one" \
			pgrep -f "$SSH_SHARED"
	# shellcheck disable=SC2016
	type_enter 'echo "who=$(id -un) pwd=$PWD"'
	check "$c: the shell runs as $user in $workdir" \
		tmux_wait_for "^who=$user pwd=$workdir$"

	type_enter '#envhost PAKS_RT_HOSTVAR'
	# shellcheck disable=SC2016
	type_enter 'echo "got[$PAKS_RT_HOSTVAR]"'
	check "$c: #envhost sets a host variable" \
		tmux_wait_for "^got\[from the host $run_id\]$"

	type_enter "#envsave rt-$run_id-$e-$key RT_SAVED=\"a b\""
	type_enter 'unset RT_SAVED'
	type_enter "#envload rt-$run_id-$e-$key"
	# shellcheck disable=SC2016
	type_enter 'echo "saved[$RT_SAVED]"'
	check "$c: #envsave and #envload" tmux_wait_for '^saved\[a b\]$'
	cleanup_add paks_cli "$e" env rm "rt-$run_id-$e-$key"

	echo "in $mark" >"$dir/in.txt"
	type_enter "#cp host:in.txt /tmp/in.txt"
	type_enter "cat /tmp/in.txt"
	check "$c: #cp from the host" tmux_wait_for "^in $mark$"
	type_enter "echo out $mark > /tmp/out.txt"
	type_enter "#cp /tmp/out.txt host:out.txt"
	check "$c: #cp to the host reports the copy" tmux_wait_for '^copied /tmp/out.txt'
	check "$c: #cp to the host" bash -c '[ "$(cat "$1")" = "$2" ]' _ "$dir/out.txt" "out $mark"

	type_enter "#save $saved"
	check "$c: #save reports success" tmux_wait_for "^Saved $saved " 180
	cfg=$(image_config "$e" "$saved" 2>&1)
	check "$c: the saved image on the engine has the original config" \
		same_config "$orig" "$cfg"
	got=$(eng "$e" run --rm --network none "$saved" cat /tmp/out.txt 2>&1)
	expect_same "$c: the saved image runs and has the file" "out $mark" "$got"
	got=$(eng "$e" run --rm --network none "$saved" sh -c \
		'ls -a /dev/.paks /dev/.paks-lib /dev/.paks-bridge 2>&1; env | grep -cE "^(PAKS_DIR|PAKS_SESSION|PAKS_CHANNEL|LD_PRELOAD)="' 2>&1)
	expect_same "$c: nothing of paks in the saved image" 0 "$(tail -n 1 <<<"$got")"

	type_enter "#export dev.tar"
	check "$c: #export reports the archive" \
		tmux_wait_for "^Exported .* to $dir/dev.tar" 300
	check "$c: dev.tar is in the launch directory" \
		bash -c 'tar -tf "$1" | grep -q manifest.json' _ "$dir/dev.tar"

	type_enter 'exit 0'
	check "$c: the session ends with status 0" bash -c '[ "$1" = 0 ]' _ "$(tmux_wait_exit 60)"
	tmux_stop "$c"
	check "$c: the container is gone" gone "$e" "$ctr"
	check "$c: no volume of paks is left" no_volume "$e"
	[ "$e" = docker-ssh ] &&
		check "$c: no shared ssh connection is left" no_ssh_left
}

# A session's shared ssh connection (ssh-share.c): its clients name the
# ControlPath, its master takes a title of its own.
SSH_SHARED='ControlPath=/.*/ssh/%C|^ssh: /.*/ssh/[0-9a-f]{40} \[mux\]'
# no_ssh_left: no ssh of a session's shared connection runs.
no_ssh_left() {
	local left
	left=$(pgrep -af "$SSH_SHARED" || true)
	[ -z "$left" ] && return 0
	echo "left: $left"
	return 1
}

# busybox in PTY mode: the launch handshake through the bridge, and a #
# command on the screen.
pty_row() { # ENGINE
	local e=$1 c="$1/busybox" dir
	echo "# --- $c"
	dir=$(engine_dir "$e" "rt-$e-bb")
	# paks's debug log, shown when the prompt does not come.
	tmux_start "$c" "$(PAKS_DEBUG_LOG=$dir/debug.log PAKS_CMD_ENV="$PAKS_CMD_ENV PAKS_DEBUG_LOG" \
		paks_cmd "$e" "$dir" run "$IMG_BUSYBOX")"
	if ! ready; then
		not_ok "$c: paks run reaches a prompt in PTY mode"
		tmux_history | grep -v '^ *$' | tail -n 15 | sed 's/^/#   history|/'
		tail -n 30 "$dir/debug.log" 2>&1 | sed 's/^/#   debug|/'
		tmux_stop "$c"
		return
	fi
	ok "$c: paks run reaches a prompt in PTY mode"
	type_enter '#envhost PAKS_RT_HOSTVAR'
	# Keys typed while paks sets the variable in the shell would mix
	# with the line it types.
	tmux_wait_for '^copied 1 variable' >/dev/null
	# shellcheck disable=SC2016
	type_enter 'echo "got[$PAKS_RT_HOSTVAR]"'
	check "$c: #envhost in PTY mode" \
		tmux_wait_for "^got\[from the host $run_id\]$"
	# Over tcp paks asks dockerd for the bridge's exec itself
	# (docker-exec.c), with no docker CLI.
	check "$c: the bridge came through the engine's API, not its CLI" \
		bash -c 'grep -q "bridge through the engine.s API" "$1" && ! grep -q "its CLI does" "$1"' _ "$dir/debug.log"
	type_enter 'exit 0'
	tmux_wait_exit 60 >/dev/null
	tmux_stop "$c"
	check "$c: no volume of paks is left" no_volume "$e"
}

# A paks killed with -9: its guard removes its container and its volume
# on the engine.  Both killed: `paks gc` does.
killed_row() { # ENGINE GUARD(kill|keep)
	local e=$1 c="$1/killed-$2" dir pid guard ctr="paks-rt-$run_id-$1-killed-$2"
	dir=$(engine_dir "$e" "rt-$e-killed-$2")
	tmux_start "$c" "$(paks_cmd "$e" "$dir" run --name "$ctr" "$IMG_BOOKWORM")"
	if ! ready || ! pid=$(paks_main_pid "run --container-tech docker --name $ctr") ||
		! guard=$(paks_guard_pid "run --container-tech docker --name $ctr"); then
		not_ok "$c: a session to kill, with its guard"
		tmux_stop "$c"
		return
	fi
	[ "$2" = keep ] || kill -KILL "$guard"
	kill -KILL "$pid"
	if [ "$2" = keep ]; then
		check "$c: the guard ends" poll_until 60 bash -c "! kill -0 $guard 2>/dev/null"
	else
		check "$c: paks gc names the container" \
			bash -c 'paks_out=$("${@:2}" 2>&1); grep -q "container $1" <<<"$paks_out" || { echo "$paks_out"; exit 1; }' \
			_ "$ctr" env $(remote_env "$e") "$PAKS" gc
	fi
	tmux_stop "$c"
	check "$c: the container is gone" gone "$e" "$ctr"
	check "$c: no volume of paks is left" no_volume "$e"
}

# The kept volume of paks's files removed on the engine behind paks's
# back (a `docker volume prune`): the next session finds it gone at its
# start, fills it again and reaches its prompt.  The fill removes the
# volumes of paks's files other builds left (an upgrade's), but not one
# a container still mounts.
lost_row() { # ENGINE
	local e=$1 c="$1/files-lost" dir vols
	local old=paks-files-00000000000de1d1 busy=paks-files-00000000000b5591
	local holder=paks-rt-$run_id-holder
	echo "# --- $c"
	vols=$(eng "$e" volume ls --format '{{.Name}}' | grep '^paks-files-')
	# shellcheck disable=SC2086 # names
	[ -n "$vols" ] && eng "$e" volume rm $vols >/dev/null
	eng "$e" volume create "$old" >/dev/null
	eng "$e" run -d --rm --name "$holder" -v "$busy:/held" --entrypoint sleep \
		"$IMG_BOOKWORM" 300 >/dev/null
	dir=$(engine_dir "$e" "rt-$e-lost")
	tmux_start "$c" "$(paks_cmd "$e" "$dir" run --name "paks-rt-$run_id-lost" "$IMG_BOOKWORM")"
	check "$c: a session reaches its prompt" ready
	check "$c: paks's files are back in their volume" files_volume "$e" "paks-rt-$run_id-lost"
	type_enter 'exit 0'
	tmux_wait_exit 60 >/dev/null
	tmux_stop "$c"
	vols=$(eng "$e" volume ls --format '{{.Name}}')
	check "$c: the fill removed another build's volume of paks's files" \
		eval '! grep -qxF "$old" <<<"$vols"'
	check "$c: ... but not one a container mounts" grep -qxF "$busy" <<<"$vols"
	eng "$e" rm -f "$holder" >/dev/null
	eng "$e" volume rm "$busy" "$old" >/dev/null 2>&1
	check "$c: no volume of paks is left" no_volume "$e"
}

# An image that plants its own launcher and preload where paks's volume is
# mounted (/dev/.paks, in its layer), run when the engine has lost the
# volume: the engine makes an empty one for the start, and must not fill it
# from the image (nocopy), or the image's launcher would hold the session's
# end of the channel, and every later session on the engine would run it.
planted_row() { # ENGINE
	local e=$1 c="$1/planted" dir vols img="localhost/paks-rt-$run_id/planted:1"
	echo "# --- $c"
	dir=$(engine_dir "$e" "rt-$e-planted")
	mkdir -p "$dir/ctx"
	printf '#!/bin/sh\necho PLANTED-LAUNCHER\nexec sleep 600\n' >"$dir/ctx/paks-launch"
	chmod 755 "$dir/ctx/paks-launch"
	printf 'FROM %s\nCOPY paks-launch /dev/.paks/paks-launch\nCOPY paks-launch /dev/.paks-lib/libpaks-preload.so\n' \
		"$IMG_BOOKWORM" >"$dir/ctx/Dockerfile"
	cleanup_add eng "$e" rmi -f "$img"
	# (A running container's /dev is a tmpfs over the layer's: the
	# layer is read through a created one.)
	local probe=paks-rt-$run_id-planted-probe
	if ! eng "$e" build -q -t "$img" "$dir/ctx" >/dev/null 2>&1 ||
		! eng "$e" create --name "$probe" "$img" true >/dev/null ||
		! { eng "$e" cp "$probe:/dev/.paks/paks-launch" - | tar -xO | grep -q PLANTED; }; then
		eng "$e" rm -f "$probe" >/dev/null 2>&1
		not_ok "$c: an image with its own /dev/.paks/paks-launch is built"
		return
	fi
	eng "$e" rm -f "$probe" >/dev/null
	vols=$(eng "$e" volume ls --format '{{.Name}}' | grep '^paks-files-')
	# shellcheck disable=SC2086 # names
	[ -n "$vols" ] && eng "$e" volume rm $vols >/dev/null
	tmux_start "$c" "$(paks_cmd "$e" "$dir" run --name "paks-rt-$run_id-planted" "$img")"
	check "$c: the session reaches its prompt" ready
	expect_no_screen "$c: the image's launcher never ran" PLANTED
	type_enter 'exit 0'
	tmux_wait_exit 60 >/dev/null
	tmux_stop "$c"
	vols=$(eng "$e" volume ls --format '{{.Name}}' | grep '^paks-files-' | head -n 1)
	check "$c: the engine's volume holds paks's launcher, not the image's" \
		bash -c '! "${@:2}" run --rm --network none -v "$1:/v:ro" "$IMG_BOOKWORM" grep -q PLANTED /v/paks-launch' \
		_ "$vols" env $(remote_env "$e") docker
}

# --- messages ------------------------------------------------------------------

# one_line DESC WHERE CMD...: paks fails at once with one `paks:` line that
# names WHERE, and starts nothing.
one_line() {
	local desc=$1 where=$2 out rc=0
	shift 2
	out=$(timeout 60 "$@" </dev/null 2>&1) || rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$(wc -l <<<"$out")" -eq 1 ] &&
		grep -q "^paks: .*$where" <<<"$out"; then
		ok "$desc"
	else
		not_ok "$desc"
		printf '#   exit %s: %s\n' "$rc" "$out"
	fi
}

messages() {
	local port
	for port in $(seq 1 20); do
		port=$((20000 + RANDOM % 20000))
		port_free "$port" && break
	done
	one_line "an engine that cannot be reached: one line naming it" \
		"tcp://127.0.0.1:$port" \
		env DOCKER_HOST="tcp://127.0.0.1:$port" "$PAKS" run --container-tech docker "$IMG_BOOKWORM"
	# An ssh that would ask for a password (no key of ours for this user,
	# no BatchMode in its Host block), on a terminal: paks never waits
	# on a prompt.
	# (The screen of a pane that died at once is in its history.)
	tmux_start ssh-pw "$(paks_cmd docker-ssh "$TEST_TMP" run "$IMG_BOOKWORM" |
		sed -e "s|DOCKER_HOST=[^ ]*|DOCKER_HOST=$RE_SSH_PW|")"
	if tmux_wait_exit 60 >/dev/null &&
		[ "$(tmux_history | grep -v '^Pane is dead' | grep -cv '^ *$')" -eq 1 ] &&
		tmux_history | grep -q "^paks: .*$RE_SSH_PW"; then
		ok "an ssh that asks for a password: one line naming it"
	else
		not_ok "an ssh that asks for a password: one line naming it"
		tmux_history | sed 's/^/#   |/' | grep -v '|$'
	fi
	tmux_stop ssh-pw
	docker context create "paks-rt-$run_id" --docker "host=tcp://127.0.0.1:$port" >/dev/null 2>&1
	cleanup_add docker context rm -f "paks-rt-$run_id"
	one_line "a context that points nowhere: one line naming it" \
		"tcp://127.0.0.1:$port" \
		env -u DOCKER_HOST DOCKER_CONTEXT="paks-rt-$run_id" "$PAKS" run --container-tech docker "$IMG_BOOKWORM"
	one_line "podman remote that cannot be reached: one line naming it" \
		"tcp://127.0.0.1:$port" \
		env CONTAINER_HOST="tcp://127.0.0.1:$port" "$PAKS" run "$IMG_BOOKWORM"
}

# --- the rows ------------------------------------------------------------------

# (bookworm for the killed rows)
imgs=("$IMG_BOOKWORM")
for k in $IMAGES busybox; do
	imgs+=("$(image_of "$k")")
done
engines_setup "${imgs[@]}"
declare -A stale_volumes
for e in $ENGINES; do
	stale_volumes[$e]=$(eng "$e" volume ls --format '{{.Name}}' | grep '^paks-' || true)
	[ -z "${stale_volumes[$e]}" ] ||
		echo "# $e: volumes from before this test, not counted: ${stale_volumes[$e]//$'\n'/ }"
done
for e in $ENGINES; do
	for k in $IMAGES; do
		row "$e" "$k"
	done
done
case " $ENGINES " in *" docker-tcp "*) pty_row docker-tcp; killed_row docker-tcp keep; killed_row docker-tcp kill; lost_row docker-tcp; planted_row docker-tcp ;; esac
messages
finish
