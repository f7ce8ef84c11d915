#!/usr/bin/env bash
# shellcheck disable=SC2016 # lines typed into the pane expand there
# SPDX-License-Identifier: MIT
#
# Only the shell paks starts holds the connection, and nothing in the
# container writes what paks reads, runs or mounts (issue 20, items 3, 4
# and 6), on rootful podman, rootless podman and the tests' dockerd.  Each
# engine runs one bookworm session the way hostile image code would meet
# it:
#   - an entrypoint that leaves a daemon behind (`steal & exec "$@"`): the
#     daemon (tests/e2e/data/steal.c, built static here) asks for a host
#     variable on every socket it inherited, at the launcher's relay, and
#     at the runtime directory's socket;
#   - `-e PAKS_USER=nobody -e PAKS_CHECK_SHELL=/nonexistent`, and on
#     rootful podman and docker an image whose ENV says the same: they are
#     the user's variables, never paks's controls;
#   - writes, a FIFO, a symlink and 50 MB into /dev/.paks and the preload;
#   - a job of the shell's user that takes fd 100 of any dumpable process
#     with pidfd_getfd (tests/e2e/data/grab.c), as every process is right
#     after an exec: the entrypoint's take stage and `exec bash`.
# No host value may arrive anywhere in the container, and the user's own
# #envhost still works, after `exec bash` too.
#
# On an engine elsewhere (tests/remote-engine.sh: docker over tcp and over
# ssh, podman remote) the same attacks meet the bridge: the launcher's
# rendezvous is gone, and the bridge holds the session's stream
# non-dumpable.  There, a start with no entrypoint and no -e is a fast one
# (the shell runs before the bridge comes): a program the shell's rc file
# starts connects to the rendezvous, or puts its own socket in its place
# (tests/e2e/data/early.c).
#
# Environment: TRUST_ENGINES (default "podman rootless docker docker-tcp
# docker-ssh podman-remote").
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

ENGINES=${TRUST_ENGINES:-podman rootless docker docker-tcp docker-ssh podman-remote}
# shellcheck source=engines.sh
source "$(dirname "$0")/engines.sh"
export TMUX_WAIT_TIMEOUT=60
export RT3_SECRET="rt3-secret-$$-$RANDOM"
PAKS_CMD_ENV=RT3_SECRET
IMG_ENV=localhost/paks-test/trust-env:$$
IMG_FIFO=localhost/paks-test/trust-fifo:$$
run_id="$$-$RANDOM"

new_home

# The daemon, static, where every engine's user can read it.
WDIR=$RL_HOME/trust-launch-$run_id
mkdir -p "$WDIR"
cleanup_add rm -rf "$WDIR"
if ! gcc -static -O1 -o "$WDIR/steal" "$TEST_REPO/tests/e2e/data/steal.c" ||
	! gcc -static -O1 -o "$WDIR/grab" "$TEST_REPO/tests/e2e/data/grab.c" ||
	! gcc -static -O1 -o "$WDIR/early" "$TEST_REPO/tests/e2e/data/early.c"; then
	not_ok "the daemon builds"
	finish
fi
chmod 0755 "$RL_HOME" "$WDIR" "$WDIR/steal" "$WDIR/grab" "$WDIR/early"

# typed LINE REGEX [TIMEOUT]: type LINE and Enter, wait for REGEX.
typed() {
	tmux_type "$1"
	tmux_send Enter
	tmux_wait_for "$2" "${3:-$TMUX_WAIT_TIMEOUT}"
}

# shown DESC LINE REGEX: ok when typing LINE shows REGEX.
shown() {
	tmux_send C-l
	if typed "$2" "$3" 30; then ok "$1"; else not_ok "$1"; fi
}

# no_secret DESC: the secret shows nowhere on the screen or in its history.
no_secret() {
	if tmux_history | grep -qF "$RT3_SECRET"; then
		not_ok "$1"
		tmux_history | grep -F "$RT3_SECRET" | sed 's/^/#   |/'
	else
		ok "$1"
	fi
}

# --- the image whose ENV names paks's old controls ----------------------

prepare_env_image() {
	printf 'FROM %s\nENV PAKS_USER=nobody PAKS_CHECK_SHELL=/nonexistent\n' \
		"$IMG_BOOKWORM" >"$TEST_TMP/Containerfile"
	podman_t build -q --network none -t "$IMG_ENV" -f "$TEST_TMP/Containerfile" \
		"$TEST_TMP" >/dev/null || return 1
	cleanup_add podman_t rmi -f "$IMG_ENV"
	local e
	for e in $ENGINES; do
		case $e in
		docker | docker-* | podman-remote)
			podman_t save "$IMG_ENV" | eng "$e" load >/dev/null || return 1
			cleanup_add eng "$e" rmi -f "$IMG_ENV"
			;;
		esac
	done
}

# --- one engine ------------------------------------------------------------

# The attacks in one session of ENGINE.
session() {
	local e=$1 ep
	echo "# --- $e"
	# The entrypoint lets the shell start only once the daemon has been
	# at the relay, as a fast daemon would be.
	# It also plants a preload where a local session's is mounted: an
	# engine elsewhere has no mount there (remote.c).
	ep="sh -c '(mkdir -p /dev/.paks-lib; echo planted >/dev/.paks-lib/libpaks-preload.so) 2>/dev/null; /w/grab /tmp/grabbed RT3_SECRET 90 & /w/steal /tmp/stolen RT3_SECRET & until grep -q \"route take\" /tmp/stolen 2>/dev/null; do sleep 0.1; done; exec \"\$@\"' entry"
	tmux_start "launch-$e" "$(paks_cmd "$e" "$WDIR" run --name "paks-tl-$run_id-$e" \
		-v "$WDIR:/w:ro" --entrypoint "$ep" "$IMG_BOOKWORM")"
	if ! typed 'echo "ID=$(id -u)-$((6*7))"' '^ID=[0-9]+-42$' 120; then
		not_ok "$e: paks run starts with an entrypoint"
		tmux_stop "launch-$e"
		return
	fi
	ok "$e: paks run starts with an entrypoint"

	# 3. The entrypoint's daemon.
	tmux_send C-l
	if typed 'until grep -q "steal done" /tmp/stolen 2>/dev/null; do sleep 0.2; done; echo DAEMON-$((6*7))' \
		'^DAEMON-42$' 60; then
		ok "$e: the entrypoint's daemon tried its routes"
	else
		not_ok "$e: the entrypoint's daemon tried its routes"
	fi
	shown "$e: the daemon inherited no connection" \
		'echo "[$(grep -c "^route \(fd\|sock\|rendezvous\)\|got it\|bridge: opened" /tmp/stolen)]"' \
		'^\[0\]$'
	case $e in
	docker-* | podman-remote)
		shown "$e: the daemon found the bridge and could not write to paks" \
			'echo "[$(grep -c "route bridge: found" /tmp/stolen)]"' '^\[1\]$'
		;;
	esac
	shown "$e: the launcher's relay refused the daemon" \
		'echo "[$(grep -c "route take: refused" /tmp/stolen)]"' '^\[1\]$'
	# Typed in two halves: the whole value must never be on the screen.
	shown "$e: no host value reached the daemon" \
		"echo \"[\$(grep -c \"${RT3_SECRET:0:6}\"\"${RT3_SECRET:6}\" /tmp/stolen)]\"" \
		'^\[0\]$'

	# 4. The runtime directory and the preload are paks's alone.
	tmux_send C-l
	typed 'for p in /dev/.paks/x /dev/.paks/lib/x /dev/.paks-lib/x; do : >$p; done 2>/dev/null; mkfifo /dev/.paks/ids; ln -sf /dev/tty /dev/.paks/ids; truncate -s0 /dev/.paks/lib/libpaks-preload.so /dev/.paks-lib/libpaks-preload.so /dev/.paks/libpaks-preload.so; dd if=/dev/zero of=/dev/.paks/big bs=1M count=50 status=none; echo WROTE-$((6*7))' \
		'^WROTE-42$' 60
	# An engine elsewhere mounts paks's volume there (remote.c), and the
	# shell loads the preload from it.
	local files='lib paks-launch ' pre=/dev/.paks-lib/libpaks-preload.so
	case $e in
	docker-*) files='.paks-files-whole bridge libpaks-preload.so paks-launch ' ;;
	podman-remote) files='.paks-files-whole bridge libpaks-preload.so paks-launch seccomp.json ' ;;
	esac
	case $e in docker-* | podman-remote) pre=/dev/.paks/libpaks-preload.so ;; esac
	shown "$e: nothing was created in the runtime directory" \
		'echo "[$(ls -A /dev/.paks | tr "\n" " ")]"' "^\[${files//./\\.}\]$"
	shown "$e: the preload is whole" \
		"test -s $pre && echo PRELOAD-WHOLE" '^PRELOAD-WHOLE$'
	# Read by the shell itself: it is not dumpable, so no other process
	# may read its maps.
	shown "$e: the shell loaded paks's preload, not the entrypoint's" \
		'mapfile -t m </proc/$$/maps; for l in "${m[@]}"; do case $l in *libpaks-preload.so) echo "[${l##* }]" ;; esac; done | sort -u' \
		"^\[${pre//./\\.}\]\$"

	# The user's own #envhost, before and after `exec bash`.
	shown "$e: the user's #envhost works" \
		'#envhost RT3_SECRET' '^copied 1 variable'
	shown "$e: the variable arrived" \
		'bash -c "echo \"[\${#RT3_SECRET}]\""' "^\[${#RT3_SECRET}\]$"
	# A job of the user's takes fd 100 of whatever is dumpable: the shell
	# is not, but every process is right after an exec.
	tmux_send C-l
	typed '(/w/grab /tmp/grabbed RT3_SECRET 60 &); sleep 0.5' '[#$] *$'
	for _ in $(seq 20); do
		tmux_send C-l
		typed 'exec bash' '[#$] *$'
	done
	shown "$e: no job took the connection across an exec" \
		'echo "[$(grep -c "got it" /tmp/grabbed)]"' '^\[0\]$'
	typed 'unset RT3_SECRET' '[#$] *$'
	shown "$e: after exec bash the user's #envhost works" \
		'#envhost RT3_SECRET' '^copied 1 variable'
	no_secret "$e: the host value never showed on the screen"
	session_ends "$e" "$e" "launch-$e" "paks-tl-$run_id-$e"
}

# session_ends ENGINE DESC PANE CONTAINER: exit, and nothing is left.
session_ends() {
	typed 'exit' '.' 10
	if tmux_wait_exit 90 >/dev/null; then
		ok "$2: the session ends"
	else
		not_ok "$2: the session ends"
	fi
	tmux_stop "$3"
	if poll_until 30 eval "! eng $1 ps -a --format '{{.Names}}' | grep -qx $4"; then
		ok "$2: no container is left behind"
	else
		not_ok "$2: no container is left behind"
	fi
}

# 6. The user's -e PAKS_*, and an image whose ENV names paks's old
#    controls.
env_flags() {
	local e=$1
	tmux_start "flags-$e" "$(paks_cmd "$e" "$WDIR" run -e PAKS_USER=nobody \
		-e PAKS_CHECK_SHELL=/nonexistent "$IMG_BOOKWORM")"
	# Keys typed before the prompt are echoed twice, and the answer
	# lands on the prompt's line.
	tmux_wait_for '[#$] *$' 120 >/dev/null
	if typed 'echo "uid=$(id -u) [$PAKS_USER:$PAKS_CHECK_SHELL]"' \
		'^uid=[0-9]+ \[' 120 &&
		tmux_screen | grep -q '^uid=0 \[nobody:/nonexistent\]$'; then
		ok "$e: -e PAKS_USER and PAKS_CHECK_SHELL are only the user's variables"
	else
		not_ok "$e: -e PAKS_USER and PAKS_CHECK_SHELL are only the user's variables"
		_t_screen_dump
	fi
	typed 'exit' '.' 10
	tmux_wait_exit 60 >/dev/null
	tmux_stop "flags-$e"
}

image_env() {
	local e=$1
	tmux_start "env-$e" "$(paks_cmd "$e" "$WDIR" run "$IMG_ENV")"
	tmux_wait_for '[#$] *$' 120 >/dev/null
	if typed 'echo "uid=$(id -u) [$PAKS_USER]"' '^uid=[0-9]+ \[' 120; then
		if tmux_screen | grep -q '^uid=0 \[nobody\]$'; then
			ok "$e: an image's ENV PAKS_USER is only a variable"
		else
			not_ok "$e: an image's ENV PAKS_USER is only a variable"
			_t_screen_dump
		fi
	else
		not_ok "$e: an image with ENV PAKS_CHECK_SHELL starts"
	fi
	typed 'exit' '.' 10
	tmux_wait_exit 60 >/dev/null
	tmux_stop "env-$e"
}

# 7. A fast start on an engine elsewhere (no entrypoint, no -e): the shell
#    runs while the launcher's keeper still holds the rendezvous for the
#    bridge.  The shell's rc file (a bind-mounted /root/.bashrc) starts
#    tests/e2e/data/early.c before the prompt: MODE connect asks the
#    rendezvous for a host variable, and the bridge must still get
#    through; MODE replace puts its own socket there, and whatever connects
#    to it is asked, which must carry nothing to paks; MODE hijack makes
#    paks start bridge after bridge and tries to open each one's stream
#    to paks through /proc before it is non-dumpable.
early_session() {
	local e=$1 mode=$2 c="early-$1-$2" ctr="paks-tl-$run_id-$1-early-$2"
	echo "# --- $e: early $mode"
	printf '/w/early %s /tmp/early RT3_SECRET &\nuntil grep -q "early" /tmp/early 2>/dev/null; do sleep 0.05; done\n' \
		"$mode" >"$WDIR/rc-$mode"
	chmod 0644 "$WDIR/rc-$mode"
	tmux_start "$c" "$(paks_cmd "$e" "$WDIR" run --name "$ctr" -v "$WDIR:/w:ro" \
		-v "$WDIR/rc-$mode:/root/.bashrc:ro" "$IMG_BOOKWORM")"
	# The rc file holds the prompt back until the program has begun (in
	# hijack mode, while paks starts bridge after bridge): keys typed
	# before it come back glued to the echo of the line.
	tmux_wait_for '[#$%>] *$' 120 >/dev/null || true
	if ! typed 'echo "ID=$(id -u)-$((6*7))"' '^ID=[0-9]+-42$' 120; then
		not_ok "$e: early $mode: paks run starts"
		tmux_stop "$c"
		return
	fi
	tmux_send C-l
	if typed 'until grep -q "early done" /tmp/early; do sleep 0.2; done; echo EARLY-$((6*7))' \
		'^EARLY-42$' 90; then
		ok "$e: early $mode: the rc file's program tried the rendezvous"
	else
		not_ok "$e: early $mode: the rc file's program tried the rendezvous"
	fi
	if [ "$mode" = connect ]; then
		shown "$e: early connect: the keeper closed it unanswered" \
			'echo "[$(grep -c "^early connect: 0 bytes" /tmp/early)]"' '^\[1\]$'
		# A Ctrl-C at the prompt is the shell's alone (the keeper is
		# not in its process group).
		tmux_send C-c
		tmux_send C-c
		shown "$e: early connect: the user's #envhost works" \
			'#envhost RT3_SECRET' '^copied 1 variable'
	elif [ "$mode" = hijack ]; then
		shown "$e: early hijack: it met bridges" \
			'echo "[$(grep -c "^early hijack: denied [1-9]" /tmp/early)]"' '^\[1\]$'
		shown "$e: early hijack: no bridge's stream to paks could be opened" \
			'echo "[$(grep -c "^early hijack: opened" /tmp/early)]"' '^\[0\]$'
	else
		shown "$e: early replace: the bridge came to its socket" \
			'echo "[$(grep -c "^early replace: connected" /tmp/early)]"' '^\[1\]$'
		shown "$e: early replace: the bridge carried nothing back" \
			'echo "[$(grep -c "^early replace: 0 bytes" /tmp/early)]"' '^\[1\]$'
	fi
	shown "$e: early $mode: no host value reached it" \
		"echo \"[\$(grep -c \"${RT3_SECRET:0:6}\"\"${RT3_SECRET:6}\" /tmp/early)]\"" \
		'^\[0\]$'
	no_secret "$e: early $mode: the host value never showed on the screen"
	session_ends "$e" "$e: early $mode" "$c" "$ctr"
}

# An image whose bash is a FIFO: the launcher's look at the shell must not
# wait on it (paks waits for the launcher's report, and the container's
# first process ignores Ctrl-C).  Rootful podman only: it is the launcher's.
fifo_shell() {
	printf 'FROM %s\nRUN rm /usr/bin/bash && mkfifo -m 755 /usr/bin/bash\n' \
		"$IMG_BOOKWORM" >"$TEST_TMP/Containerfile.fifo"
	if ! podman_t build -q --network none -t "$IMG_FIFO" \
		-f "$TEST_TMP/Containerfile.fifo" "$TEST_TMP" >/dev/null; then
		not_ok "the image with a FIFO for bash builds"
		return
	fi
	cleanup_add podman_t rmi -f "$IMG_FIFO"
	tmux_start "fifo" "$(paks_cmd podman "$WDIR" run "$IMG_FIFO")"
	if tmux_wait_exit 60 >/dev/null; then
		ok "podman: a FIFO for the shell does not hang paks"
	else
		not_ok "podman: a FIFO for the shell does not hang paks"
	fi
	tmux_stop "fifo"
}

engines_setup "$IMG_BOOKWORM"
prepare_env_image || not_ok "the image with ENV PAKS_USER builds"
case " $ENGINES " in *" podman "*) fifo_shell ;; esac
for e in $ENGINES; do
	session "$e"
	env_flags "$e"
	[ "$e" = rootless ] || image_env "$e"
	case $e in
	docker-* | podman-remote)
		early_session "$e" connect
		early_session "$e" replace
		early_session "$e" hijack
		;;
	esac
done
finish
