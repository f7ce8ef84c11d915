#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# End-to-end tests of the Charliecloud backend (issue 22), as a normal
# user (tests/charliecloud.sh: the rootless tests' user, FUSE for normal
# users, dev.sqfs from `paks export` of an image with USER, ENV and
# WORKDIR), with Debian's ch-run and real terminals (tmux).  One session
# checks the writable copy and its size, the image's ENV and WORKDIR,
# #envhost, #cp both ways with the user's ownership, a symlink that points
# out of the image, #diff, #size and #save into dev-saved.sqfs, which
# `ch-run --set-env` runs with the file and the ENV kept and nothing of
# paks, and which `paks run dev-saved.sqfs` runs on rootful podman; the
# copy is gone after exit.  --keep keeps it for the next run (#sbom
# there).  Sessions ended by a closed terminal and by `kill -9` leave
# no process and no copy.  The original file is never changed.
# shellcheck disable=SC2016 # lines typed into the container's shell
set -u
source "$(dirname "$0")/lib.sh"

TESTS_DIR=$TEST_REPO/tests
RL_USER=$("$TESTS_DIR/rootless.sh" user)
"$TESTS_DIR/charliecloud.sh" setup "$PAKS" >/dev/null || {
	not_ok "the Charliecloud test world (tests/charliecloud.sh setup)"
	finish
}
"$TESTS_DIR/charliecloud.sh" fuse || skip "no FUSE: ch-run on .sqfs files"
RL_PAKS=$("$TESTS_DIR/rootless.sh" stage "$PAKS")
cleanup_add rm -rf "${RL_PAKS%/build/*}"

# The launch directory and the copies' store, the user's own.
base=$("$TESTS_DIR/charliecloud.sh" workdir ch-test)
cleanup_add rm -rf "$base"
launch=$base/launch
store=$base/cache
echo "host-$$" >"$launch/h.txt"
chown "$RL_USER:" "$launch/h.txt"
orig_sum=$(sha256sum <"$launch/dev.sqfs")
mark="made-$$-$RANDOM"
# shellcheck disable=SC2034 # read by run_line in lib.sh
PROMPT_RE='\$ *$'

# as_rl CMD...: an argv as the user, with a login environment.
as_rl() {
	local cmd
	printf -v cmd '%q ' "$@"
	su - "$RL_USER" -c "$cmd"
}

# The paks session as the user, in the launch directory, in a pane.
start_session() { # NAME [PAKS-RUN-ARGS...]
	local name=$1 cmd extra=""
	shift
	[ $# -eq 0 ] || extra=$(printf ' %q' "$@")
	printf -v cmd 'cd %q && export XDG_CACHE_HOME=%q MYHOST=%q && exec %q run --container-tech charliecloud%s dev.sqfs' \
		"$launch" "$store" "from-host-$$" "$RL_PAKS" "$extra"
	tmux_start "$name" "su - $RL_USER -c $(printf '%q' "$cmd")"
}

copies() { find "$store/paks/ch" -mindepth 1 -maxdepth 1 ! -name '*.lock' 2>/dev/null; }
no_copy() { [ -z "$(copies)" ]; }
no_proc() { ! pgrep -u "$RL_USER" -f "$1" >/dev/null; }

start_session ch
expect_screen "a writable copy is made, and its size said" \
	"^paks: made a writable copy of $launch/dev.sqfs in $store/paks/ch/.* \([0-9.]+ [kMG]?B\)" 120
shell_ready 60 >/dev/null

run_line 'echo "foo=[$FOO] pwd=$(pwd) user=$(id -un)"'
expect_same "the image's ENV and WORKDIR, as the invoking user" \
	"foo=[bar with spaces 'q' \$x] pwd=/home/alice/work user=$RL_USER" "$OUT"

run_line '#envhost MYHOST'
run_line 'echo "got=$MYHOST"'
expect_same "#envhost sets a host variable" "got=from-host-$$" "$OUT"

# The host's /tmp (the user's sockets: an ssh agent's, say) is not the
# container's to read or write.
hosttmp=$(mktemp /tmp/paks-hosttmp.XXXXXX)
cleanup_add rm -f "$hosttmp"
run_line "test -e $hosttmp && echo SHARED || echo PRIVATE"
expect_same "the container's /tmp is its own" PRIVATE "$OUT"
# ...and the one #cp writes to, as on podman.
run_line '#cp host:h.txt /tmp/'
run_line 'cat /tmp/h.txt'
expect_same "#cp host:h.txt /tmp/ lands in the shell's /tmp" "host-$$" "$OUT"

run_line '#cp host:h.txt /opt/'
run_line 'echo "$(cat /opt/h.txt) $(stat -c %U /opt/h.txt)"'
expect_same "#cp host:h.txt /opt/ copies in, the user's own" "host-$$ $RL_USER" "$OUT"

run_line "echo $mark >/opt/made.txt"
run_line '#cp /opt/made.txt host:back.txt'
check "#cp /opt/made.txt host:back.txt copies out" \
	test "$(cat "$launch/back.txt" 2>/dev/null)" = "$mark"
check "... owned by the user" test "$(stat -c %U "$launch/back.txt")" = "$RL_USER"

run_line "ln -sf $launch/h.txt /opt/esc"
run_line '#cp /opt/esc host:esc.txt'
check "a symlink to a host path is resolved inside the image, never on the host" \
	test ! -e "$launch/esc.txt"
run_line '#cp /proc/self/status host:st.txt'
check "#cp refuses /proc" grep -q "kernel makes" <<<"$OUT"

run_line '#diff'
check "#diff shows the new file" grep -qx 'A /opt/made.txt' <<<"$OUT"
run_line '#size'
check "#size says the changes and the copy" grep -q '^changes: .* (.* paths)' <<<"$OUT"

run_line '#save' 300
check "#save writes dev-saved.sqfs in the launch directory" \
	grep -q "^Saved to $launch/dev-saved.sqfs" <<<"$OUT"
type_enter 'exit'
check "the shell's exit ends paks with its status" test "$(tmux_wait_exit 60)" = 0
check "no writable copy is left" no_copy
check "the original file is unchanged" test "$(sha256sum <"$launch/dev.sqfs")" = "$orig_sum"

if "$TESTS_DIR/charliecloud.sh" fuse; then
	# shellcheck disable=SC2016 # for the container's shell
	run as_rl sh -c 'cd "$1" && ch-run --set-env dev-saved.sqfs -- sh -c "cat /opt/made.txt; echo \$FOO; ls -a /"' _ "$launch"
	check "ch-run --set-env dev-saved.sqfs shows the file" grep -qx "$mark" <<<"$OUT"
	check "... with the image's ENV" grep -qxF "bar with spaces 'q' \$x" <<<"$OUT"
	check "... and nothing of paks" test -z "$(grep '^\.paks' <<<"$OUT")"
fi

# And back: the saved file on rootful podman, as an image named after it.
back="t$$-back"
cp "$launch/dev-saved.sqfs" "$TEST_TMP/$back.sqfs"
cleanup_add podman_t rmi -f "localhost/$back:latest"
tmux_start back "cd $(printf '%q' "$TEST_TMP") && $(printf '%q' "$PAKS") run $back.sqfs"
shell_ready 120 >/dev/null
run_line 'echo "$(cat /opt/made.txt) foo=[$FOO] pwd=$(pwd) user=$(id -un)"'
expect_same "paks run dev-saved.sqfs on podman shows the file, the ENV, WORKDIR and USER" \
	"$mark foo=[bar with spaces 'q' \$x] pwd=/home/alice/work user=alice" "$OUT"
type_enter 'exit'
tmux_wait_exit 60 >/dev/null

# --keep: the copy stays for the next run, which starts from it.
start_session keep --keep
shell_ready 120 >/dev/null
run_line "echo kept-$$ >/opt/kept.txt"
type_enter 'exit'
tmux_wait_exit 60 >/dev/null
check "--keep keeps the writable copy" test -n "$(copies)"
start_session again
expect_screen "the next run uses the kept copy" '^paks: using the kept writable copy' 60
shell_ready 60 >/dev/null
run_line 'cat /opt/kept.txt'
expect_same "... with what was written in it" "kept-$$" "$OUT"
run_line '#sbom' 120
check "#sbom lists the image's packages" grep -q 'components (dpkg)' <<<"$OUT"
type_enter 'exit'
tmux_wait_exit 60 >/dev/null
check "a run without --keep removes it" no_copy

# busybox: no bash to load the preload into, so PTY mode.
tmux_start bb "su - $RL_USER -c $(printf '%q' "cd $launch && export XDG_CACHE_HOME=$store MYHOST=bb-$$ && exec $RL_PAKS run --container-tech charliecloud bb.sqfs")"
shell_ready 120 >/dev/null
type_enter '#envhost MYHOST'
tmux_wait_for '^copied 1 variable' >/dev/null
type_enter 'echo "bb=[$MYHOST]"'
expect_screen "busybox runs in PTY mode, and #envhost works there" "^bb=\\[bb-$$\\]" 30
type_enter 'exit'
tmux_wait_exit 60 >/dev/null

# A closed terminal (SIGHUP to paks, as tmux_stop sends it).
start_session hup
shell_ready 120 >/dev/null
type_enter "sleep 6666$$ & echo started"
tmux_wait_for '^started' >/dev/null
tmux_stop hup
check "after a closed terminal no process of the session is left" \
	poll_until 30 no_proc "sleep 6666$$"
check "... and no writable copy" poll_until 30 no_copy

# kill -9: the janitor ends the session's processes and removes the copy.
start_session ch9
shell_ready 120 >/dev/null
type_enter "sleep 7777$$ & echo started"
tmux_wait_for '^started' >/dev/null
pid=$(pgrep -u "$RL_USER" -f "$RL_PAKS run --container-tech" | head -n 1)
check "a process runs in the session" pgrep -u "$RL_USER" -f "sleep 7777$$"
[ -z "$pid" ] || kill -9 "$pid"
check "after kill -9 of paks no process of the session is left" \
	poll_until 30 no_proc "sleep 7777$$"
check "... and no writable copy" poll_until 30 no_copy

# An image whose /tmp is a symlink to a host directory: ch-run must not
# bind that directory (the copy's /tmp becomes a directory first).
evil=$base/evil
hostdir=$base/hostdir
mkdir -p "$evil" "$hostdir"
echo "host-only-$$" >"$hostdir/secret"
unsquashfs -q -f -d "$evil/root" "$launch/bb.sqfs" >/dev/null 2>&1
rm -rf "$evil/root/tmp"
ln -s "$hostdir" "$evil/root/tmp"
mksquashfs "$evil/root" "$launch/evil.sqfs" -quiet -noappend -all-root >/dev/null
chown -R "$RL_USER:" "$base"
tmux_start evil "su - $RL_USER -c $(printf '%q' "cd $launch && export XDG_CACHE_HOME=$store && exec $RL_PAKS run --container-tech charliecloud evil.sqfs")"
if shell_ready 60 >/dev/null; then
	run_line "cat /tmp/secret 2>/dev/null || echo NOT-THERE; echo x >/tmp/planted"
	expect_same "an image's /tmp symlink does not bind a host directory" NOT-THERE "$OUT"
	check "... nor writes into it" test ! -e "$hostdir/planted"
	type_enter 'exit'
	tmux_wait_exit 60 >/dev/null
else
	not_ok "the image with a /tmp symlink starts"
fi
tmux_stop evil

finish
