#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Hooks that misbehave, in preload mode against real podman in tmux: a hook
# that floods fd 3 (a NUL stream, one 50 MB record, an endless `yes`) is
# stopped at the limit (16 MiB), sets nothing and fails in one line; a hook
# that exits 0 but leaves a child holding its stdout and fd 3 ends the `#`
# command at once, with its output and its variables.
# shellcheck disable=SC2016 # lines typed into the container's shell
set -u
source "$(dirname "$0")/lib.sh"

new_home
hooks=$XDG_CONFIG_HOME/paks/hooks
launch=$TEST_TMP/launch
mkdir -p "$hooks" "$launch"

# A good record, then 20 MB of NUL bytes (empty records, each harmless).
# The sleep in its process group holds no pipe: it must still end.
cat >"$hooks/flood" <<'EOF'
#!/bin/sh
sleep 876543 >/dev/null 2>&1 3>&- &
printf 'FLOOD=1\0' >&3
head -c 20000000 /dev/zero >&3
echo flood-done
EOF
# One record of 50 MB.
cat >"$hooks/bigrec" <<'EOF'
#!/bin/sh
printf 'BIG=' >&3
head -c 50000000 /dev/zero | tr '\0' a >&3
printf '\0' >&3
EOF
# The review's hook: endless, every record good.
cat >"$hooks/endless" <<'EOF'
#!/bin/sh
yes 'ENDLESS=1' | tr '\n' '\0' >&3
EOF
# Exits 0 at once, leaving a child in a session of its own with its
# stdout, stderr and fd 3; 30000 lines first, more than a pipe holds.
cat >"$hooks/leaver" <<'EOF'
#!/bin/sh
seq 1 30000
printf 'LEFT=1\0' >&3
setsid sleep 765432 &
echo leaver-last-line
exit 0
EOF
chmod +x "$hooks"/*

# Kill by pid what a hook left behind (the sleeps carry unique numbers).
kill_left() {
	local p
	for p in $(pgrep -f "^sleep $1\$"); do
		kill "$p" 2>/dev/null
	done
}
cleanup_add kill_left 765432
cleanup_add kill_left 876543

cd "$launch" || exit 1
tmux_start hookfaults "$PAKS" run "$IMG_BOOKWORM"
if ! shell_ready 90; then
	not_ok "paks run started a shell"
	finish
fi

# 1. fd 3 is bounded.
type_enter '#flood'
type_enter 'echo "flood:$?:${FLOOD-unset}"'
expect_screen "a hook writing 20 MB on fd 3 is stopped, sets nothing, status 1" \
	'^flood:1:unset$' 120
expect_screen "... with one paks: line that says why" \
	"^paks: hook 'flood' wrote more than 16777216 bytes on fd 3; it was stopped and no variable is set$" 5
expect_no_screen "... and the hook did not run on" '^flood-done'
check "... and its process group was ended" \
	bash -c '! pgrep -f "^sleep 876543$" >/dev/null'

type_enter 'clear'
type_enter '#bigrec'
type_enter 'echo "bigrec:$?:${BIG-unset}"'
expect_screen "one 50 MB record is refused at the limit, status 1" \
	'^bigrec:1:unset$' 120
expect_screen "... with the limit's message" \
	"^paks: hook 'bigrec' wrote more than 16777216 bytes on fd 3" 5

type_enter 'clear'
type_enter '#endless'
type_enter 'echo "endless:$?:${ENDLESS-unset}"'
expect_screen "an endless stream of good records ends at the limit, status 1" \
	'^endless:1:unset$' 120

# 2. The hook's own exit ends the command.
type_enter 'clear'
type_enter '#leaver'
type_enter 'echo "leaver:$?:${LEFT-unset}"'
expect_screen "a hook that leaves a child holding its streams ends the command with its status and variables" \
	'^leaver:0:1$' 60
in_history() { tmux_history | grep -qx -- "$1"; }
check "... after all it wrote" in_history 30000
expect_screen "... its last line too" '^leaver-last-line$' 5
check "... and the child it left is its own business (still running)" \
	pgrep -f '^sleep 765432$'
kill_left 765432

type_enter 'exit'
tmux_wait_exit 60 >/dev/null
finish
