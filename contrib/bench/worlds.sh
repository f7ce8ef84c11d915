# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Sourced by bench.sh: the worlds of the rows that need more than an
# engine on this machine, set up with the tests' own scripts.  Each
# *_world function returns 1 after one "skipped" line on stderr when its
# world cannot be had here; the measures of that world are then left out
# and the bench goes on.  worlds_stop undoes what was set up.
#
#   charliecloud  the Charliecloud tests' normal user, and dev.sqfs
#                 (tests/charliecloud.sh), run with ch-run as that user
#   remote        the tests' engine "on another host"
#                 (tests/remote-engine.sh), over tcp and over ssh
CH_BASE='' CH_PAKS='' REMOTE_STARTED=''

skipped() { say "bench: $1: skipped: $2"; }

# ch_world: CH_AS (an argv prefix: the user, a clean environment, the
# launch directory), CH_BASE (launch/ with dev.sqfs, cache/ for paks's
# writable copies) and CH_PAKS (the build, staged where the user can run
# it).
ch_world() {
	local user home log=$tmp/ch-world.log
	command -v ch-run >/dev/null ||
		{ skipped charliecloud "no ch-run (Debian: charliecloud-runtime)"; return 1; }
	command -v ch-convert >/dev/null ||
		{ skipped charliecloud "no ch-convert (Debian: charliecloud-builders)"; return 1; }
	[ "$(id -u)" -eq 0 ] ||
		{ skipped charliecloud "not root (tests/charliecloud.sh makes its normal user)"; return 1; }
	"$top/tests/charliecloud.sh" setup "$PAKS" >"$log" 2>&1 || {
		skipped charliecloud "tests/charliecloud.sh setup: $(tail -n 1 "$log")"
		return 1
	}
	user=$("$top/tests/rootless.sh" user)
	home=$("$top/tests/rootless.sh" home)
	CH_PAKS=$("$top/tests/rootless.sh" stage "$PAKS")
	CH_BASE=$("$top/tests/charliecloud.sh" workdir paks-bench)
	# setpriv and env -i, not su -: no login shell, no PAM session in
	# the times; ptydrive's TERM is lost to env -i, so it is given again.
	CH_AS=(setpriv "--reuid=$(id -u "$user")" "--regid=$(id -g "$user")"
		--init-groups env -i -C "$CH_BASE/launch" "HOME=$home" "USER=$user"
		"LOGNAME=$user" PATH=/usr/local/bin:/usr/bin:/bin TERM=xterm
		"XDG_CACHE_HOME=$CH_BASE/cache")
}

# remote_world: RE_TCP, RE_SSH and RE_BIN (tests/remote-engine.sh env),
# the engine started with $IMAGE loaded.  An engine already answering is
# someone else's and is left running; one started here is stopped.
remote_world() {
	local log=$tmp/remote-world.log
	[ "$(id -u)" -eq 0 ] ||
		{ skipped remote "not root (tests/remote-engine.sh starts a dockerd)"; return 1; }
	command -v dockerd >/dev/null ||
		{ skipped remote "no dockerd (Debian: docker.io)"; return 1; }
	eval "$("$top/tests/remote-engine.sh" env)"
	DOCKER_HOST=$RE_TCP DOCKER_CONTEXT='' docker info >/dev/null 2>&1 ||
		REMOTE_STARTED=1
	"$top/tests/remote-engine.sh" start "$IMAGE" >"$log" 2>&1 || {
		skipped remote "tests/remote-engine.sh start: $(tail -n 1 "$log")"
		return 1
	}
}

# remote_env tcp|ssh: E, and RENV for env(1): the docker CLI (and paks)
# pointed at the remote engine.
remote_env() {
	E=docker-$1
	case $1 in
	tcp) RENV=("DOCKER_HOST=$RE_TCP" DOCKER_CONTEXT=) ;;
	ssh) RENV=("DOCKER_HOST=$RE_SSH" DOCKER_CONTEXT= "PATH=$RE_BIN:$PATH") ;;
	esac
	PAKSRUN=(env "${RENV[@]}" "$PAKS" run --container-tech docker)
	PLAINRUN=(env "${RENV[@]}" docker)
}

worlds_stop() {
	if [ -n "$CH_BASE" ]; then rm -rf "$CH_BASE"; fi
	if [ -n "$CH_PAKS" ]; then rm -rf "$(dirname "$CH_PAKS")"; fi
	if [ -n "$REMOTE_STARTED" ]; then
		"$top/tests/remote-engine.sh" stop >/dev/null 2>&1 || true
	fi
}
