#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The image cache (host/session/image-cache.c): a name run before starts at once,
# and the engine's own answer about the name, checked beside the start,
# always wins.  On every engine (IMAGE_CACHE_ENGINES: podman, where the
# check is an `image inspect`; docker on the tests' own dockerd, where it
# is a question to dockerd's API read when the launcher has come), through
# `paks run NAME` in tmux:
#   1. the first run caches the name's id;
#   2. the name rebuilt with the same config: the new image runs, in one
#      start;
#   3. the name moved to an image with another user and Env: the session
#      starts again and the shell has that image's user and variables;
#   4. the name removed: paks's error, no container left.
set -u
source "$(dirname "$0")/lib.sh"

: "${IMG_BOOKWORM_USER:=localhost/paks-test/bookworm-user}"
: "${IMAGE_CACHE_ENGINES:=podman docker}"
PROMPT_RE='[#$] *$'
launch=$TEST_TMP/launch
mkdir -p "$launch"
cd "$launch" || exit 1

eng() { # ENGINE ARGS...
	local e=$1
	shift
	if [ "$e" = podman ]; then podman_t "$@"; else docker "$@"; fi
}

# rebuild E NAME: NAME becomes a new image with one more file and the same
# config (podman's create would add its own variables to it otherwise).
rebuild() {
	local e=$1 name=$2 b=paks-ic-$$-build
	local flags=()
	[ "$e" = podman ] && flags=(--unsetenv-all)
	echo rebuilt >"$TEST_TMP/marker"
	eng "$e" create "${flags[@]}" --name "$b" "$name" >/dev/null &&
		eng "$e" cp "$TEST_TMP/marker" "$b:/rebuilt-2" &&
		eng "$e" commit "$b" "$name" >/dev/null
	eng "$e" rm -f "$b" >/dev/null
}

# The id the cache holds for NAME (every entry is one name here).
cached_id() {
	cat "$XDG_CACHE_HOME"/paks/images/* 2>/dev/null | jq -r 'select(.ref == "'"$1"'") | .Id'
}

# session E NAME TAG: paks run NAME in tmux, with a debug log; waits for
# the shell.
session() {
	local e=$1 name=$2 tag=$3
	rm -f "$TEST_TMP/debug.log"
	tmux_start "$e-$tag" env PAKS_DEBUG_LOG="$TEST_TMP/debug.log" \
		"$PAKS" run --container-tech "$e" --name "paks-ic-$$-$tag" "$name"
	shell_ready 90
}

end_session() {
	type_enter exit
	tmux_wait_exit 60 >/dev/null
	tmux_stop
}

in_log() { grep -q -- "$1" "$TEST_TMP/debug.log" 2>/dev/null; }

one_engine() {
	local e=$1 name=localhost/paks-ic-$$/$1:1 id
	cleanup_add eng "$e" rmi -f "$name"
	eng "$e" tag "$IMG_BOOKWORM" "$name"

	# 1. First run.
	if ! session "$e" "$name" first; then
		not_ok "$e: first run of $name reaches the shell"
		return
	fi
	ok "$e: first run of $name reaches the shell"
	end_session
	id=$(eng "$e" image inspect --format '{{.Id}}' "$name")
	expect_same "$e: the cache holds the name's id" "$id" "$(cached_id "$name")"

	# 2. Rebuilt under the same name, same config.
	rebuild "$e" "$name"
	id=$(eng "$e" image inspect --format '{{.Id}}' "$name")
	if session "$e" "$name" rebuilt; then
		run_line 'test -e /rebuilt-2 && echo REBUILT-$((1+1))'
		expect_same "$e: the rebuilt image runs" "REBUILT-2" "$OUT"
		end_session
	else
		not_ok "$e: the rebuilt image reaches the shell"
	fi
	check "$e: paks saw that the name means another image" \
		in_log "is not the image paks ran last time"
	check "$e: ... and kept the one start (same command line)" \
		eval '! in_log "starting again"'
	expect_same "$e: the cache holds the rebuilt id" "$id" "$(cached_id "$name")"
	if [ "$e" = docker ]; then
		check "$e: ... which it asked dockerd's API, not the CLI" \
			in_log "checks $name beside the start through the engine's API"
	fi

	# 3. The name moved to an image with a user and variables.
	eng "$e" tag "$IMG_BOOKWORM_USER" "$name"
	if session "$e" "$name" moved; then
		run_line 'echo "user=$(id -un) foo=$FOO"'
		expect_same "$e: the shell has the new image's user and Env" \
			"user=alice foo=bar with spaces 'q' \$x" "$OUT"
		end_session
	else
		not_ok "$e: the moved name reaches the shell"
	fi
	check "$e: paks started again for the other command line" \
		in_log "starting again"

	# 4. The name removed.
	eng "$e" rmi "$name" >/dev/null
	run "$PAKS" run --container-tech "$e" --name "paks-ic-$$-gone" "$name" </dev/null
	expect "$e: a removed name fails" 1
	# The engine's own line about the vanished image may come first.
	check "$e: ... and says why in paks's last line" \
		eval 'tail -n 1 <<<"$ERR" | grep -q "^paks: image .* not"'
	printf '#   stderr: %s\n' "$ERR"
	check "$e: ... and leaves no container" \
		eval '! eng "$e" ps -a --format "{{.Names}}" | grep -q "paks-ic-$$-"'
}

for e in $IMAGE_CACHE_ENGINES; do
	new_home
	if [ "$e" = docker ]; then
		cleanup_add "$TEST_REPO/tests/dockerd.sh" stop
		if ! "$TEST_REPO/tests/dockerd.sh" start "$IMG_BOOKWORM" "$IMG_BOOKWORM_USER"; then
			not_ok "a real dockerd starts"
			continue
		fi
		eval "export $("$TEST_REPO/tests/dockerd.sh" env)"
		export DOCKER_CONTEXT=
	fi
	one_engine "$e"
done
finish
