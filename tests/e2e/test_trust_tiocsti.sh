#!/usr/bin/env bash
# shellcheck disable=SC2016 # lines typed into the pane expand there
# SPDX-License-Identifier: MIT
#
# Typed-in keystrokes (issue 20, item 1).  Any process that shares the
# shell's terminal can push bytes into its input with ioctl(TIOCSTI), and
# the shell reads them as if the user had typed them: a job an install
# script left behind could type `#envhost RT3_SECRET` at the prompt.  paks
# gives the container a seccomp profile that refuses TIOCSTI (and
# TIOCLINUX), also with high bits set in the request (CVE-2019-10063).
#
# On rootful podman, rootless podman and the tests' dockerd, with a root
# image, an image with USER alice and busybox (PTY mode), in `paks run` in
# tmux: a tiny static typer built here (tests/e2e/data/sti.c), mounted
# into the container, runs in the background and types `#envhost
# RT3_SECRET` and a line that writes "$RT3_SECRET" to a file, once plainly
# and once with a high bit set.  It gets EPERM; no host value arrives anywhere in the container or
# on the screen; the shell has no no_new_privs (su and setuid programs
# work); ordinary terminal ioctls work; and the user's own #envhost still
# does.  With podman's seccomp turned off in containers.conf, paks says
# once, in one line, which kernel setting closes the route.
#
# Environment: TIOCSTI_ENGINES (default "podman rootless docker"),
# TIOCSTI_IMAGES (default "root user busybox") select cells.
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

: "${IMG_BOOKWORM_USER:=localhost/paks-test/bookworm-user}"
ENGINES=${TIOCSTI_ENGINES:-podman rootless docker}
IMAGES=${TIOCSTI_IMAGES:-root user busybox}
# shellcheck source=engines.sh
source "$(dirname "$0")/engines.sh"
export TMUX_WAIT_TIMEOUT=60
run_id="$$-$RANDOM"
SECRET="rt3-secret-$run_id"
export RT3_SECRET=$SECRET
PAKS_CMD_ENV=RT3_SECRET

new_home

image_of() { # KEY
	case $1 in
	root) echo "$IMG_BOOKWORM" ;;
	user) echo "$IMG_BOOKWORM_USER" ;;
	busybox) echo "$IMG_BUSYBOX" ;;
	esac
}

# The shell answers: a prompt, then a line typed at it runs.
shell_ready() {
	tmux_wait_for '[$#] ?$' 120 >/dev/null || true
	tmux_type 'echo READY-$((6*7))'
	tmux_send Enter
	tmux_wait_for '^READY-42' 120
}

# typed LINE REGEX [TIMEOUT]: type LINE and Enter, wait for REGEX.
typed() {
	tmux_type "$1"
	tmux_send Enter
	tmux_wait_for "$2" "${3:-$TMUX_WAIT_TIMEOUT}"
}

# ctr_file ENGINE CTR PATH: the file's text, as root in the container.
ctr_file() {
	eng "$1" exec "$2" /bin/cat "$3" 2>/dev/null
}

# ctr_has ENGINE CTR PATH: the file exists (the typer is done).
ctr_has() {
	eng "$1" exec "$2" /bin/sh -c 'test -e "$1"' sh "$3" 2>/dev/null
}

# no_secret_in_ctr ENGINE CTR: no file in the container holds the host
# value (the kernel's and the engine's pseudo-filesystems aside; busybox's
# grep has no --exclude-dir).
no_secret_in_ctr() {
	local hits
	hits=$(eng "$1" exec "$2" /bin/sh -c 'for d in /*; do
		case $d in /proc | /sys | /dev) continue ;; esac
		grep -rlsF -e "$1" "$d"
	done' sh "$SECRET" 2>&1)
	[ -z "$hits" ] || { echo "the host value is in: $hits"; return 1; }
}

no_secret_on_screen() {
	! tmux_history | grep -qF "$SECRET"
}

# attack ENGINE CTR CELL VARIANT [--high]: the typer, left in the
# background as an install script would leave it, types a #envhost line
# and a line that writes the variable to a file.
attack() {
	local e=$1 ctr=$2 c=$3 v=$4 high=${5:-} res
	tmux_send C-l
	typed "(sleep 1; /opt/sti/sti $high '#envhost RT3_SECRET\\n echo \"\$RT3_SECRET\" > /tmp/stolen-$v\\n' /tmp/sti-$v) &" '[$#] ?$'
	if poll_until 60 ctr_has "$e" "$ctr" "/tmp/sti-$v"; then
		ok "$c: the $v typer ran"
	else
		not_ok "$c: the $v typer ran"
	fi
	# Whatever it typed is in the terminal's input before this line, so
	# it has run when this line has.
	typed "echo MARK-$v-\$((6*7))" "^MARK-$v-42" 60 >/dev/null
	res=$(ctr_file "$e" "$ctr" "/tmp/sti-$v")
	expect_same "$c: the $v TIOCSTI is refused with EPERM" \
		"Operation not permitted" "$res"
	check "$c: after the $v typer, no host value in the container" \
		no_secret_in_ctr "$e" "$ctr"
	check "$c: after the $v typer, no host value on the screen" \
		no_secret_on_screen
	typed 'echo "[${RT3_SECRET:-unset}]"' '^\[(unset|rt3-secret-.*)\]$' >/dev/null
	check "$c: after the $v typer, the shell has no host value" \
		tmux_wait_for '^\[unset\]$' 1
}

cell() { # ENGINE KEY
	local e=$1 key=$2 c="$1/$2" img dir ctr="paks-sti-$run_id-$1-$2"
	local sess="$1-$2"
	img=$(image_of "$key")
	echo "# --- cell $c ($img)"
	case $e in
	rootless) dir=$RL_HOME/sti-$run_id ;;
	*) dir=$TEST_TMP/launch ;;
	esac

	tmux_start "$sess" "$(paks_cmd "$e" "$dir" run --name "$ctr" \
		-v "$dir/sti:/opt/sti:ro" "$img")"
	if ! shell_ready; then
		not_ok "$c: paks run starts a shell"
		tmux_stop "$sess"
		return
	fi
	ok "$c: paks run starts a shell"
	if tmux_history | grep -q 'legacy_tiocsti'; then
		not_ok "$c: no warning about TIOCSTI at start"
		_t_screen_dump
	else
		ok "$c: no warning about TIOCSTI at start"
	fi

	attack "$e" "$ctr" "$c" plain
	attack "$e" "$ctr" "$c" high --high

	# No no_new_privs: su and setuid programs keep working.
	typed 'grep NoNewPrivs /proc/$$/status' '^NoNewPrivs:' >/dev/null
	check "$c: the shell has no no_new_privs" \
		tmux_wait_for '^NoNewPrivs:[[:space:]]+0$' 1
	case $key in
	root)
		typed "su -s /bin/sh nobody -c 'echo su-as-\$(id -un)'" '^su-as-' >/dev/null
		check "$c: su works" tmux_wait_for '^su-as-nobody$' 1
		;;
	user)
		# passwd -S reads /etc/shadow only as setuid root.
		typed 'passwd -S' '^alice ' >/dev/null
		check "$c: a setuid program gains its privileges" \
			tmux_wait_for '^alice [LPN]+ [0-9]{4}-' 1
		;;
	esac
	typed 'stty size' '^[0-9]+ [0-9]+$' >/dev/null
	check "$c: ordinary terminal ioctls work (stty size)" \
		tmux_wait_for '^50 200$' 1

	# The user's own #envhost.
	tmux_send C-l
	typed '#envhost RT3_SECRET' '[$#] ?$' >/dev/null
	typed 'echo "[${RT3_SECRET:-unset}]"' '^\[(unset|rt3-secret-.*)\]$' >/dev/null
	check "$c: the user's own #envhost still works" \
		tmux_wait_for "^\[$SECRET\]$" 1

	tmux_type 'exit 0'
	tmux_send Enter
	check "$c: the session ends with status 0" \
		bash -c '[ "$1" = 0 ]' _ "$(tmux_wait_exit 60)"
	tmux_stop "$sess"
}

# --- the typer -------------------------------------------------------------------

if ! gcc -static -O2 -o "$TEST_TMP/sti" "$(dirname "$0")/data/sti.c"; then
	not_ok "the TIOCSTI typer builds"
	finish
fi
mkdir -p "$TEST_TMP/launch/sti"
install -m 0755 "$TEST_TMP/sti" "$TEST_TMP/launch/sti/sti"

# --- set up the engines ----------------------------------------------------------

all_imgs=()
for k in $IMAGES; do
	all_imgs+=("$(image_of "$k")")
done
engines_setup "${all_imgs[@]}"
case " $ENGINES " in
*" rootless "*)
	as_rl mkdir -p "$RL_HOME/sti-$run_id/sti"
	cleanup_add rm -rf "$RL_HOME/sti-$run_id"
	install -o "$RL_USER" -m 0755 "$TEST_TMP/sti" \
		"$RL_HOME/sti-$run_id/sti/sti"
	;;
esac

if [ "$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null || echo 1)" = 0 ]; then
	skip "this kernel refuses TIOCSTI itself (dev.tty.legacy_tiocsti=0): paks needs no profile"
fi

for e in $ENGINES; do
	for k in $IMAGES; do
		cell "$e" "$k"
	done
done

# --- no way to refuse it: one line that names the kernel setting -----------------

# paks_script CONF: paks with a script on stdin and CONTAINERS_CONF=CONF;
# sets OUT, ERR, RC.
paks_script() {
	run env CONTAINERS_CONF="$1" "$PAKS" run "$IMG_BOOKWORM" <<<'echo ran-$((6*7))'
}
case " $ENGINES " in
*" podman "*)
	sed '/^\[containers\]/a seccomp_profile = "unconfined"' \
		"$CONTAINERS_CONF" >"$TEST_TMP/unconfined.conf"
	paks_script "$TEST_TMP/unconfined.conf"
	check "podman without seccomp: the shell still runs" \
		grep -qx 'ran-42' <<<"$OUT"
	expect_same "podman without seccomp: one line names dev.tty.legacy_tiocsti=0" \
		1 "$(grep -c 'dev\.tty\.legacy_tiocsti=0' <<<"$ERR")"
	check "podman without seccomp: that line is paks's" \
		grep -q '^paks: .*legacy_tiocsti' <<<"$ERR"
	paks_script "$CONTAINERS_CONF"
	check "podman with seccomp: no such line" \
		bash -c '! grep -q legacy_tiocsti <<<"$1"' _ "$ERR"
	check "the profile is in paks's cache, not the runtime dir" \
		compgen -G "$XDG_CACHE_HOME/paks/seccomp/podman-*.json"
	;;
esac

# shellcheck disable=SC2119
tmux_stop
for e in $ENGINES; do
	left=$(eng "$e" ps -a --format '{{.Names}}' | grep "^paks-sti-$run_id-" || true)
	check "$e: no container of this run is left${left:+ ($left)}" test -z "$left"
done

finish
