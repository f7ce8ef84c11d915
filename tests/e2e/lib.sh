# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Helpers for the end-to-end tests, sourced by every tests/e2e/test_*.sh.
# They print TAP-like "ok - ..." / "not ok - ..." lines, drive a private tmux
# server the way a person types (send-keys, capture-pane), and clean up on
# every exit path: the tmux server goes first (waiting for its panes'
# commands to end), then registered cleanups run in reverse order, then the
# temporary directory goes.  The built artifacts come in through
# $PAKS and $PAKS_LIB_DIR (defaults: build/), test images through $IMG_*.
#
# Contract: ok DESC | not_ok DESC | skip DESC | check DESC CMD... | finish
#   poll_until SECS CMD...
#   tmux_start NAME CMD... | tmux_use NAME | tmux_send KEYS... | tmux_type TEXT
#   type_enter TEXT | tmux_wait_for REGEX [TIMEOUT] | tmux_screen | tmux_history
#   expect_screen DESC REGEX [TIMEOUT] | expect_no_screen DESC REGEX
#   shell_ready [TIMEOUT]
#   tmux_pane_dead_status | tmux_wait_exit [TIMEOUT] | tmux_stop [NAME]
#   new_home | podman_t ARGS... | cleanup_add CMD... | wait_no_container PREFIX
#   port_free PORT | config_of (jq filter on stdin) | paks_main_pid REGEX
#   run CMD... (sets OUT ERR RC) | expect DESC RC [STDOUT] | expect_err DESC TEXT
#   run_with TYPE-CMD... | run_line LINE [SECS] (one line between two prompts
#   matching $PROMPT_RE; OUT is what it printed)
#   expect_same DESC WANT GOT

TEST_NAME=$(basename "${BASH_SOURCE[1]:-$0}" .sh)
TEST_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

: "${PAKS:=$TEST_REPO/build/paks}"
: "${PAKS_LIB_DIR:=$(dirname "$PAKS")}"
: "${CONTAINERS_CONF:=$TEST_REPO/tests/containers.conf}"
export PAKS PAKS_LIB_DIR CONTAINERS_CONF

: "${IMG_BOOKWORM:=localhost/paks-test/bookworm}"
: "${IMG_BULLSEYE:=localhost/paks-test/bullseye}"
: "${IMG_TRIXIE:=localhost/paks-test/trixie}"
: "${IMG_BUSYBOX:=localhost/paks-test/busybox}"
: "${IMG_BOOKWORM_ZSH:=localhost/paks-test/bookworm-zsh}"
export IMG_BOOKWORM IMG_BULLSEYE IMG_TRIXIE IMG_BUSYBOX IMG_BOOKWORM_ZSH

# Seconds tmux_wait_for waits before it gives up (a guard, not an assertion).
: "${TMUX_WAIT_TIMEOUT:=30}"

TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/paks-$TEST_NAME.XXXXXX")
export TEST_TMP
TMUX_SOCK="paks-test-$$"
TMUX_TARGET=""
_T_PASS=0
_T_FAIL=0
_T_FINISHED=0
_T_CLEANUPS=()

# --- results -------------------------------------------------------------

ok() {
	_T_PASS=$((_T_PASS + 1))
	echo "ok - $*"
}

not_ok() {
	_T_FAIL=$((_T_FAIL + 1))
	echo "not ok - $*"
}

# skip DESC: a check this machine cannot run; it counts neither way.
skip() {
	echo "# skipped: $*"
}

# check DESC CMD...: ok when CMD exits 0; its output is shown only on failure.
check() {
	local desc=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	if [ $rc -eq 0 ]; then
		ok "$desc"
	else
		not_ok "$desc"
		printf '#   %s (exit %d)\n' "$*" "$rc"
		[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/#   /' | head -n 40
	fi
	return 0
}

# poll_until SECS CMD...: run CMD every 0.1s until it exits 0 (then 0), or
# until SECS seconds have passed (then 1).  CMD runs at least once.  The
# one polling loop of the tests: a guard against hangs, not an assertion.
poll_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.1
	done
}

# Print the summary and exit: 0 only if every check passed and there was one.
finish() {
	_T_FINISHED=1
	if [ $((_T_PASS + _T_FAIL)) -eq 0 ]; then
		not_ok "$TEST_NAME ran no checks"
	fi
	echo "# $TEST_NAME: $_T_PASS ok, $_T_FAIL not ok"
	[ "$_T_FAIL" -eq 0 ] && exit 0
	exit 1
}

# --- cleanup ---------------------------------------------------------------

cleanup_add() {
	local cmd
	printf -v cmd '%q ' "$@"
	_T_CLEANUPS+=("$cmd")
}

_t_cleanup() {
	local rc=$? i
	trap - EXIT INT TERM HUP
	# A script that died (set -e, a typo, a signal) before finish fails.
	if [ "$_T_FINISHED" -eq 0 ]; then
		not_ok "$TEST_NAME ended before finish (exit $rc)"
		[ $rc -ne 0 ] || rc=1
	fi
	# The panes first: a paks that gets SIGHUP removes its own container.
	# shellcheck disable=SC2119
	tmux_stop >/dev/null 2>&1
	for ((i = ${#_T_CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${_T_CLEANUPS[i]}" >/dev/null 2>&1 || true
	done
	rm -rf "$TEST_TMP"
	exit $rc
}
trap _t_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# --- environment -----------------------------------------------------------

# A fresh, empty HOME and XDG config/data/state/cache dirs, exported.
new_home() {
	NEW_HOME=$(mktemp -d "$TEST_TMP/home.XXXXXX")
	export HOME=$NEW_HOME
	export XDG_CONFIG_HOME=$NEW_HOME/.config
	export XDG_DATA_HOME=$NEW_HOME/.local/share
	export XDG_STATE_HOME=$NEW_HOME/.local/state
	export XDG_CACHE_HOME=$NEW_HOME/.cache
	mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_STATE_HOME" \
		"$XDG_CACHE_HOME"
}

podman_t() {
	CONTAINERS_CONF=$CONTAINERS_CONF podman "$@"
}

# wait_no_container [PREFIX]: ok when no container whose name starts with
# PREFIX (default "paks-") exists, waiting up to TMUX_WAIT_TIMEOUT seconds
# for containers that are still being removed.
wait_no_container() {
	local prefix=${1:-paks-} left
	poll_until "$TMUX_WAIT_TIMEOUT" _t_no_container "$prefix"
	if [ -z "$left" ]; then
		ok "no container named $prefix* left"
	else
		not_ok "no container named $prefix* left (found: $left)"
	fi
}

# Sets the caller's left to the containers named PREFIX*; 0 when none.
_t_no_container() {
	left=$(podman_t ps -a --format '{{.Names}}' 2>/dev/null |
		awk -v p="$1" 'index($0, p) == 1 { printf "%s ", $0 }')
	[ -z "$left" ]
}

# port_free PORT: nothing listens on 127.0.0.1:PORT.
port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# config_of: the parts of an image config (JSON on stdin) that a save, push
# or export must keep.  Missing lists are empty and an empty WorkingDir is
# "/", as podman records "/" for an image whose WorkingDir is empty.
config_of() {
	jq -S '{Env: (.Env // []), Cmd: (.Cmd // []),
		Entrypoint: (.Entrypoint // []),
		WorkingDir: (if (.WorkingDir // "") == "" then "/" else .WorkingDir end),
		User: (.User // ""), Labels: (.Labels // {})}'
}

# --- tmux --------------------------------------------------------------------

_t_tmux() {
	tmux -L "$TMUX_SOCK" "$@"
}

# The server starts from a clean environment and a config of our own, never
# the user's ~/.tmux.conf.  remain-on-exit keeps a finished pane so its exit
# status and last screen can still be read.
_t_tmux_server() {
	local conf=$TEST_TMP/tmux.conf
	_t_tmux has-session >/dev/null 2>&1 && return 0
	cat >"$conf" <<-'EOF'
		set -g default-terminal xterm-256color
		set -g default-shell /bin/bash
		set -g default-size 200x50
		set -g remain-on-exit on
		set -g status off
		set -g history-limit 10000
		set -g escape-time 0
		set -g exit-empty off
	EOF
	env -i PATH="$PATH" HOME="$HOME" TERM=xterm-256color \
		LANG="${LANG:-C.UTF-8}" \
		tmux -L "$TMUX_SOCK" -f "$conf" start-server
}

# tmux_start NAME CMD...: a 200x50 session NAME (no '.' or ':') running
# CMD, which becomes the target of the other tmux_* helpers.  CMD gets this
# script's current environment (PAKS, HOME from new_home...) with
# TERM=xterm-256color; a single argument is run by bash -c, several are an
# argv; none starts bash --norc.
tmux_start() {
	local name=$1 envs=() kv
	shift
	[ $# -gt 0 ] || set -- /bin/bash --norc --noprofile
	[ $# -eq 1 ] && set -- /bin/bash -c "$1"
	_t_tmux_server || return 1
	while IFS= read -r -d '' kv; do
		case $kv in
		TMUX=* | TMUX_PANE=* | TERM=* | COLUMNS=* | LINES=*) ;;
		*) envs+=("$kv") ;;
		esac
	done < <(env -0)
	_t_tmux new-session -d -s "$name" -x 200 -y 50 -- \
		/usr/bin/env -i "${envs[@]}" TERM=xterm-256color "$@" || return 1
	TMUX_TARGET=$name
}

# The target pane: session TMUX_TARGET exactly ("=a:" never means "ab").
_t_target() {
	case $TMUX_TARGET in
	*:*) printf '%s' "$TMUX_TARGET" ;;
	*) printf '=%s:' "$TMUX_TARGET" ;;
	esac
}

# tmux_use NAME: make session NAME the target of the tmux_* helpers.
tmux_use() {
	TMUX_TARGET=$1
}

tmux_send() {
	_t_tmux send-keys -t "$(_t_target)" "$@"
}

# Literal text, no key names: tmux_type '#save' then tmux_send Enter.
tmux_type() {
	_t_tmux send-keys -t "$(_t_target)" -l -- "$1"
}

# type_enter TEXT: type TEXT literally and press Enter.
type_enter() {
	tmux_type "$1" && tmux_send Enter
}

tmux_screen() {
	_t_tmux capture-pane -p -J -t "$(_t_target)"
}

# The whole scrollback plus the screen.
tmux_history() {
	_t_tmux capture-pane -p -J -S - -t "$(_t_target)"
}

# The screen for a failure message: indented, trailing blank lines dropped.
_t_screen_dump() {
	tmux_screen 2>&1 | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' |
		sed -e 's/^/#   |/'
}

# tmux_wait_for REGEX [TIMEOUT]: poll the screen until an extended regex
# matches a line.  On timeout the screen goes to stderr and it returns 1.
tmux_wait_for() {
	local re=$1 timeout=${2:-$TMUX_WAIT_TIMEOUT}
	poll_until "$timeout" _t_screen_has "$re" && return 0
	{
		echo "# tmux_wait_for: no match for /$re/ after ${timeout}s; screen of $TMUX_TARGET:"
		_t_screen_dump
	} >&2
	return 1
}

_t_screen_has() {
	tmux_screen 2>/dev/null | grep -Eq -- "$1"
}

# expect_screen DESC REGEX [TIMEOUT]: ok when REGEX shows up on the screen
# within TIMEOUT seconds, not ok (with the screen) when it does not.
expect_screen() {
	if tmux_wait_for "$2" "${3:-$TMUX_WAIT_TIMEOUT}"; then
		ok "$1"
	else
		not_ok "$1"
	fi
}

# expect_no_screen DESC REGEX: ok when no line on the screen matches now.
expect_no_screen() {
	if _t_screen_has "$2"; then
		not_ok "$1"
		_t_screen_dump
	else
		ok "$1"
	fi
}

# shell_ready [TIMEOUT]: wait (default 90s) until the shell in the target
# pane runs a command.
shell_ready() {
	# A prompt first: on an image's first run in PTY mode the launcher may
	# ask for a second start, and keys typed before it would be lost.
	tmux_wait_for '[#$%>] *$' "${1:-90}" >/dev/null || true
	# shellcheck disable=SC2016 # typed into the container's shell
	type_enter 'echo READY-$((6*7))'
	tmux_wait_for '^READY-42' "${1:-90}"
}

# paks_comm_pid COMM REGEX: the pid of the process named COMM whose
# command line matches REGEX.
paks_comm_pid() {
	local p
	for p in $(pgrep -f -- "$2"); do
		if [ "$(ps -o comm= -p "$p")" = "$1" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# paks_main_pid REGEX: the pid of the paks process whose command line
# matches REGEX; not its server or its guard beside it (comm "paks-serve",
# "paks-guard"), which have the same command line.
paks_main_pid() { paks_comm_pid paks "$1"; }

# paks_guard_pid REGEX: the pid of that paks's guard, which removes the
# container when paks is killed.
paks_guard_pid() { paks_comm_pid paks-guard "$1"; }

# --- one line between two prompts (set PROMPT_RE first) ------------------

RUN_MARK=0

# What the pane shows after the line BEGIN-$RUN_MARK, trailing blank lines
# cut.
_t_section() {
	tmux_history | sed -n "/^BEGIN-$RUN_MARK\$/,\$p" | sed 1d |
		sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}

# The section has at least MIN lines and ends with a bare prompt.
_t_at_prompt() { # MIN
	local sec
	sec=$(_t_section)
	[ "$(wc -l <<<"$sec")" -ge "$1" ] &&
		tail -n 1 <<<"$sec" | grep -Eq "$PROMPT_RE"
}

# run_with TYPE-CMD...: mark the scrollback, let TYPE-CMD type one line at
# a fresh prompt, press Enter and wait for the next prompt; OUT holds what
# the shell printed in between.  Nothing is typed ahead, so a running
# command never echoes the next line.  Returns 1 if no prompt came (within
# POLL_TIMEOUT, default TMUX_WAIT_TIMEOUT).
run_with() {
	local t=${POLL_TIMEOUT:-$TMUX_WAIT_TIMEOUT}
	RUN_MARK=$((RUN_MARK + 1))
	OUT=""
	type_enter "echo BEGIN-$RUN_MARK"
	poll_until "$t" _t_at_prompt 1 || { _t_screen_dump >&2; return 1; }
	"$@"
	tmux_send Enter
	poll_until "$t" _t_at_prompt 2 || { _t_screen_dump >&2; return 1; }
	OUT=$(_t_section | sed 1d | sed '$d')
}

# run_line LINE [TIMEOUT]: run_with, typing LINE.
run_line() {
	POLL_TIMEOUT=${2:-$TMUX_WAIT_TIMEOUT} run_with tmux_type "$1"
}

# Prints the exit status of the target pane's command once it has ended
# (128+N for a signal, as the shell does); returns 1 while it still runs.
# tmux marks the pane dead when the pty closes, which can be before it has
# reaped the child, so a dead pane without a status yet still counts as
# running.  tmux 3.3a sometimes misses the SIGCHLD of a command that dies
# at once and leaves it a zombie; a SIGCHLD to our own server makes it reap.
tmux_pane_dead_status() {
	local dead status sig server
	read -r dead status sig server < <(_t_tmux display-message -p \
		-t "$(_t_target)" '#{pane_dead} s#{pane_dead_status} g#{pane_dead_signal} #{pid}' \
		2>/dev/null)
	[ "$dead" = 1 ] || return 1
	# Print the formats bare: in #{?...} tmux takes a status of 0 as false.
	status=${status#s}
	sig=${sig#g}
	if [ -n "$status" ]; then
		echo "$status"
	elif [ -n "$sig" ]; then
		echo $((128 + sig))
	else
		kill -CHLD "$server" 2>/dev/null
		return 1
	fi
}

# tmux_wait_exit [TIMEOUT]: wait for the target pane's command to end and
# print its exit status; returns 1 on timeout.
tmux_wait_exit() {
	local timeout=${1:-$TMUX_WAIT_TIMEOUT}
	poll_until "$timeout" tmux_pane_dead_status && return 0
	{
		echo "# tmux_wait_exit: $TMUX_TARGET still running after ${timeout}s; screen:"
		_t_screen_dump
	} >&2
	return 1
}

# tmux_stop [NAME]: end session NAME, or without NAME the whole server, and
# wait (up to TMUX_WAIT_TIMEOUT) until the commands in its panes have
# ended, so that what they clean up on SIGHUP is done when this returns.
# shellcheck disable=SC2120
tmux_stop() {
	local pids=()
	if [ $# -gt 0 ]; then
		mapfile -t pids < <(_t_tmux list-panes -s -t "=$1" \
			-F '#{?pane_dead,,#{pane_pid}}' 2>/dev/null)
		_t_hup_paks "${pids[@]}"
		_t_tmux kill-session -t "=$1" >/dev/null 2>&1 || true
		[ "$TMUX_TARGET" != "$1" ] || TMUX_TARGET=""
	else
		mapfile -t pids < <(_t_tmux list-panes -a \
			-F '#{?pane_dead,,#{pane_pid}}' 2>/dev/null)
		_t_hup_paks "${pids[@]}"
		_t_tmux kill-server >/dev/null 2>&1 || true
		TMUX_TARGET=""
	fi
	poll_until "$TMUX_WAIT_TIMEOUT" _t_gone "${pids[@]}"
	return 0
}

# _t_hup_paks PID...: SIGHUP to every paks below these panes' processes, by
# pid, as closing the terminal would send it.  `su - USER -c` (the rootless
# tests) puts paks in a session of its own, which the tmux server's end
# never reaches, and su answers its own SIGHUP with a SIGTERM that leaves a
# preload-mode container running.
_t_hup_paks() {
	local pid todo=("$@") kid comm
	while [ ${#todo[@]} -gt 0 ]; do
		pid=${todo[0]}
		todo=("${todo[@]:1}")
		[ -n "$pid" ] || continue
		while read -r kid comm; do
			[ "$comm" != paks ] || kill -HUP "$kid" 2>/dev/null
			todo+=("$kid")
		done < <(ps -o pid=,comm= --ppid "$pid" 2>/dev/null)
	done
}

# _t_gone PID...: none of the processes is left (empty PIDs are skipped).
_t_gone() {
	local pid
	for pid in "$@"; do
		[ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null || return 1
	done
}

# --- commands without a terminal ---------------------------------------------

# run CMD...: sets OUT, ERR and RC.
run() {
	RC=0
	"$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err" || RC=$?
	OUT=$(cat "$TEST_TMP/out")
	ERR=$(cat "$TEST_TMP/err")
}

# expect DESC RC [STDOUT]: compare the last run.
expect() {
	local desc=$1 rc=$2
	if [ "$RC" -ne "$rc" ]; then
		not_ok "$desc (exit $RC, wanted $rc)"
		printf '#   stdout: %s\n#   stderr: %s\n' "$OUT" "$ERR"
	elif [ $# -ge 3 ] && [ "$OUT" != "$3" ]; then
		not_ok "$desc (stdout differs)"
		diff <(printf '%s\n' "$3") <(printf '%s\n' "$OUT") | sed 's/^/#   /'
	else
		ok "$desc"
	fi
}

# expect_same DESC WANT GOT: ok when GOT is WANT and not empty; otherwise
# the difference is shown.
expect_same() {
	if [ -n "$3" ] && [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | sed 's/^/#   /'
	fi
}

# expect_err DESC TEXT: stderr of the last run is exactly TEXT.
expect_err() {
	if [ "$ERR" = "$2" ]; then
		ok "$1"
	else
		not_ok "$1"
		printf '#   stderr: %s\n#   wanted: %s\n' "$ERR" "$2"
	fi
}
