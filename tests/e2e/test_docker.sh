#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# End-to-end tests for the docker backend against a real dockerd that the
# test starts itself on private paths (tests/dockerd.sh) and stops by its
# pid.  Through `paks run --container-tech docker` in tmux: the shell
# starts, Ctrl-P reaches bash at once (the CLI cannot disable detach keys),
# #save gives an image with the original config and nothing of paks,
# #inspect, #size, #diff, #cp both ways, #envload, #push to a loopback
# registry and #export work; a DOCKER_HOST or docker context elsewhere that
# cannot be reached gives one line naming it.
set -u
source "$(dirname "$0")/lib.sh"

new_home
launch=$TEST_TMP/launch
mkdir -p "$launch"
cd "$launch" || exit 1
mark="dock-$$-$RANDOM"
ctr="paks-dock-$$"
saved=localhost/paks-dock-$$/saved:1

free_port() {
	local p i
	for i in $(seq 1 20); do
		p=$((20000 + RANDOM % 20000))
		port_free "$p" && break
	done
	echo "$p"
}

# --- a registry and a real dockerd -------------------------------------------

# Stopped last, after the images of this test are removed from it.
cleanup_add "$TEST_REPO/tests/dockerd.sh" stop
REG_PORT=$(free_port)
cat >"$TEST_TMP/registry.yml" <<-EOT
	version: 0.1
	log:
	  level: error
	storage:
	  filesystem:
	    rootdirectory: $TEST_TMP/registry
	http:
	  addr: 127.0.0.1:$REG_PORT
EOT
docker-registry serve "$TEST_TMP/registry.yml" >"$TEST_TMP/registry.log" 2>&1 &
cleanup_add kill $!
ref=127.0.0.1:$REG_PORT/paks-dock/work:v1
exported=localhost/paks-dock-$$/base-saved:1
cleanup_add docker rmi -f "$saved" "$ref"

# The tests' own dockerd (tests/dockerd.sh), with the test image loaded.
# dockerd reaches registries on 127.0.0.0/8 over plain HTTP by default.
if ! "$TEST_REPO/tests/dockerd.sh" start "$IMG_BOOKWORM"; then
	not_ok "a real dockerd starts"
	finish
fi
eval "export $("$TEST_REPO/tests/dockerd.sh" env)"
export DOCKER_CONTEXT=
check "the daemon behind DOCKER_HOST is dockerd" \
	bash -c '! docker version --format "{{range .Server.Components}}{{.Name}} {{end}}" | grep -q Podman'

# --- helpers -----------------------------------------------------------------

# Wait until REGEX matches at least N lines of the screen.
wait_count() {
	poll_until "$TMUX_WAIT_TIMEOUT" screen_count "$1" "$2" && return 0
	tmux_screen | sed 's/^/#   |/' >&2
	return 1
}

screen_count() { # REGEX N: at least N lines of the screen match
	[ "$(tmux_screen | grep -Ec -- "$1")" -ge "$2" ]
}

orig=$(docker image inspect "$IMG_BOOKWORM" --format '{{json .Config}}' | config_of)

# --- the session -----------------------------------------------------------------

"$PAKS" env add "dockenv-$$" DOCKVAR="a b \$c" >/dev/null
printf 'from the host %s\n' "$mark" >"$launch/in.txt"

# A name of our own, so the default #export target is ours too.
base=localhost/paks-dock-$$/base:1
docker tag "$IMG_BOOKWORM" "$base"
cleanup_add docker rmi -f "$base" "localhost/paks-dock-$$/base-saved:1"
tmux_start dock "$PAKS" run --container-tech docker --name "$ctr-run" "$base"
if ! shell_ready 120; then
	not_ok "paks run --container-tech docker starts a shell"
	finish
fi
ok "paks run --container-tech docker starts a shell"
check "the container runs in the dockerd behind DOCKER_HOST" \
	bash -c 'docker ps --format "{{.Names}}" | grep -qx "$1"' _ "$ctr-run"

# shellcheck disable=SC2016
type_enter 'echo ctrlp-$((1+1))'
tmux_wait_for '^ctrlp-2$' >/dev/null
tmux_send C-p
check "Ctrl-P reaches bash at once (previous-history)" \
	wait_count 'echo ctrlp-\$\(\(1\+1\)\)$' 2
tmux_send C-u

type_enter "echo $mark > /root/moved.txt"
type_enter "#save $saved"
check "#save reports success" tmux_wait_for "^Saved $saved" 180
check "the saved image exists" docker image inspect "$saved"
saved_cfg=$(docker image inspect "$saved" --format '{{json .Config}}' | config_of)
check "the saved config has no LD_PRELOAD, PAKS_ or /dev/.paks" \
	bash -c '! grep -Eq "LD_PRELOAD|PAKS_|/dev/\\.paks" <<<"$1"' _ "$saved_cfg"
expect_same "the saved config equals the original's (Env Cmd Entrypoint WorkingDir User Labels)" \
	"$orig" "$saved_cfg"
check "the saved image has the file" \
	bash -c '[ "$(docker run --rm "$1" cat /root/moved.txt)" = "$2" ]' _ "$saved" "$mark"

tmux_send C-l
type_enter '#inspect Name Config.Image'
check "#inspect shows the container's name" tmux_wait_for "\"/?$ctr-run\""
type_enter '#size'
check "#size shows the changes" tmux_wait_for '^changes: [0-9.]+ [kMG]?B'
check "#size shows the virtual size" tmux_wait_for '^virtual: [0-9.]+ [kMG]?B'
type_enter '#diff'
check "#diff lists the new file" tmux_wait_for '^A /root/moved.txt$'

tmux_send C-l
type_enter '#cp host:in.txt /tmp/in.txt'
tmux_wait_for '^copied ' >/dev/null
type_enter 'cat /tmp/in.txt'
check "#cp from the host" tmux_wait_for "^from the host $mark$"
type_enter '#cp /root/moved.txt host:out.txt'
tmux_wait_for '^copied /root' >/dev/null
check "#cp to the host" bash -c '[ "$(cat "$1")" = "$2" ]' _ "$launch/out.txt" "$mark"

type_enter "#envload dockenv-$$"
# shellcheck disable=SC2016
type_enter 'echo "got[$DOCKVAR]"'
check "#envload exports the variable" tmux_wait_for '^got\[a b \$c\]$'

tmux_send C-l
type_enter "#push $ref"
check "#push through docker reports success" tmux_wait_for "^Pushed $ref" 180
check "skopeo finds $ref in the registry" \
	bash -c 'skopeo inspect --config --tls-verify=false "docker://$1" >"$2" 2>&1' _ \
	"$ref" "$TEST_TMP/pushed.json"
check "the pushed config has no LD_PRELOAD, PAKS_ or /dev/.paks" \
	bash -c 'jq -e .config "$1" >/dev/null && ! jq -c .config "$1" | grep -Eq "LD_PRELOAD|PAKS_|/dev/\\.paks"' _ \
	"$TEST_TMP/pushed.json"

tmux_send C-l
type_enter '#export'
check "#export through docker reports the archive" \
	tmux_wait_for "^Exported $exported to $launch/base-saved_1.tar" 180
check "no temporary file is left" \
	bash -c '! ls -A "$1" | grep -q "^\.paks-export"' _ "$launch"
store=$TEST_TMP/store
mkdir -p "$store"
cleanup_add podman_t --root "$store/root" --runroot "$store/runroot" rmi --all --force
check "podman load takes the docker archive" \
	podman_t --root "$store/root" --runroot "$store/runroot" load -i "$launch/base-saved_1.tar"
check "the loaded image has the file" \
	bash -c '[ "$(podman --root "$1/root" --runroot "$1/runroot" run --rm "$2" cat /root/moved.txt)" = "$3" ]' _ \
	"$store" "$exported" "$mark"

type_enter 'exit 0'
check "the docker session ends with status 0" bash -c '[ "$1" = 0 ]' _ "$(tmux_wait_exit 60)"
check "the container is gone" \
	bash -c '! docker ps -a --format "{{.Names}}" | grep -qx "$1"' _ "$ctr-run"

# --- an engine on another machine that cannot be reached -----------------------------

# One `paks:` line that names where paks looked (tests/e2e/test_remote.sh
# runs sessions on engines elsewhere).
unreachable() { # WHERE CMD...
	local where=$1 out rc
	shift
	out=$("$@" </dev/null 2>&1)
	rc=$?
	[ $rc -eq 1 ] && [ "$(wc -l <<<"$out")" -eq 1 ] &&
		grep -q "^paks: .*not reachable at .*$where" <<<"$out" && return 0
	echo "exit $rc: $out"
	return 1
}
check "DOCKER_HOST=tcp://remote.invalid:2375: one line naming it" \
	unreachable tcp://remote.invalid:2375 env DOCKER_HOST=tcp://remote.invalid:2375 "$PAKS" run --container-tech docker "$IMG_BOOKWORM"
check "DOCKER_HOST=ssh://... that cannot be reached: one line naming it" \
	unreachable ssh://nobody@remote.invalid env DOCKER_HOST=ssh://nobody@remote.invalid "$PAKS" run --container-tech docker "$IMG_BOOKWORM"
docker context create "paks-dock-$$" --docker host=ssh://nobody@remote.invalid >/dev/null 2>&1
cleanup_add docker context rm -f "paks-dock-$$"
check "a docker context that cannot be reached: one line naming it" \
	unreachable "docker context paks-dock-$$" env -u DOCKER_HOST DOCKER_CONTEXT="paks-dock-$$" \
	"$PAKS" run --container-tech docker "$IMG_BOOKWORM"

finish
