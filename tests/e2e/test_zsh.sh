#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# zsh through the PTY proxy: '#' lines run without zsh's "command not
# found", variables arrive exactly, #save works, and neither the proxy's
# injected line nor a value lands in zsh's history.
source "$(dirname "$0")/lib.sh"
new_home
podman_t image exists "$IMG_BOOKWORM_ZSH" || {
	not_ok "the zsh test image $IMG_BOOKWORM_ZSH exists (tests/images.sh bookworm-zsh)"
	finish
}
"$PAKS" env add "zenv$$" "ZV=a b \"c\" 'd' \$x" >/dev/null
name=paks-zsh-$$
target=localhost/paks-zsh-test-$$:saved
cleanup_add podman_t rmi -f "$target"
launch=$TEST_TMP/launch
mkdir -p "$launch"

tmux_start zsh "cd $launch && PAKS_DEBUG_LOG=$TEST_TMP/debug.log $PAKS run --name $name --shell /bin/zsh $IMG_BOOKWORM_ZSH; echo paks-exit=\$?; exec sleep 600"
tmux_wait_for '[#%$>] *$' 60 || not_ok "zsh started"

tmux_type '# just a comment'
tmux_send Enter
tmux_type "#envload zenv$$"
tmux_send Enter
if tmux_wait_for "loaded 1 variable from zenv$$" 20; then ok "#envload runs in zsh"; else not_ok "#envload runs in zsh"; fi
tmux_type 'print -r -- "[$ZV]"; printenv ZV | od -c | head -1 >/dev/null && echo exported'
tmux_send Enter
if tmux_wait_for '^exported' 10 && tmux_screen | grep -qF "[a b \"c\" 'd' \$x]"; then
	ok "the value arrived exactly and exported"
else
	not_ok "the value arrived exactly and exported"
fi
tmux_type "#save $target"
tmux_send Enter
if tmux_wait_for "^Saved $target" 120; then ok "#save in zsh"; else not_ok "#save in zsh"; fi
check "the saved image exists" podman_t image exists "$target"
if tmux_screen | grep -qE 'command not found|no such file'; then
	not_ok "zsh printed no 'command not found' for '#' lines"
else
	ok "zsh printed no 'command not found' for '#' lines"
fi
tmux_type 'fc -ln 1 | grep -c -e __paks -e "c. .d" ; echo hist-done'
tmux_send Enter
if tmux_wait_for '^hist-done' 10 && tmux_screen | grep -B1 '^hist-done' | head -1 | grep -qx '0'; then
	ok "the injected line is not in zsh's history"
else
	not_ok "the injected line is not in zsh's history"
fi
tmux_type 'exit 6'
tmux_send Enter
if tmux_wait_for 'paks-exit=6' 30; then ok "paks exits with zsh's status"; else not_ok "paks exits with zsh's status"; fi
check "the container is gone" wait_no_container "$name"
finish
