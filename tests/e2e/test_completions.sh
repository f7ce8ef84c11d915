#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The completions for bash (contrib/paks.bash-completion), zsh
# (contrib/_paks) and fish (contrib/paks.fish), asked of the real shells as
# a person does: type a paks command line in a tmux pane, press Tab, read
# the screen.  What each must offer comes from the program itself
# (tests/cli-names.sh reads its --help texts): every command, subcommand,
# long option and settings key; plus the values of --mode and
# --container-tech, and the names of the named environments.  No container
# is started.  COMPLETION_SHELLS picks shells (default "bash zsh fish"),
# COMPLETION_DIR the completion files (default contrib/).
#
# The helpers are called through poll_until and "start_$sh":
# shellcheck disable=SC2317
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONTRIB=${COMPLETION_DIR:-$TEST_REPO/contrib}
SHELLS=${COMPLETION_SHELLS:-bash zsh fish}
new_home
# paks on the PATH, as installed: fish loads the completion of a command
# only when there is one.
PATH=$(dirname "$PAKS"):$PATH
export PATH
"$PAKS" env add alpha A=1 >/dev/null
"$PAKS" env add beta-2 B=2 >/dev/null

if ! names=$("$TEST_REPO"/tests/cli-names.sh "$PAKS"); then
	not_ok "the program's --help texts can be read"
	finish
fi

# words KIND CONTEXT: the names of one kind for one command line; of the
# options only the long ones ("-s, --set" gives --set), which is what the
# shells list for "--".
words() {
	awk -F'\t' -v k="$1" -v c="$2" '$1 == k && $2 == c { print $3 }' \
		<<<"$names" | sed -E 's/^-[A-Za-z], //' | grep -v '^-[A-Za-z]$'
}

# The command lines asked, and what each must offer.
LINES=()
WANTS=()
want() { # LINE WORD...
	local line=$1
	shift
	if [ $# -eq 0 ]; then
		not_ok "the --help texts give something to expect for '$line'"
		return
	fi
	LINES+=("$line")
	WANTS+=("$*")
}
# shellcheck disable=SC2046
{
	want "paks " $(words cmd paks)
	want "paks --" $(words opt paks)
	want "paks run --" $(words opt "paks run")
	want "paks run --mode " auto preload pty
	want "paks run --container-tech " auto podman docker
	for cmd in env config hooks; do
		want "paks $cmd " $(words sub "paks $cmd")
	done
	want "paks env show " alpha beta-2
	want "paks config get " $(words key "paks config")
	want "paks config init --" $(words opt "paks config init")
	for cmd in path export gc; do
		want "paks $cmd --" $(words opt "paks $cmd")
	done
}

# missing WORD...: the words that are not on the screen as words of their
# own; fails when there is one.
missing() {
	local screen w out=""
	screen=$(tmux_screen)
	for w in "$@"; do
		grep -qE -- "(^|[^A-Za-z0-9_-])$w([^A-Za-z0-9_-]|$)" <<<"$screen" ||
			out+=" $w"
	done
	printf '%s' "$out"
	[ -z "$out" ]
}

has_all() {
	missing "$@" >/dev/null
}

# A cleared screen: the prompt alone.
prompt_only() {
	[ "$(tmux_screen | grep -c .)" -eq 1 ] && _t_screen_has '^\$ ?$'
}

# ask_shell NAME: each line of LINES in the current pane: clear the screen,
# type the line, press Tab (twice for bash, which lists on the second),
# wait for every wanted word, drop the line.
ask_shell() {
	local sh=$1 i line
	for i in "${!LINES[@]}"; do
		line=${LINES[i]}
		# shellcheck disable=SC2086
		set -- ${WANTS[i]}
		type_enter clear
		poll_until 10 prompt_only
		tmux_type "$line"
		tmux_send Tab
		if [ "$sh" = bash ]; then
			sleep 0.3
			tmux_send Tab
		fi
		if poll_until 10 has_all "$@"; then
			ok "$sh completes '$line' with: $*"
		else
			not_ok "$sh completes '$line' (missing:$(missing "$@"))"
			_t_screen_dump
		fi
		tmux_send C-c
	done
}

start_bash() {
	cat >"$TEST_TMP/bashrc" <<-RC
		PS1='\$ '
		bind 'set completion-query-items -1'
		bind 'set page-completions off'
		source /usr/share/bash-completion/bash_completion
		source $CONTRIB/paks.bash-completion
	RC
	tmux_start bash /bin/bash --noprofile --rcfile "$TEST_TMP/bashrc" -i
}

# zsh finds _paks in $fpath, as in an installed site-functions directory.
start_zsh() {
	mkdir -p "$TEST_TMP/zdot" "$TEST_TMP/zfunc"
	cp "$CONTRIB/_paks" "$TEST_TMP/zfunc/_paks"
	cat >"$TEST_TMP/zdot/.zshrc" <<-RC
		PS1='\$ '
		unsetopt LIST_AMBIGUOUS
		fpath=($TEST_TMP/zfunc \$fpath)
		autoload -Uz compinit
		compinit -u -d $TEST_TMP/zcompdump
	RC
	ZDOTDIR=$TEST_TMP/zdot tmux_start zsh /usr/bin/zsh -i
}

# fish finds paks.fish in fish_complete_path, as in an installed
# vendor_completions.d.
start_fish() {
	tmux_start fish /usr/bin/fish --no-config -i -C "
		set -g fish_greeting ''
		function fish_prompt; echo -n '\$ '; end
		set -g fish_complete_path $CONTRIB \$fish_complete_path"
}

for sh in $SHELLS; do
	"start_$sh"
	if tmux_wait_for '^\$ ?$' 20 >/dev/null; then
		ask_shell "$sh"
	else
		not_ok "$sh starts with the paks completion"
		_t_screen_dump
	fi
	tmux_stop "$sh" >/dev/null 2>&1
done

finish
