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
if [ "$exported" = execve ]; then
	ok "nm -D --defined-only: execve is the only exported symbol"
else
	not_ok "nm -D --defined-only: execve is the only exported symbol (found: $(printf '%s' "$exported" | tr '\n' ' '))"
fi

glibc_max=$(objdump -T "$LIB" | grep -o 'GLIBC_[0-9][0-9.]*' |
	sed 's/GLIBC_//' | sort -uV | tail -n 1)
if [ -n "$glibc_max" ] &&
	[ "$(printf '%s\n2.17\n' "$glibc_max" | sort -V | tail -n 1)" = 2.17 ]; then
	ok "highest GLIBC_ version needed is $glibc_max (<= 2.17)"
else
	not_ok "highest GLIBC_ version needed is <= 2.17 (found: ${glibc_max:-none})"
fi

needed=$(objdump -p "$LIB" | awk '$1 == "NEEDED" { print $2 }' | tr '\n' ' ')
if [ "$needed" = "libc.so.6 " ]; then
	ok "DT_NEEDED is libc.so.6 only"
else
	not_ok "DT_NEEDED is libc.so.6 only (found: $needed)"
fi

others=$(ldd "$LIB" | grep -Ev '^\s*(linux-vdso|/lib.*/ld-linux|libc\.so\.6)' || true)
if [ -z "$others" ]; then
	ok "ldd shows libc only"
else
	not_ok "ldd shows libc only (also: $(printf '%s' "$others" | tr '\n' ' '))"
fi

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
	if [ "$out" = $'ok\n/etc\npiped-ok' ] && [ -z "$err" ]; then
		ok "$short: loads silently; bash -c, ls and a piped script are untouched"
	else
		not_ok "$short: loads silently; bash -c, ls and a piped script are untouched"
		printf '%s\n' "$out" "$err" | sed 's/^/#   /' | head -n 20
	fi
done

# Another readline program (python3 links libreadline itself): its '#' line
# is a Python comment and nothing of paks shows.
if command -v python3 >/dev/null && python3 -c 'import readline' 2>/dev/null; then
	tmux_start py /usr/bin/env LD_PRELOAD="$LIB" PAKS_DIR="$rt" \
		python3 -q -i
	if tmux_wait_for '^>>> ' &&
		tmux_type '#help' && tmux_send Enter &&
		tmux_type 'print(6 * 7)' && tmux_send Enter &&
		tmux_wait_for '^42$' && ! tmux_screen | grep -q 'paks:'; then
		ok "python3 -i with readline: '#help' stays a Python comment"
	else
		not_ok "python3 -i with readline: '#help' stays a Python comment"
	fi
	tmux_stop py
else
	echo "# skipped: no python3 with readline on this machine"
fi

# --- an interactive bash that paks did not start --------------------------------

prompt='^root@[^ ]*:[^ ]*# ?$'

# The pane reports how podman ended, then waits to be read.
tmux_start shell "podman run --rm -it --name $name_prefix-shell \
	-v $rt:/dev/.paks -e LD_PRELOAD=/dev/.paks/libpaks-preload.so \
	-e PAKS_DIR=/dev/.paks -e PAKS_CHANNEL=3:1 $IMG_BOOKWORM bash; \
	echo podman-exit=\$?; sleep 600"

# type_line LINE WAIT-REGEX DESC: type LINE, ok when WAIT-REGEX shows up.
type_line() {
	tmux_type "$1"
	tmux_send Enter
	if tmux_wait_for "$2"; then ok "$3"; else not_ok "$3"; fi
}

if ! tmux_wait_for "$prompt" 60; then
	not_ok "bookworm: interactive bash starts with the preload"
	finish
fi
ok "bookworm: interactive bash starts with the preload"
type_line 'echo hi-$((6 * 7))' '^hi-42$' "an ordinary line runs normally"

type_line '#help' "^$host_msg\$" "'#help' without a connection: one line saying where #commands work"
type_line 'echo "st=$?"; history 2 | head -n 1' '^ +[0-9]+ +#help$' \
	"the '#help' line is in history"
if tmux_screen | grep -q '^st=1$'; then
	ok "\$? is 1 after the failed '#help'"
else
	not_ok "\$? is 1 after the failed '#help'"
fi

# '#' text on a continuation line or in `read -e` belongs to the shell.
tmux_send C-l
tmux_type 'cat <<EOF'
tmux_send Enter
tmux_type '#include <stdio.h>'
tmux_send Enter
type_line 'EOF' '^#include <stdio.h>$' "a here-document with a '#include' line"
tmux_type 'read -e x'
tmux_send Enter
type_line '#help from read' '^#help from read$' "typing into read -e"
type_line 'echo "x=$x" marker-$((1 + 1))' '^x=#help from read marker-2$' \
	"read -e got the '#' line as data"
tmux_type "bash -c 'read -e -p \"ro> \" y; echo \"y=\$y\"'"
tmux_send Enter
if tmux_wait_for '^ro> ' && tmux_type '#help nonint' && tmux_send Enter &&
	tmux_wait_for '^y=#help nonint$'; then
	ok "a non-interactive bash's read -e got the '#' line as data"
else
	not_ok "a non-interactive bash's read -e got the '#' line as data"
fi
if tmux_screen | grep -q '^#include <stdio.h>$' &&
	! tmux_screen | grep -q '^paks:'; then
	ok "a here-document's '#include' and read -e's '#help' lines are not paks commands"
else
	not_ok "a here-document's '#include' and read -e's '#help' lines are not paks commands"
fi

# Tab on a '#' line with no host: no message, the line stays editable.
tmux_send C-l
tmux_type '#he'
tmux_send Tab
tmux_send C-u
type_line 'echo tab-$((2 * 3))' '^tab-6$' "Tab on a '#' line without a host"
if ! tmux_screen | grep -q 'paks:'; then
	ok "Tab without a host prints nothing"
else
	not_ok "Tab without a host prints nothing"
fi

left=
for f in "$rt"/* "$rt"/.[!.]*; do
	case ${f##*/} in
	libpaks-preload.so | '*' | '.[!.]*') ;;
	*) left+="${f##*/} " ;;
	esac
done
if [ -z "$left" ]; then
	ok "nothing left in the runtime directory"
else
	not_ok "nothing left in the runtime directory (found: $left)"
fi

# Nested interactive bash: same behaviour one level down.
tmux_send C-l
tmux_type 'bash'
tmux_send Enter
type_line 'echo level=$SHLVL' '^level=2$' "a nested bash starts"
type_line '#help nested' "^$host_msg\$" "nested bash: '#help' gives the same message"
tmux_type 'exit'
tmux_send Enter
tmux_send C-l
type_line 'echo level=$SHLVL' '^level=1$' "back in the outer bash"

tmux_type 'exit'
tmux_send Enter
if tmux_wait_for '^podman-exit=0$' 120; then
	ok "the shell exits normally (status 0)"
else
	not_ok "the shell exits normally (status 0)"
fi
tmux_stop shell
wait_no_container "$name_prefix"

finish
