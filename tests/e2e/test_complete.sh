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

tmux_type '#envl'
tmux_send Tab
expect_screen "Tab completes a command name (#envl -> #envload)" '[#$] #envload *$' 10
tmux_type 'tabe'
tmux_send Tab
expect_screen "Tab completes an environment name" "#envload tabenv$$ *\$" 10
tmux_send Enter
expect_screen "the completed #envload runs" "loaded 1 variable from tabenv$$" 20
type_enter 'echo "[$TABVAR]"'
expect_screen "the variable arrived" "^\[tab value $$\]" 10

tmux_type '#cp host:sub'
tmux_send Tab
expect_screen "Tab completes a host: directory" '#cp host:subdir/ *$' 10
tmux_type 'fi'
tmux_send Tab
expect_screen "Tab completes a host: file" "#cp host:subdir/file-$$.txt *\$" 10
type_enter ' /tmp/'
tmux_wait_for '^copied ' 20 || true
type_enter "cat /tmp/file-$$.txt"
expect_screen "the completed #cp copied the file" "^tab-content-$$" 10

# A symlink that leads out of the launch directory lists nothing.
tmux_send C-l
tmux_type '#cp host:outside/pass'
tmux_send Tab
tmux_send Tab
sleep 1
expect_no_screen "Tab does not list files through a symlink that leads out" \
	'passwd'
tmux_send C-u
type_enter 'exit'
check "the container is gone" wait_no_container "$name"
finish
