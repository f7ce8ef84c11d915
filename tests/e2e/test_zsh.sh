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

type_enter '# just a comment'
type_enter "#envload zenv$$"
expect_screen "#envload runs in zsh" "loaded 1 variable from zenv$$" 20
type_enter 'print -r -- "[$ZV]"; printenv ZV | od -c | head -1 >/dev/null && echo exported'
expect_screen "the variable is exported" '^exported' 10
expect_screen "the value arrived exactly" "\\[a b \"c\" 'd' \\\$x\\]"
type_enter "#save $target"
expect_screen "#save in zsh" "^Saved $target" 120
check "the saved image exists" podman_t image exists "$target"
expect_no_screen "zsh printed no 'command not found' for '#' lines" \
	'command not found|no such file'
type_enter 'fc -ln 1 | grep -c -e __paks -e "c. .d" ; echo hist-done'
tmux_wait_for '^hist-done' 10
check "the injected line is not in zsh's history" \
	bash -c '[ "$(grep -B1 "^hist-done" <<<"$1" | head -1)" = 0 ]' _ \
	"$(tmux_screen)"
type_enter 'exit 6'
expect_screen "paks exits with zsh's status" 'paks-exit=6' 30
check "the container is gone" wait_no_container "$name"
finish
