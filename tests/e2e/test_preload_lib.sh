#!/usr/bin/env bash
# shellcheck disable=SC2016 # lines typed into the pane expand there
# SPDX-License-Identifier: MIT
#
# The preload library as a guest: it exports only execve, needs nothing newer
# than GLIBC_2.17 and links libc only; it loads without a word on bullseye
# (glibc 2.31) and bookworm; it stays inert in child programs, in
# non-interactive bash and in another readline program (python3, if the
# machine has it); and in an interactive bash that paks did not start (no
# connection, even with a forged PAKS_CHANNEL) ordinary lines work, '#help'
# says in one line where #commands work and the shell goes on, '#' lines on
# a here-document continuation or in `read -e` stay the shell's, Tab on a
# '#' line stays quiet, and nothing is left in the runtime directory.
set -u
source "$(dirname "$0")/lib.sh"

LIB=$PAKS_LIB_DIR/libpaks-preload.so
name_prefix=paks-preloadlib-$$
host_msg='paks: #commands work only in the shell that paks started'

if [ ! -f "$LIB" ]; then
	not_ok "libpaks-preload.so is built ($LIB)"
	finish
fi

# --- the ELF file ------------------------------------------------------------

exported=$(nm -D --defined-only "$LIB" | awk 'NF >= 3 { print $3 }')
# execve, so that `exec bash` keeps the shell's connection.
expect_same "nm -D --defined-only: execve is the only exported symbol" \
	execve "$exported"

glibc_max=$(objdump -T "$LIB" | grep -o 'GLIBC_[0-9][0-9.]*' |
	sed 's/GLIBC_//' | sort -uV | tail -n 1)
check "highest GLIBC_ version needed is ${glibc_max:-none} (<= 2.17)" \
	bash -c '[ -n "$1" ] &&
		[ "$(printf "%s\n2.17\n" "$1" | sort -V | tail -n 1)" = 2.17 ]' _ \
	"$glibc_max"

needed=$(objdump -p "$LIB" | awk '$1 == "NEEDED" { print $2 }' | tr '\n' ' ')
check "DT_NEEDED is libc.so.6 only" test "$needed" = "libc.so.6 "

others=$(ldd "$LIB" | grep -Ev '^\s*(linux-vdso|/lib.*/ld-linux|libc\.so\.6)' || true)
check "ldd shows libc only" test -z "$others"

# --- inert where it must be ----------------------------------------------------

rt=$TEST_TMP/rt
mkdir -p "$rt"
cp "$LIB" "$rt/"

podman_preload() { # IMAGE CMD...
	local img=$1
	shift
	podman_t run --rm --name "$name_prefix-$RANDOM" \
		-v "$rt:/dev/.paks" -e LD_PRELOAD=/dev/.paks/libpaks-preload.so \
		-e PAKS_DIR=/dev/.paks "$img" "$@"
}
cleanup_add bash -c "podman ps -a --format '{{.Names}}' | grep '^$name_prefix' | xargs -r podman rm -f"

# Children of the shell inherit LD_PRELOAD: bash -c, ls, a script on stdin.
inert_script='echo ok; ls -d /etc; printf "%s\n" "#help" "echo piped-ok" | bash'
for img in "$IMG_BULLSEYE" "$IMG_BOOKWORM"; do
	short=${img##*/}
	out=$(podman_preload "$img" bash -c "$inert_script" 2>"$TEST_TMP/err")
	err=$(cat "$TEST_TMP/err")
	check "$short: loads silently; bash -c, ls and a piped script are untouched" \
		bash -c '[ "$1" = "$2" ] && [ -z "$3" ]' _ "$out" \
		$'ok\n/etc\npiped-ok' "$err"
done

# Another readline program (python3 links libreadline itself): its '#' line
# is a Python comment and nothing of paks shows.
if command -v python3 >/dev/null && python3 -c 'import readline' 2>/dev/null; then
	tmux_start py /usr/bin/env LD_PRELOAD="$LIB" PAKS_DIR="$rt" \
		python3 -q -i
	tmux_wait_for '^>>> ' && type_enter '#help' && type_enter 'print(6 * 7)'
	expect_screen "python3 -i with readline: '#help' stays a Python comment" \
		'^42$'
	expect_no_screen "python3 -i with readline: nothing of paks shows" 'paks:'
	tmux_stop py
else
	skip "python3 -i with readline (no python3 with readline on this machine)"
fi

# --- an interactive bash that paks did not start --------------------------------

prompt='^root@[^ ]*:[^ ]*# ?$'

# The pane reports how podman ended, then waits to be read.
tmux_start shell "podman run --rm -it --name $name_prefix-shell \
	-v $rt:/dev/.paks -e LD_PRELOAD=/dev/.paks/libpaks-preload.so \
	-e PAKS_DIR=/dev/.paks -e PAKS_CHANNEL=3:1 $IMG_BOOKWORM bash; \
	echo podman-exit=\$?; sleep 600"

if ! tmux_wait_for "$prompt" 60; then
	not_ok "bookworm: interactive bash starts with the preload"
	finish
fi
ok "bookworm: interactive bash starts with the preload"
type_enter 'echo hi-$((6 * 7))'
expect_screen "an ordinary line runs normally" '^hi-42$'

type_enter '#help'
expect_screen "'#help' without a connection: one line saying where #commands work" "^$host_msg\$"
type_enter 'echo "st=$?"; history 2 | head -n 1'
expect_screen "the '#help' line is in history" '^ +[0-9]+ +#help$'
expect_screen "\$? is 1 after the failed '#help'" '^st=1$'

# '#' text on a continuation line or in `read -e` belongs to the shell.
tmux_send C-l
type_enter 'cat <<EOF'
type_enter '#include <stdio.h>'
type_enter 'EOF'
expect_screen "a here-document with a '#include' line" '^#include <stdio.h>$'
type_enter 'read -e x'
type_enter '#help from read'
expect_screen "typing into read -e" '^#help from read$'
type_enter 'echo "x=$x" marker-$((1 + 1))'
expect_screen "read -e got the '#' line as data" '^x=#help from read marker-2$'
type_enter "bash -c 'read -e -p \"ro> \" y; echo \"y=\$y\"'"
tmux_wait_for '^ro> ' && type_enter '#help nonint'
expect_screen "a non-interactive bash's read -e got the '#' line as data" \
	'^y=#help nonint$'
expect_screen "the here-document's '#include' line is still on screen" \
	'^#include <stdio.h>$'
expect_no_screen "a here-document's '#include' and read -e's '#help' lines are not paks commands" \
	'^paks:'

# Tab on a '#' line with no host: no message, the line stays editable.
tmux_send C-l
tmux_type '#he'
tmux_send Tab
tmux_send C-u
type_enter 'echo tab-$((2 * 3))'
expect_screen "Tab on a '#' line without a host" '^tab-6$'
expect_no_screen "Tab without a host prints nothing" 'paks:'

left=
for f in "$rt"/* "$rt"/.[!.]*; do
	case ${f##*/} in
	libpaks-preload.so | '*' | '.[!.]*') ;;
	*) left+="${f##*/} " ;;
	esac
done
check "nothing left in the runtime directory" test -z "$left"

# Nested interactive bash: same behaviour one level down.
tmux_send C-l
type_enter 'bash'
type_enter 'echo level=$SHLVL'
expect_screen "a nested bash starts" '^level=2$'
type_enter '#help nested'
expect_screen "nested bash: '#help' gives the same message" "^$host_msg\$"
type_enter 'exit'
tmux_send C-l
type_enter 'echo level=$SHLVL'
expect_screen "back in the outer bash" '^level=1$'

type_enter 'exit'
expect_screen "the shell exits normally (status 0)" '^podman-exit=0$' 120
tmux_stop shell
wait_no_container "$name_prefix"

finish
