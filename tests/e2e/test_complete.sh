#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Tab completion on '#' lines in preload mode, as a person uses it: command
# names, environment names for #envload, and host: paths for #cp (confined
# to the launch directory like #cp itself).
source "$(dirname "$0")/lib.sh"
new_home
launch=$TEST_TMP/launch
mkdir -p "$launch/subdir"
echo "tab-content-$$" >"$launch/subdir/file-$$.txt"
ln -s /etc "$launch/outside"
"$PAKS" env add "tabenv$$" "TABVAR=tab value $$" >/dev/null
name=paks-complete-$$

tmux_start complete "cd $launch && $PAKS run --name $name $IMG_BOOKWORM"
tmux_wait_for '[#$] *$' 60 || not_ok "the shell started"

# The line being edited: the last line of the screen that has the prompt.
edit_line() { tmux_screen | grep -E '[#$] ' | tail -1; }

tmux_type '#envl'
tmux_send Tab
if tmux_wait_for '[#$] #envload *$' 10; then ok "Tab completes a command name (#envl -> #envload)"; else not_ok "command name: $(edit_line)"; fi
tmux_type 'tabe'
tmux_send Tab
if tmux_wait_for "#envload tabenv$$ *\$" 10; then ok "Tab completes an environment name"; else not_ok "environment name: $(edit_line)"; fi
tmux_send Enter
if tmux_wait_for "loaded 1 variable from tabenv$$" 20; then ok "the completed #envload runs"; else not_ok "completed #envload"; fi
tmux_type 'echo "[$TABVAR]"'
tmux_send Enter
if tmux_wait_for "^\[tab value $$\]" 10; then ok "the variable arrived"; else not_ok "the variable arrived"; fi

tmux_type '#cp host:sub'
tmux_send Tab
if tmux_wait_for '#cp host:subdir/ *$' 10; then ok "Tab completes a host: directory"; else not_ok "host: directory: $(edit_line)"; fi
tmux_type 'fi'
tmux_send Tab
if tmux_wait_for "#cp host:subdir/file-$$.txt *\$" 10; then ok "Tab completes a host: file"; else not_ok "host: file: $(edit_line)"; fi
tmux_type ' /tmp/'
tmux_send Enter
tmux_wait_for '^copied ' 20 || true
tmux_type "cat /tmp/file-$$.txt"
tmux_send Enter
if tmux_wait_for "^tab-content-$$" 10; then ok "the completed #cp copied the file"; else not_ok "the completed #cp copied the file"; fi

# A symlink that leads out of the launch directory lists nothing.
tmux_send C-l
tmux_type '#cp host:outside/pass'
tmux_send Tab
tmux_send Tab
sleep 1
if tmux_screen | grep -q 'passwd'; then
	not_ok "Tab does not list files through a symlink that leads out"
else
	ok "Tab does not list files through a symlink that leads out"
fi
tmux_send C-u
tmux_type 'exit'
tmux_send Enter
check "the container is gone" wait_no_container "$name"
finish
