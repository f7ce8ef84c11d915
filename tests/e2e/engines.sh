# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# The engines of the e2e rows, sourced after lib.sh by the tests that run on
# each of them: rootful podman, rootless podman as the tests' normal user
# (tests/rootless.sh; that user runs a staged copy of the build, so that a
# private checkout works), and the tests' own dockerd (tests/dockerd.sh,
# stopped by its pid when the test ends).
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
# Sets RL_USER, RL_HOME and RL_PAKS (the rootless user's copy of $PAKS).

TESTS_DIR=$TEST_REPO/tests
RL_USER=$("$TESTS_DIR/rootless.sh" user)
RL_HOME=$("$TESTS_DIR/rootless.sh" home)
RL_PAKS=""
PAKS_CMD_ENV=${PAKS_CMD_ENV:-}
eval "export $("$TESTS_DIR/dockerd.sh" env)"
export DOCKER_CONTEXT=

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
	esac
}

paks_cmd() {
	local e=$1 dir=$2 paks=$PAKS cmd v
	shift 2
	[ "$e" = rootless ] && paks=$RL_PAKS
	# An option of `paks run`: it goes after the subcommand.
	[ "$e" = docker ] && set -- "$1" --container-tech docker "${@:2}"
	printf -v cmd 'cd %q && exec env PAKS_LIB_DIR=%q' "$dir" "$(dirname "$paks")"
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

engines_setup() {
	local e
	for e in $ENGINES; do
		case $e in
		rootless)
			if "$TESTS_DIR/rootless.sh" setup "$@" >/dev/null &&
				RL_PAKS=$("$TESTS_DIR/rootless.sh" stage "$PAKS"); then
				cleanup_add rm -rf "$(dirname "$RL_PAKS")"
			else
				not_ok "the rootless user $RL_USER is set up"
				ENGINES=${ENGINES//rootless/}
			fi
			;;
		docker)
			cleanup_add "$TESTS_DIR/dockerd.sh" stop
			if ! "$TESTS_DIR/dockerd.sh" start "$@" >/dev/null; then
				not_ok "a real dockerd starts"
				ENGINES=${ENGINES//docker/}
			fi
			;;
		esac
	done
}
