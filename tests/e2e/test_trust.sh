#!/usr/bin/env bash
# shellcheck disable=SC2016 # lines typed into the pane expand there
# SPDX-License-Identifier: MIT
#
# Only a line typed at the prompt of the shell that paks started makes paks
# act on the host (issue 12).  In a bookworm session on real podman, a
# script run from the prompt (tests/e2e/data/attack.sh) tries every route:
# every FIFO and socket it finds (HELLO the old way, connect), every fd of
# every process via /proc and pidfd_getfd, the shell's environ and memory.
# So do a nested `bash -i` under script(1) and `podman exec`.  None of them
# may obtain the host variable's value or create a file on the host with
# #cp.  Afterwards the user's own #envhost, #envsave/#envload and #cp work,
# and so they do after `exec bash`.
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

new_home
export TRUST_SECRET="trust-secret-$$-$RANDOM"
LAUNCH=$TEST_TMP/launch
mkdir -p "$LAUNCH"
ATTACK=$(dirname "$0")/data/attack.sh
PROMPT_RE='^root@[^ ]+:[^ ]*# ?$'
SID=""
cleanup_add eval '[ -z "$SID" ] || podman_t rm -f -t 0 "paks-$SID"'
cleanup_add tmux_stop

# typed LINE REGEX [TIMEOUT]: type LINE and Enter, wait for REGEX.
typed() {
	tmux_type "$1"
	tmux_send Enter
	tmux_wait_for "$2" "${3:-$TMUX_WAIT_TIMEOUT}"
}

# in_ctr SCRIPT: sh in the session's container (its config has no PATH).
in_ctr() {
	podman_t exec "paks-$SID" /bin/sh -c "PATH=/usr/bin:/bin; $1"
}

# nothing_on_host: no file the attacks' #cp could have made.
nothing_on_host() {
	local found
	found=$(find "$LAUNCH" -name 'pwned*')
	[ -z "$found" ] || { echo "created: $found"; return 1; }
}

# no_secret_in DIR: no file the attack saved holds the secret.
no_secret_in() {
	local hits
	hits=$(in_ctr "grep -rlaF '$TRUST_SECRET' $1")
	[ -z "$hits" ] || { echo "secret in: $hits"; return 1; }
}

# ran_routes DIR: the attack did try (it saved an answer per route).
ran_routes() {
	in_ctr "ls $1 | grep -c '^OUT\.'"
}

tmux_start main "cd '$LAUNCH' && exec '$PAKS' run $IMG_BOOKWORM"
if ! typed 'echo "SID=$PAKS_SESSION-$((6*7))"' '^SID=[a-z0-9]+-42$' 90; then
	not_ok "paks run starts a bookworm shell"
	finish
fi
SID=$(tmux_screen | sed -n 's/^SID=\([a-z0-9]*\)-42$/\1/p' | tail -n 1)
ok "paks run starts a bookworm shell ($SID)"
podman_t cp "$ATTACK" "paks-$SID:/tmp/attack.sh"

# 1. A script run from the prompt.
tmux_send C-l
if typed 'bash /tmp/attack.sh TRUST_SECRET pwned /tmp/atk' '^attack done: ' 300; then
	ok "the attack script ran ($(ran_routes /tmp/atk) routes answered)"
else
	not_ok "the attack script ran"
fi
check "the attack got no answer holding the host variable" no_secret_in /tmp/atk
check "the attack's #cp created nothing on the host" nothing_on_host
if tmux_screen | grep -qF "$TRUST_SECRET"; then
	not_ok "the host variable never showed on screen"
else
	ok "the host variable never showed on screen"
fi
check "the shell's memory is not readable" \
	in_ctr "test ! -s /tmp/atk/OUT.mem -a ! -s /tmp/atk/OUT.heap"

# 2. A nested interactive bash under script(1).
tmux_send C-l
typed "script -qc 'bash -i' /dev/null" "$PROMPT_RE"
typed 'echo nested-$((6*7))' '^nested-42$'
typed '#envhost TRUST_SECRET' '^paks: .*shell that paks started' 10 &&
	ok "a nested shell's #envhost says where paks commands work" ||
	not_ok "a nested shell's #envhost says where paks commands work"
typed 'echo "[${TRUST_SECRET:-unset}]"' '^\[(unset|trust-secret.*)\]$'
if tmux_screen | grep -q '^\[unset\]$'; then
	ok "the nested shell did not get the host variable"
else
	not_ok "the nested shell did not get the host variable"
fi
typed '#cp /etc/hostname host:pwned-nested' "$PROMPT_RE"
typed 'exit' "$PROMPT_RE"
check "the nested shell's #cp created nothing on the host" nothing_on_host

# 3. podman exec into the session's container: the attack, and an
#    interactive bash with the preload in a pane of its own.
podman_t exec "paks-$SID" /bin/bash /tmp/attack.sh TRUST_SECRET pwned-exec \
	/tmp/atk-exec 1 >/dev/null 2>&1
check "podman exec: the attack got no answer holding the host variable" \
	no_secret_in /tmp/atk-exec
check "podman exec: the attack's #cp created nothing on the host" nothing_on_host
tmux_start exec "podman exec -it -e LD_PRELOAD=/dev/.paks/libpaks-preload.so \
	-e PAKS_DIR=/dev/.paks -e PAKS_CHANNEL=3:1 -e PATH=/usr/bin:/bin paks-$SID /bin/bash -i"
if tmux_wait_for "$PROMPT_RE" 60; then
	typed '#envhost TRUST_SECRET' '^paks: ' 10
	typed '#cp /etc/hostname host:pwned-exec-i' "$PROMPT_RE"
	typed 'echo "[${TRUST_SECRET:-unset}]"' '^\[(unset|trust-secret.*)\]$'
	if tmux_screen | grep -q '^\[unset\]$'; then
		ok "podman exec bash -i with the preload did not get the host variable"
	else
		not_ok "podman exec bash -i with the preload did not get the host variable"
	fi
else
	not_ok "podman exec bash -i starts"
fi
tmux_stop exec
check "podman exec bash -i: #cp created nothing on the host" nothing_on_host
tmux_use main

# 4. The user's own commands still work, and after `exec bash` too.
tmux_send C-l
typed '#envhost TRUST_SECRET' "$PROMPT_RE"
typed 'bash -c "echo \"[\$TRUST_SECRET]\""' '^\[trust-secret-[0-9]+-[0-9]+\]$' 10 &&
	ok "the user's #envhost works" || not_ok "the user's #envhost works"
typed '#envsave trust-env TV=trust-value' "$PROMPT_RE"
typed 'unset TV' "$PROMPT_RE"
typed '#envload trust-env' "$PROMPT_RE"
typed 'echo "[TV=$TV]"' '^\[TV=trust-value\]$' 10 &&
	ok "the user's #envsave and #envload work" || not_ok "the user's #envsave and #envload work"
typed '#cp /etc/hostname host:own-cp' "$PROMPT_RE"
check "the user's #cp works" test -s "$LAUNCH/own-cp"
tmux_send C-l
typed 'exec bash' "$PROMPT_RE"
typed 'unset TRUST_SECRET; echo "[${TRUST_SECRET:-unset}]"' '^\[unset\]$'
typed '#envhost TRUST_SECRET' "$PROMPT_RE"
typed 'echo "[$TRUST_SECRET]"' '^\[trust-secret-[0-9]+-[0-9]+\]$' 10 &&
	ok "#envhost works after exec bash" || not_ok "#envhost works after exec bash"
typed '#cp /etc/hostname host:own-cp2' "$PROMPT_RE"
check "#cp works after exec bash" test -s "$LAUNCH/own-cp2"

tmux_type 'exit 3'
tmux_send Enter
tmux_wait_exit 60 >/dev/null
wait_no_container "paks-$SID" && ok "the container is gone" || not_ok "the container is gone"
finish
