#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# #cp and a launch directory the container can write.  With the README's
# own `-v "$PWD:/src"`, a process in the container can swap a symlink into
# a host path between paks's check of it and the engine's copy: a copy
# from the host then reads any host file (seen: 4 times in 12 against the
# old code), and a copy to the host writes outside the launch directory.
# So #cp and #export stay out of every host path a -v mount lets the
# container write, with one line that says why and what to do instead;
# with the mount read-only (:ro), #cp works there as before.  On rootful
# podman, with a background job in the container that keeps swapping
# symlinks while the user copies.
# shellcheck disable=SC2016 # the '#' lines are typed, not expanded here
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

new_home
launch=$TEST_TMP/launch
victim=$TEST_TMP/victim
mkdir -p "$launch/outreal" "$victim"
echo benign >"$launch/data.csv"
echo "host-secret-$$" >"$TEST_TMP/secret"
chmod 0755 "$TEST_TMP"
run_id="$$-$RANDOM"
PROMPT_RE='^root@[^ ]+:[^ ]*# ?$'
cd "$launch" || exit 1

# The attack: flip data.csv between a file and a symlink to the secret,
# and out between a directory and a symlink to the victim directory.
SWAP='(while :; do echo benign >/src/d1; mv -T /src/d1 /src/data.csv; '
SWAP+="ln -sfn $TEST_TMP/secret /src/l1; mv -T /src/l1 /src/data.csv; "
SWAP+="ln -sfn /src/outreal /src/o1; mv -T /src/o1 /src/out; "
SWAP+="ln -sfn $victim /src/o2; mv -T /src/o2 /src/out; done) >/dev/null 2>&1 &"

tmux_start race "$PAKS" run -v "$launch:/src" -w /src \
	--name "paks-race-$run_id" "$IMG_BOOKWORM"
if ! shell_ready; then
	not_ok "paks run -v LAUNCH:/src starts a shell"
	finish
fi
run_line 'mkdir -p /root/results && echo r >/root/results/pwn'
run_line "$SWAP"

refused=0 leaked=0
refusal() { # counts OUT as a refusal, or shows what came instead
	if grep -Eq '^paks: .*(which the container can write|leads outside)' <<<"$OUT"; then
		refused=$((refused + 1))
	else
		sed 's/^/#   not a refusal: |/' <<<"$OUT"
	fi
}
for i in 1 2 3 4 5 6 7 8; do
	# Refused, as the mount's or (the symlink in place) as outside.
	run_line "#cp host:data.csv /root/got$i"
	refusal
	run_line "cat /root/got$i 2>/dev/null"
	grep -q "host-secret-$$" <<<"$OUT" && leaked=$((leaked + 1))
	run_line '#cp /root/results host:out/'
	refusal
done
expect_same "#cp from a host path the container can write is refused, 16 of 16" \
	16 "$refused"
expect_same "no host file reached the container" 0 "$leaked"
check "nothing was written outside the launch directory" \
	bash -c '[ -z "$(ls -A "$1")" ]' _ "$victim"
check "no .paks-cp- directory was left in the launch directory" \
	bash -c '! ls -A "$1" | grep -q "^\.paks-cp-"' _ "$launch"
run_line 'kill %1; wait'
rm -f "$launch/data.csv"
echo benign >"$launch/data.csv"
run_line "#cp host:data.csv /root/x"
if grep -q "^paks: host path 'data.csv' is in $launch, which the container can write" <<<"$OUT" &&
	grep -q 'inside the container instead, or mount it with :ro' <<<"$OUT" &&
	[ "$(grep -c . <<<"$OUT")" = 1 ]; then
	ok "the refusal is one line that names the mount and what to do"
else
	not_ok "the refusal is one line that names the mount and what to do"
	sed 's/^/#   |/' <<<"$OUT"
fi
type_enter 'exit'
tmux_wait_exit 60 >/dev/null
tmux_stop race
rm -f "$launch/out" "$launch/data.csv"
echo benign >"$launch/data.csv"

# Read-only: the container cannot swap anything there, and #cp works.
tmux_start ro "$PAKS" run -v "$launch:/src:ro" -w /src \
	--name "paks-race-ro-$run_id" "$IMG_BOOKWORM"
if shell_ready; then
	run_line '#cp host:data.csv /root/got'
	run_line 'cat /root/got'
	expect_same "with :ro, #cp from the launch directory works" benign "$OUT"
	run_line 'echo back >/root/b'
	run_line '#cp /root/b host:b.txt'
	check "with :ro, #cp to the launch directory works" \
		grep -qx back "$launch/b.txt"
	check "the file arrived owned by the user who ran paks" \
		test "$(stat -c %u "$launch/b.txt")" = "$(id -u)"
	type_enter 'exit'
	tmux_wait_exit 60 >/dev/null
else
	not_ok "paks run -v LAUNCH:/src:ro starts a shell"
fi
tmux_stop ro
finish
