#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# End-to-end tests of the built-in '#' commands in preload mode (issue 4),
# typed into `paks run` in tmux against real podman, on Debian bookworm
# (bash 5.2) and bullseye (bash 5.1, glibc 2.31).  They check effects, not
# messages: the images #save makes, their config and layers, what a failed
# or cancelled save leaves, files #cp moves and refuses to move, the exact
# values #envload/#envsave/#envhost export (and where they must not show),
# history and Up-arrow editing, refused injections and bad input, an
# engine client that dies with paks on `kill -9` (paks gc cleans up), two
# sessions that stay apart, a nested bash that paks does not serve, the
# exit status, the removed container and a sane terminal.
# Every image made here is named under $NS and removed at the end.
# shellcheck disable=SC2016 # most strings are typed into the container
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

new_home
NS=localhost/paks-cmds-$$
IDS=$TEST_TMP/image-ids # every image id a save made, for the cleanup
SIDS=()                 # session ids, for the containers' cleanup
: >"$IDS"
export HOSTVAR='host value "q" $h'

cleanup_images() {
	local refs
	refs=$(podman_t images --format '{{.Repository}}:{{.Tag}}' |
		grep -F "$NS/")
	# shellcheck disable=SC2086 # one reference per word
	[ -z "$refs" ] || podman_t rmi -f $refs
	# shellcheck disable=SC2046
	podman_t rmi -f $(sort -u "$IDS")
	for sid in "${SIDS[@]}"; do
		# shellcheck disable=SC2046 # one id per word
		podman_t rmi -f $(podman_t images -q --filter \
			"reference=localhost/paks-tmp-$sid-*")
	done
}
cleanup_containers() {
	tmux_stop
	for sid in "${SIDS[@]}"; do
		podman_t rm -f -t 0 "paks-$sid"
	done
}
cleanup_add cleanup_images
cleanup_add cleanup_containers

# --- helpers ---------------------------------------------------------------

# The shell's prompt when it is waiting for input: Debian's root prompt in
# the container, bash's default on the host.
PROMPT_RE='^(root@[^ ]+:[^ ]*|bash-[0-9.]+)# ?$'

# poll CMD...: until CMD succeeds, up to TMUX_WAIT_TIMEOUT (a guard).
poll() {
	poll_until "${POLL_TIMEOUT:-$TMUX_WAIT_TIMEOUT}" "$@"
}


# paste FILE: paste FILE's bytes into the pane as typed.
paste() {
	tmux -L "$TMUX_SOCK" load-buffer -b cmds "$1" &&
		tmux -L "$TMUX_SOCK" paste-buffer -d -b cmds -t "$TMUX_TARGET"
}

# has REGEX: OUT has a line matching REGEX.
has() {
	grep -Eq -- "$1" <<<"$OUT"
}

# one_error REGEX: OUT is exactly one line, a "paks: " line matching REGEX.
one_error() {
	[ "$(grep -c . <<<"$OUT")" -eq 1 ] && grep -Eq -- "^paks: .*$1" <<<"$OUT"
}

# two_sizes: OUT is the two lines of #size, each with a unit.
two_sizes() {
	[ "$(grep -c . <<<"$OUT")" -eq 2 ] &&
		sed -n 1p <<<"$OUT" | grep -Eq '^changes: [0-9.]+ [kMGTP]?B$' &&
		sed -n 2p <<<"$OUT" | grep -Eq '^virtual: [0-9.]+ [kMGTP]?B( |$)'
}

# start_paks NAME IMAGE: a pane running paks itself (its pid is the pane's)
# in the current directory; SID is the session id, from the shell.
start_paks() {
	tmux_start "$1" "$PAKS" run "$2"
	wait_shell
}

# wait_shell: the paks shell answers; sets SID.
wait_shell() {
	SID=""
	type_enter 'echo "SID=$PAKS_SESSION-$((6*7))"'
	tmux_wait_for '^SID=[a-z0-9]+-42$' 90 || return 1
	SID=$(tmux_screen | sed -n 's/^SID=\([a-z0-9]*\)-42$/\1/p' | tail -n 1)
	SIDS+=("$SID")
}

image_id() {
	podman_t image inspect --format '{{.Id}}' "$1" 2>/dev/null
}

# An image a save made: remember its id for the cleanup.
track() {
	image_id "$1" >>"$IDS"
}

layers() {
	podman_t image inspect --format '{{len .RootFS.Layers}}' "$1"
}

same_config() { # ORIG SAVED
	local a b
	a=$(podman_t image inspect --format '{{json .Config}}' "$1" | config_of) &&
		b=$(podman_t image inspect --format '{{json .Config}}' "$2" | config_of) ||
		return 1
	[ "$a" = "$b" ] && return 0
	diff <(echo "$a") <(echo "$b")
	return 1
}

no_paks_in_config() { # IMAGE
	local j
	j=$(podman_t image inspect --format '{{json .Config}}' "$1") || return 1
	! grep -E 'LD_PRELOAD|PAKS_|/dev/\.paks' <<<"$j"
}

# The saved image's filesystem has nothing of paks: no runtime directory
# mountpoint (/dev/.paks or elsewhere), no preload, no launcher.
no_paks_in_rootfs() { # IMAGE
	local mnt found
	mnt=$(podman_t image mount "$1") || return 1
	found=$(find "$mnt" -maxdepth 4 \( -name .paks -o -name 'libpaks*' \
		-o -name paks-launch \) -print)
	podman_t image unmount "$1" >/dev/null
	[ -z "$found" ] || { echo "found: $found"; return 1; }
}

# A fresh container from IMAGE shows nothing of paks in /, /dev, /run.
no_paks_in_run() { # IMAGE
	local out
	out=$(podman_t run --rm "$1" ls -a / /dev /run) || return 1
	! grep paks <<<"$out"
}

no_image() { # REF
	[ -z "$(podman_t images -q --filter "reference=$1")" ]
}

wait_gone() { # REF: polls a guard's while, for a cleanup that runs last
	poll_until "$TMUX_WAIT_TIMEOUT" no_image "$1"
}

# quit_paks: exit the shell of a pane that runs paks itself.  (Not with
# status 0: tmux_wait_exit does not see that one.)
quit_paks() {
	type_enter 'exit 7'
	tmux_wait_exit >/dev/null
}

# no_commit SID: no engine commit of the session's container is running.
no_commit() {
	! pgrep -f "commit .*paks-$1 " >/dev/null
}

# in_ctr SID SCRIPT: run a sh script in the session's container (with a
# PATH: the container's own environment has none, the launcher sets it).
in_ctr() {
	podman_t exec "paks-$1" /bin/sh -c "PATH=/usr/bin:/bin; $2"
}

# --- the checks, once per image ----------------------------------------------

# make_base LABEL FROM: an image of our own with a config to keep
# (Env with spaces and quotes, Labels, Entrypoint, Cmd, User, WorkingDir).
make_base() {
	local dir=$TEST_TMP/ctx-$1
	mkdir -p "$dir"
	{
		echo "FROM $2"
		echo 'ENV FOO="bar baz" QUOTED="\"q\""'
		echo 'LABEL org.example.cmds="yes" other="a b"'
		echo 'ENTRYPOINT ["/usr/bin/env"]'
		echo 'CMD ["/bin/bash"]'
		echo 'USER root'
		# bullseye also gets a working directory, bookworm keeps none.
		[ "$1" = bullseye ] && echo 'WORKDIR /srv'
	} >"$dir/Containerfile"
	podman_t build -q -t "$NS/$1:latest" "$dir" >/dev/null &&
		track "$NS/$1:latest"
}

check_basics() { # L
	local L=$1 cmd
	run_line '#help'
	for cmd in help save push export inspect size diff cp envload \
		envsave envhost; do
		check "$L: #help lists #$cmd" has "^  #$cmd( |\$)"
	done
	run_line '#nope'
	check "$L: #nope prints one line naming it and #help" \
		one_error "'#nope'.*#help"
	run_line '# comment #save'
	check "$L: '# comment' stays silent" test -z "$OUT"
	run_line '#!x'
	check "$L: '#!x' stays silent" test -z "$OUT"
}

check_save() { # L
	local L=$1 base=$NS/$1:latest saved=$NS/$1-saved:latest
	run_line 'touch /before-save; #save' 10
	# Not a paks line: '#save' after a command is bash's comment.
	check "$L: a '#' after a command is a comment" test -z "$OUT"
	run_line '#save' 60
	check "$L: #save says it saved <image>-saved" \
		has "^Saved $saved \([0-9]+s\)\$"
	check "$L: image <image>-saved:latest exists" \
		podman_t image exists "$saved"
	track "$saved"
	check "$L: a file touched before the save is in the image" \
		podman_t run --rm "$saved" test -f /before-save
	check "$L: the saved config equals the original (Env Cmd Entrypoint User Labels WorkingDir)" \
		same_config "$base" "$saved"
	check "$L: no LD_PRELOAD, PAKS_ or /dev/.paks in the saved config" \
		no_paks_in_config "$saved"
	check "$L: the saved image's rootfs has no /dev/.paks" \
		no_paks_in_rootfs "$saved"
	check "$L: a container from the saved image has no /dev/.paks" \
		no_paks_in_run "$saved"

	run_line '#save suffix=-x' 60
	check "$L: #save suffix=-x makes <image>-x" podman_t image exists "$NS/$L-x:latest"
	track "$NS/$L-x:latest"
	run_line "#save $NS/named-$L:v1" 60
	check "$L: #save NAME:TAG makes NAME:TAG" podman_t image exists "$NS/named-$L:v1"
	track "$NS/named-$L:v1"
	run_line "#save $NS/named-$L:v1" 60
	check "$L: #save over an existing name says it replaced it" \
		has "^Note: $NS/named-$L:v1 named another image before; it is kept as [0-9a-f]{12}\$"
	# Over the running image's own name: said, and put back for the
	# checks that follow.
	local base_id saved_id
	base_id=$(podman_t image inspect --format '{{.Id}}' "$base")
	run_line "#save $base" 60
	check "$L: #save over the session's own image says so" \
		has "^Note: $base named the image this session started from; that image is kept as ${base_id:0:12}\$"
	saved_id=$(podman_t image inspect --format '{{.Id}}' "$base")
	podman_t tag "$base_id" "$base"
	podman_t rmi "$saved_id" >/dev/null 2>&1
	run_line "#save suffix=BAD/x" 10
	check "$L: an invalid suffix is one error line" one_error 'suffix'
}

check_recall() { # L
	local L=$1
	type_enter 'clear'
	type_enter '#save suffix=-a'
	tmux_wait_for "^Saved $NS/$L-a:latest" 60
	tmux_send Up
	tmux_send BSpace
	type_enter 'b'
	tmux_wait_for "^Saved $NS/$L-b:latest" 60
	check "$L: #save suffix=-a made <image>-a" podman_t image exists "$NS/$L-a:latest"
	check "$L: Up, edit, Enter made <image>-b" podman_t image exists "$NS/$L-b:latest"
	track "$NS/$L-a:latest"
	track "$NS/$L-b:latest"
	run_line 'history 4'
	check "$L: history shows both lines as typed, one after the other" \
		awk '/^ *[0-9]+ +#save suffix=-a$/ { a = NR }
			/^ *[0-9]+ +#save suffix=-b$/ { b = NR }
			END { exit !(a && b == a + 1) }' <<<"$OUT"
}

check_inspect() { # L
	local L=$1
	run_line '#inspect'
	check "$L: #inspect shows the container's JSON" \
		jq -e '.Id and .Config and .State' <<<"$OUT"
	run_line '#inspect config'
	check "$L: #inspect config shows the Config section" \
		jq -e '.Env and .Cmd' <<<"$OUT"
	run_line '#inspect CONFIG.Env'
	check "$L: #inspect CONFIG.Env (any case) shows the Env array" \
		jq -e 'type == "array" and (map(startswith("HOME=")) | any)' <<<"$OUT"
	run_line '#inspect nosuch'
	check "$L: #inspect of an unknown section is one error line" \
		one_error "no section 'nosuch'"
	run_line '#size'
	check "$L: #size prints two lines with units" two_sizes
	run_line 'touch /diff-marker-file'
	run_line '#diff'
	check "$L: #diff lists a file created in the container" \
		has '^A /diff-marker-file$'
}

check_cp() { # L SID LAUNCH
	local L=$1 sid=$2 launch=$3
	echo "host file $L" >"$launch/f.txt"
	mkdir -p "$launch/hdir/sub"
	echo "deep $L" >"$launch/hdir/sub/deep.txt"
	echo outside >"$TEST_TMP/x"
	mkdir -p "$TEST_TMP/outside-$L"
	ln -sfn /etc "$launch/esc"
	ln -sfn "$TEST_TMP/outside-$L" "$launch/esc2"

	run_line 'cd /tmp'
	run_line '#cp host:f.txt .'
	check "$L: #cp host:f.txt . copies into the shell's cwd" \
		test "$(in_ctr "$sid" "cat /tmp/f.txt")" = "host file $L"
	run_line '#cp host:hdir /tmp/cdir'
	check "$L: #cp copies a host directory in" \
		test "$(in_ctr "$sid" "cat /tmp/cdir/sub/deep.txt")" = "deep $L"
	run_line 'mkdir -p out/sub && echo "from ctr" > out/sub/c.txt && echo ctr-file > c1.txt'
	run_line '#cp c1.txt host:back.txt'
	check "$L: #cp copies a file out, relative to the cwd" \
		test "$(cat "$launch/back.txt" 2>&1)" = ctr-file
	run_line '#cp out host:outdir'
	check "$L: #cp copies a directory out" \
		test "$(cat "$launch/outdir/sub/c.txt" 2>&1)" = "from ctr"

	# ".." that stays inside is resolved, then allowed (issue 13.5).
	run_line '#cp host:hdir/../f.txt /tmp/dotdot.txt'
	check "$L: #cp host:sub/../FILE inside the launch dir copies" \
		test "$(in_ctr "$sid" "cat /tmp/dotdot.txt")" = "host file $L"
	# Outside is one answer, whether the file exists or not.
	run_line '#cp host:../no-such-file-here .'
	check "$L: #cp host:../MISSING says outside, not 'No such file'" \
		one_error 'outside the launch directory'
	run_line '#cp host:esc/no-such-file-here .'
	check "$L: #cp through a symlink out to a MISSING file says outside too" \
		one_error 'outside the launch directory'
	run_line '#cp host:../x .'
	check "$L: #cp host:../x is refused" one_error 'outside the launch directory'
	check "$L: #cp host:../x copied nothing" \
		in_ctr "$sid" "test ! -e /tmp/x"
	run_line '#cp host:/etc/passwd .'
	check "$L: #cp host:/etc/passwd is refused" one_error 'absolute'
	check "$L: #cp host:/etc/passwd copied nothing" \
		in_ctr "$sid" "test ! -e /tmp/passwd"
	run_line '#cp host:esc/passwd .'
	check "$L: #cp through a symlink leading out is refused" \
		one_error 'outside the launch directory'
	check "$L: the symlink copy copied nothing" \
		in_ctr "$sid" "test ! -e /tmp/passwd"
	run_line '#cp c1.txt host:esc2/leak.txt'
	check "$L: #cp out through a symlink leading out is refused" \
		one_error 'outside the launch directory'
	check "$L: nothing was written outside the launch directory" \
		test ! -e "$TEST_TMP/outside-$L/leak.txt"

	# The engine's failures are one paks line, not its raw message.
	mkfifo "$launch/hfifo"
	run_line '#cp c1.txt host:hfifo'
	check "$L: #cp onto a host FIFO is one error line" one_error '#cp'
	check "$L: the host FIFO is left as it was" test -p "$launch/hfifo"
	run_line 'mkfifo /tmp/ff'
	run_line '#cp /tmp/ff host:ffcopy'
	check "$L: #cp of a FIFO to the host is one error line" one_error 'FIFO'
	check "$L: no FIFO was made on the host" test ! -e "$launch/ffcopy"
	run_line '#cp /dev/null host:nullcopy'
	check "$L: #cp of a device to the host is one error line" one_error '#cp'
	check "$L: no device node was made on the host" test ! -e "$launch/nullcopy"
	run_line '#cp host:f.txt /proc/x'
	check "$L: #cp into /proc is one error line" one_error '#cp'
	run_line '#cp /nonexistent host:nx.txt'
	check "$L: #cp of a missing file is one error line" one_error '#cp'
	check "$L: a failed #cp leaves nothing on the host" \
		test ! -e "$launch/nx.txt"
	# A full disk: the copy fails as one line and leaves no partial file.
	if [ "$(id -u)" = 0 ] && mkdir -p "$launch/small" &&
		mount -t tmpfs -o size=1m tmpfs "$launch/small"; then
		cleanup_add umount "$launch/small"
		run_line 'head -c 3000000 /dev/zero > /tmp/big'
		run_line '#cp /tmp/big host:small/big'
		check "$L: #cp to a full disk is one error line" one_error '#cp'
		check "$L: #cp to a full disk leaves no partial copy" \
			test -z "$(ls -A "$launch/small")"
		umount "$launch/small"
	else
		skip "$L: a full disk needs root to mount a small tmpfs"
	fi
	run_line 'cd /'
}

check_env() { # L
	local L=$1 file
	"$PAKS" env add "cmds-$L" 'V=a b "c" $x' $'N=line1\nline2'
	# Even with set -x and -v on, nothing shows the values.
	run_line 'set -vx'
	run_line "#envload cmds-$L"
	check "$L: #envload says what it loaded" has "^loaded 2 variables from cmds-$L"
	run_line 'set +vx'
	# Before anything below types a value.
	if tmux_history | grep -Eq 'line1|line2|a b "c"'; then
		not_ok "$L: the values never show on screen during #envload"
	else
		ok "$L: the values never show on screen during #envload"
	fi
	run_line "history | grep -cE 'line[1]|line[2]|a b \"[c]\"'"
	check "$L: the values are not in history" test "$OUT" = 0
	run_line "[ \"\$V\" = 'a b \"c\" \$x' ] && echo V-SAME"
	check "$L: V has its exact value (spaces, quotes, \$)" has '^V-SAME$'
	run_line "[ \"\$N\" = \"\$(printf 'line1\\nline2')\" ] && echo N-SAME"
	check "$L: N has its exact value (a newline)" has '^N-SAME$'
	run_line "$(cat <<-'EOF'
		bash -c '[ "$V" = "a b \"c\" \$x" ] && [ "$N" = "$(printf "line1\nline2")" ] && echo CHILD-SAME'
	EOF
	)"
	check "$L: the variables are exported (a child sees them)" has '^CHILD-SAME$'

	run_line "#envsave saved-$L SV='x \"y\" z' SV2=two"
	file=$XDG_CONFIG_HOME/paks/envs/saved-$L
	check "$L: #envsave writes the host file" \
		grep -qxF 'SV=x "y" z' "$file"
	run_line "bash -c 'printf \"[%s][%s]\\n\" \"\$SV\" \"\$SV2\"'"
	check "$L: #envsave exports the values" has '^\[x "y" z\]\[two\]$'

	run_line '#envhost HOSTVAR'
	run_line "bash -c 'printf \"[%s]\\n\" \"\$HOSTVAR\"'"
	check "$L: #envhost copies a host variable, exported" \
		has '^\[host value "q" \$h\]$'
	run_line '#envhost NO_SUCH_VAR_CMDS'
	check "$L: #envhost of an unset variable is one error line" \
		one_error 'not set on the host'

	# A value too long to export is refused whole, never cut (issue
	# 13.8): 2 MiB written straight into the file.
	printf 'BIG=%s\nSMALL=1\n' "$(head -c 2097152 /dev/zero | tr '\0' x)" \
		>"$XDG_CONFIG_HOME/paks/envs/big-$L"
	run_line "#envload big-$L"
	check "$L: #envload of a 2 MiB value is one error line" \
		one_error 'BIG is 2097156 bytes long'
	run_line 'echo "big=${#BIG} small=${SMALL-unset}"'
	check "$L: nothing of it was exported" has '^big=0 small=unset$'
}

check_injection() { # L
	local L=$1 f=/tmp/paks-inj-$$-$1
	rm -f "$f"-*
	run_line "#save suffix=\$(touch $f-1)"
	check "$L: #save suffix=\$(...) is refused" one_error 'suffix'
	run_line "#save $NS/x;touch $f-2"
	check "$L: #save NAME;cmd is refused" one_error '.'
	run_line "#cp \"host:\`touch $f-3\`\" ."
	check "$L: #cp \"host:\`...\`\" is refused" one_error 'host path'
	run_line "#cp \"host:f.txt\" \"\$(touch $f-4)\""
	run_line "#inspect \$(touch $f-5) \`touch $f-6\`"
	check "$L: nothing ran on the host" \
		test -z "$(ls "$f"-* 2>/dev/null)"
	check "$L: nothing ran in the container" \
		in_ctr "$SID" "! ls $f-* 2>/dev/null"
}

check_bad_input() { # L
	local L=$1
	run_line '#save "abc'
	check "$L: an unbalanced quote is one error line" one_error 'quote'
	run_line 'echo alive-1'
	check "$L: the shell works after an unbalanced quote" has '^alive-1$'

	printf '#save %s' "$(head -c 65536 /dev/zero | tr '\0' x)" \
		>"$TEST_TMP/long-line"
	POLL_TIMEOUT=60 run_with paste "$TEST_TMP/long-line"
	check "$L: a 64 KiB line is one error line" one_error 'command line too long'
	run_line 'echo alive-2'
	check "$L: the shell works after a 64 KiB line" has '^alive-2$'

	printf '#save \xff\xfe-bad' >"$TEST_TMP/bad-utf8"
	run_with paste "$TEST_TMP/bad-utf8"
	check "$L: invalid UTF-8 is one error line" one_error 'UTF-8'
	run_line 'echo alive-3'
	check "$L: the shell works after invalid UTF-8" has '^alive-3$'
}

# A nested bash is not the shell paks started: one line says where '#'
# commands work, and nothing happens on the host (issue 12).
check_nested() { # L
	local L=$1
	run_line 'bash'
	run_line '#help'
	check "$L: #help in a nested bash says where #commands work" \
		one_error 'work only in the shell that paks started'
	run_line "#envsave nested-$L NESTED=inner"
	check "$L: #envsave in a nested bash saves nothing on the host" \
		test ! -e "$XDG_CONFIG_HOME/paks/envs/nested-$L"
	run_line 'echo "[${NESTED-unset}]"'
	check "$L: the nested shell gets no variable" has '^\[unset\]$'
	run_line 'exit'
	run_line "#envsave nested-$L NESTED=outer"
	run_line 'echo "[${NESTED-unset}]"'
	check "$L: the outer shell's #envsave works after the nested bash" \
		has '^\[outer\]$'
}

# A big file so that the commit takes a while, Ctrl-C once it started.
check_cancel() { # L
	local L=$1 victim=$NS/victim-$1:latest before
	podman_t tag "$NS/$L:latest" "$victim"
	before=$(image_id "$victim")
	run_line 'head -c 400M /dev/zero > /big.bin && echo big-made' 60
	type_enter 'clear'
	type_enter "#save $victim"
	tmux_wait_for '^Saving ' 30
	tmux_send C-c
	run_line 'echo after-ctrl-c' 30
	check "$L: Ctrl-C during #save returns the prompt" has '^after-ctrl-c$'
	check "$L: the cancelled save says the target is unchanged" \
		tmux_wait_for "^paks: save failed; $victim is unchanged" 1
	# Judge the target only once no commit of this container runs.
	POLL_TIMEOUT=120 poll no_commit "$SID"
	check "$L: a cancelled save leaves the target's image untouched" \
		test "$(image_id "$victim")" = "$before"
	check "$L: no paks-tmp- image of this session remains" \
		wait_gone "localhost/paks-tmp-$SID-*"
	run_line 'rm -f /big.bin'
}

# Saving a saved image again and again keeps the layer count bounded.
check_layers() { # L LAUNCH
	local L=$1 launch=$2 base=$NS/$1:latest round=$NS/round-$1:latest n0 n
	n0=$(layers "$base")
	run_line "#save $round" 60
	track "$round"
	n=$(layers "$round")
	check "$L: a first save adds one layer ($n0 -> $n)" test "$n" -eq $((n0 + 1))
	start_paks "r-$L" "$round"
	for i in 1 2; do
		run_line "#save $round" 60
		track "$round"
		n=$(layers "$round")
		check "$L: saving the saved image again, round $i: $n layers <= $((n0 + 1))" \
			test "$n" -le $((n0 + 1))
	done
	quit_paks
	tmux_stop "r-$L"
	start_paks "r2-$L" "$round"
	run_line "#save $round" 60
	track "$round"
	n=$(layers "$round")
	check "$L: a new session on the re-saved image saves it with $n layers <= $((n0 + 1))" \
		test "$n" -le $((n0 + 1))
	quit_paks
	tmux_stop "r2-$L"
	tmux_use "a-$L"
}

# Two sessions at once: variables and copies stay in their own session.
check_concurrent() { # L SID_A SID_B
	local L=$1 a=$2 b=$3 launch=$4
	echo only-a >"$launch/only-a.txt"
	echo only-b >"$launch/only-b.txt"
	tmux_use "a-$L"
	tmux_type "#envsave conc-a-$L CV=from-a"
	tmux_use "b-$L"
	tmux_type "#envsave conc-b-$L CV=from-b"
	tmux_use "a-$L"
	tmux_send Enter
	tmux_use "b-$L"
	tmux_send Enter
	run_line 'echo "CV=[$CV]"'
	check "$L: session b got its own value" has '^CV=\[from-b\]$'
	tmux_use "a-$L"
	run_line 'echo "CV=[$CV]"'
	check "$L: session a got its own value" has '^CV=\[from-a\]$'

	tmux_type '#cp host:only-a.txt /tmp/'
	tmux_use "b-$L"
	tmux_type '#cp host:only-b.txt /tmp/'
	tmux_use "a-$L"
	tmux_send Enter
	tmux_use "b-$L"
	tmux_send Enter
	run_line 'echo cp-done-b'
	tmux_use "a-$L"
	run_line 'echo cp-done-a'
	check "$L: session a got its file" in_ctr "$a" "test -f /tmp/only-a.txt"
	check "$L: session b got its file" in_ctr "$b" "test -f /tmp/only-b.txt"
	check "$L: session a did not get b's file" in_ctr "$a" "test ! -e /tmp/only-b.txt"
	check "$L: session b did not get a's file" in_ctr "$b" "test ! -e /tmp/only-a.txt"
}

# kill -9 of paks and of its guard (which otherwise removes the container
# itself: test_faults_kill9): the engine client dies with paks (it must not
# keep a terminal that paks's parent takes back), the container is left,
# and `paks gc` removes it and the runtime directory.  paks runs under a
# bash in the pane here.
check_kill() { # L SID
	local L=$1 sid=$2 pane pid guard
	tmux_use "b-$L"
	pane=$(tmux -L "$TMUX_SOCK" display-message -p -t "$TMUX_TARGET" '#{pane_pid}')
	pid=$(ps -o pid= --ppid "$pane" | tr -d ' ')
	check "$L: paks is the pane's child ($pid)" grep -q paks "/proc/$pid/cmdline"
	guard=$(pgrep -P "$pid" -x paks-guard)
	check "$L: paks has a guard" test -n "$guard"
	kill -9 $guard
	kill -9 "$pid"
	check "$L: the engine client dies with paks" \
		poll_until 10 bash -c "! pgrep -f -- '[-]-name=paks-$sid'"
	check "$L: the container is left until paks gc" \
		podman_t container exists "paks-$sid"
	check "$L: paks gc removes what the killed paks left" \
		bash -c "'$PAKS' gc | grep -qx 'removed container paks-$sid'"
	check "$L: no container left after paks gc" \
		bash -c "! podman container exists paks-$sid"
	tmux_stop "b-$L"
}

# OUT, from stty -a, shows a cooked terminal.
sane_stty() {
	! has '(^| )-(icanon|echo|isig|icrnl|opost)( |$)' &&
		has '(^| )icanon( |$)' && has '(^| )echo( |$)' &&
		has '(^| )isig( |$)'
}

# Session a ran paks from a host bash: its status and the terminal after.
check_exit() { # L SID
	local L=$1 sid=$2
	tmux_use "a-$L"
	type_enter 'exit 3'
	# Straight after paks (a marker line would reset $?), but not typed
	# ahead: paks flushes typed-ahead input when it restores the terminal.
	POLL_TIMEOUT=60 poll eval 'tmux_screen | grep -v "^ *$" | tail -n 1 |
		grep -Eq "^bash-[0-9.]+# ?$"'
	type_enter 'echo "STATUS=$?"'
	check "$L: paks exits with the shell's status (exit 3)" \
		tmux_wait_for '^STATUS=3$' 60
	wait_no_container "paks-$sid"
	run_line 'stty -a'
	check "$L: the terminal is sane afterwards (stty: icanon echo isig)" \
		sane_stty
	tmux_stop "a-$L"
}

# timed CMD...: run CMD and say how long it took.
timed() {
	local t0=$SECONDS
	"$@"
	echo "# $1 $2: $((SECONDS - t0))s"
}

run_suite() { # LABEL FROM
	local L=$1 from=$2 launch=$TEST_TMP/launch-$1 sid_a sid_b
	mkdir -p "$launch"
	if ! make_base "$L" "$from"; then
		not_ok "$L: build a test image from $from"
		return
	fi
	cd "$launch" || return
	tmux_start "a-$L"
	type_enter "$(printf '%q run %q' "$PAKS" "$NS/$L:latest")"
	if ! wait_shell; then
		not_ok "$L: paks run started a shell"
		return
	fi
	sid_a=$SID
	timed check_basics "$L"
	timed check_save "$L"
	timed check_recall "$L"
	timed check_inspect "$L"
	timed check_cp "$L" "$sid_a" "$launch"
	timed check_env "$L"
	timed check_injection "$L"
	timed check_bad_input "$L"
	timed check_nested "$L"
	timed check_cancel "$L"

	tmux_start "b-$L" "$(printf '%q run %q; exec sleep 3600' "$PAKS" \
		"$NS/$L:latest")"
	wait_shell
	sid_b=$SID
	timed check_concurrent "$L" "$sid_a" "$sid_b" "$launch"
	timed check_kill "$L" "$sid_b"
	SID=$sid_a
	tmux_use "a-$L"
	timed check_layers "$L" "$launch"
	timed check_exit "$L" "$sid_a"
	cd "$TEST_TMP" || return
}

command -v jq >/dev/null || { not_ok "jq is installed"; finish; }
# COMMANDS_SUITES: which images to run on (for debugging one).
for suite in ${COMMANDS_SUITES:-bookworm bullseye}; do
	case $suite in
	bookworm) run_suite bookworm "$IMG_BOOKWORM" ;;
	bullseye) run_suite bullseye "$IMG_BULLSEYE" ;;
	esac
done
finish
