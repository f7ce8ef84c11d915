# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# The engines of the e2e rows, sourced after lib.sh by the tests that run on
# each of them: rootful podman, rootless podman as the tests' normal user
# (tests/rootless.sh; that user runs a staged copy of the build, so that a
# private checkout works), and the tests' own dockerd (tests/dockerd.sh,
# stopped by its pid when the test ends).  The remote rows reach an engine
# that cannot see this machine's files (tests/remote-engine.sh): docker-tcp
# (DOCKER_HOST=tcp://127.0.0.1:PORT), docker-ssh (DOCKER_HOST=ssh://...),
# docker-ctx (a docker context) and podman-remote (podman --remote --url).
#
# Contract:
#   engines_setup IMAGE...     set up each engine of $ENGINES with the
#                              images; an engine that cannot be set up
#                              gets a "not ok" and leaves $ENGINES
#   as_rl CMD...               an argv as the rootless user, logged in
#   eng ENGINE ARGS...         the engine's own CLI, as paks's user there
#   paks_cmd ENGINE DIR ARGS...  the command line tmux runs for
#                              `paks ARGS` in DIR as that engine's user;
#                              the variables named in $PAKS_CMD_ENV go along
#                              (a login drops the environment)
#   paks_cli ENGINE ARGS...    paks without a terminal, as that user
#   engine_dir ENGINE NAME     a new directory that engine's user can use,
#                              removed at the end
#   image_config ENGINE IMAGE  the parts of IMAGE's config a save keeps
#                              (config_of)
#   same_config WANT GOT       equal, else the diff and 1
#   gone ENGINE CONTAINER      the engine knows no such container
# Sets RL_USER, RL_HOME and RL_PAKS (the rootless user's copy of $PAKS).

TESTS_DIR=$TEST_REPO/tests
RL_USER=$("$TESTS_DIR/rootless.sh" user)
RL_HOME=$("$TESTS_DIR/rootless.sh" home)
RL_PAKS=""
PAKS_CMD_ENV=${PAKS_CMD_ENV:-}
eval "export $("$TESTS_DIR/dockerd.sh" env)"
export DOCKER_CONTEXT=
eval "$("$TESTS_DIR/remote-engine.sh" env)"

# The environment a remote row's docker or podman CLI runs with, as
# NAME=VALUE words for env(1) (after -u DOCKER_HOST for a context).
remote_env() {
	case $1 in
	docker-tcp) echo "DOCKER_HOST=$RE_TCP" ;;
	docker-ssh) echo "DOCKER_HOST=$RE_SSH PATH=$RE_BIN:$PATH" ;;
	docker-ctx) echo "-u DOCKER_HOST DOCKER_CONTEXT=$RE_CONTEXT" ;;
	podman-remote) echo "CONTAINER_HOST=$RE_PODMAN" ;;
	esac
}

# The engine program of a row.
engine_of() {
	case $1 in
	docker*) echo docker ;;
	*) echo podman ;;
	esac
}

as_rl() {
	local cmd
	printf -v cmd '%q ' "$@"
	su - "$RL_USER" -c "$cmd"
}

eng() {
	local e=$1
	shift
	case $e in
	podman) podman_t "$@" ;;
	rootless) as_rl podman "$@" ;;
	docker) docker "$@" ;;
	docker-* | podman-remote)
		# shellcheck disable=SC2046 # words for env
		env $(remote_env "$e") "$(engine_of "$e")" "$@"
		;;
	esac
}

paks_cmd() {
	local e=$1 dir=$2 paks=$PAKS cmd v
	shift 2
	[ "$e" = rootless ] && paks=$RL_PAKS
	# An option of `paks run`: it goes after the subcommand.
	[ "$(engine_of "$e")" = docker ] && set -- "$1" --container-tech docker "${@:2}"
	printf -v cmd 'cd %q && exec env %s PAKS_LIB_DIR=%q' "$dir" \
		"$(remote_env "$e")" "$(dirname "$paks")"
	for v in $PAKS_CMD_ENV; do
		printf -v cmd '%s %q' "$cmd" "$v=${!v}"
	done
	printf -v cmd '%s %q%s' "$cmd" "$paks" "$(printf ' %q' "$@")"
	case $e in
	rootless) printf 'exec su - %q -c %q' "$RL_USER" "$cmd" ;;
	*) printf '%s' "$cmd" ;;
	esac
}

paks_cli() {
	local e=$1
	shift
	case $e in
	rootless) as_rl env PAKS_LIB_DIR="$(dirname "$RL_PAKS")" "$RL_PAKS" "$@" ;;
	# shellcheck disable=SC2046 # words for env
	docker-* | podman-remote) env $(remote_env "$e") "$PAKS" "$@" ;;
	*) "$PAKS" "$@" ;;
	esac
}

engine_dir() {
	local d
	case $1 in
	rootless)
		d=$(mktemp -d "$RL_HOME/$2.XXXXXX") && chown "$RL_USER" "$d"
		;;
	*) d=$(mktemp -d "$TEST_TMP/$2.XXXXXX") ;;
	esac
	cleanup_add rm -rf "$d"
	echo "$d"
}

image_config() { # ENGINE IMAGE
	eng "$1" image inspect --format '{{json .Config}}' "$2" | config_of
}

same_config() { # WANT GOT
	[ "$1" = "$2" ] && return 0
	diff <(echo "$1") <(echo "$2")
	return 1
}

gone() { # ENGINE CONTAINER
	! eng "$1" ps -a --format '{{.Names}}' | grep -qx "$2"
}

engines_setup() {
	local e
	for e in $ENGINES; do
		case $e in
		rootless)
			if "$TESTS_DIR/rootless.sh" setup "$@" >/dev/null &&
				RL_PAKS=$("$TESTS_DIR/rootless.sh" stage "$PAKS"); then
				cleanup_add rm -rf "${RL_PAKS%/build/*}"
			else
				not_ok "the rootless user $RL_USER is set up"
				ENGINES=${ENGINES//rootless/}
			fi
			;;
		docker)
			cleanup_add "$TESTS_DIR/dockerd.sh" stop
			if ! "$TESTS_DIR/dockerd.sh" start "$@" >/dev/null; then
				not_ok "a real dockerd starts"
				ENGINES=$(tr ' ' '\n' <<<"$ENGINES" | grep -vx docker | tr '\n' ' ')
			fi
			;;
		docker-* | podman-remote)
			# Started once for all remote rows, stopped at the end.
			[ -n "${_RE_STARTED:-}" ] && continue
			_RE_STARTED=1
			cleanup_add "$TESTS_DIR/remote-engine.sh" stop
			if ! "$TESTS_DIR/remote-engine.sh" start "$@" >/dev/null; then
				not_ok "an engine on another host starts"
				ENGINES=$(tr ' ' '\n' <<<"$ENGINES" | grep -v -e '^docker-' -e '^podman-remote$' | tr '\n' ' ')
			fi
			;;
		esac
	done
}
