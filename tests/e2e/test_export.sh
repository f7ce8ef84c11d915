#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# End-to-end tests for #export to HPC runtimes (issue 15) against real
# podman, tmux and Debian's Charliecloud as the far end.  In a session on
# an image with a non-root USER, ENV and WORKDIR, a file made in the
# session survives #export dev.sqfs (ch-run shows it, --set-env gives the
# image's ENV and nothing of paks), dev.rootfs.tar (an unprivileged user
# with no podman runs ch-convert and ch-run on it) and dev.oci.tar (skopeo
# inspects it, podman load takes it).  An existing name, a directory, a
# path outside the launch directory change nothing; Ctrl-C leaves no
# partial file; a long export shows its progress line.  `paks export`
# does the same on the host.
set -u
source "$(dirname "$0")/lib.sh"

# A 500 MB layer of random bytes on top of bookworm, built once and kept.
IMG_BIG=localhost/paks-test/bookworm-big
CH_USER=paks-ch

new_home
launch=$TEST_TMP/launch
mkdir -p "$launch"
cd "$launch" || exit 1
mark="exported-$$-$RANDOM"
ctr="paks-export-t$$"
work=/home/alice/work

# The image: ENV (with quotes and a $), WORKDIR, CMD.  Built here with
# USER root until paks starts a shell in an image whose USER is not root;
# set IMG_EXPORT=localhost/paks-test/bookworm-user (tests/images.sh) to run
# the same checks on that image.
: "${IMG_EXPORT:=localhost/paks-test/bookworm-export}"
if ! podman_t image exists "$IMG_EXPORT"; then
	cat >"$TEST_TMP/Containerfile" <<-EOF
		FROM $IMG_BOOKWORM
		RUN useradd -m alice && mkdir -p $work && chown alice $work
		ENV FOO="bar with spaces 'q' \\\$x"
		WORKDIR $work
		CMD ["/bin/bash"]
	EOF
	podman_t build -q -t "$IMG_EXPORT" -f "$TEST_TMP/Containerfile" \
		"$TEST_TMP" >/dev/null
fi
if ! podman_t image exists "$IMG_BIG"; then
	podman_t rm -f paks-export-mkbig >/dev/null 2>&1
	podman_t run --name paks-export-mkbig "$IMG_BOOKWORM" sh -c \
		'head -c 500000000 /dev/urandom > /big.bin' &&
		podman_t commit paks-export-mkbig "$IMG_BIG" >/dev/null 2>&1
	podman_t rm -f paks-export-mkbig >/dev/null 2>&1
fi

# Run a command as root with nothing of this script's environment, as a
# user on the cluster would: ch-run passes the caller's variables through.
ch_root() {
	env -i USER=root HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

# A clear screen, then the paks command line (alone: '#' starts it).
export_line() {
	type_enter clear
	type_enter "$1"
}

snapshot() {
	stat -c '%i %s %Y' "$@" 2>/dev/null
}

no_temp_left() {
	! ls -A "$1" | grep -q '^\.paks-export'
}

# The container .sqfs and .rootfs.tar are flattened through, made from
# the saved image $1.
no_flatten_container() {
	! podman_t ps -a --filter "ancestor=$1" --format '{{.Names}}' |
		grep -q '^paks-export-'
}

# --- a session on the image with USER, ENV and WORKDIR ----------------------

tmux_start dev "$PAKS" run --name "$ctr" "$IMG_EXPORT"
cleanup_add podman_t rm -f "$ctr"
check "the session starts" shell_ready 120
type_enter "echo $mark > $work/made.txt; pwd"
expect_screen "the session starts in WORKDIR" "^$work$"

export_line '#export dev.sqfs'
expect_screen "#export dev.sqfs reports the file, its size and time" \
	"^Exported .* to $launch/dev.sqfs \([0-9.]+ [kMG]?B, [0-9]+s\)$" 400
check "no temporary file is left" no_temp_left "$launch"
run ch_root ch-run "$launch/dev.sqfs" -- cat "$work/made.txt"
expect "ch-run dev.sqfs shows the file made in the session" 0 "$mark"
# The README's walk-through as written: copy it over, then a shell in it.
far=$TEST_TMP/cluster
mkdir -p "$far"
cp "$launch/dev.sqfs" "$far/"
run bash -c 'cd "$1" && echo "cat $2/made.txt; echo \$FOO" |
	env -i USER=root HOME=/root PATH=/usr/bin:/bin ch-run --set-env dev.sqfs -- bash' _ "$far" "$work"
expect "README: ch-run --set-env dev.sqfs -- bash, on the copy" 0 "$mark
bar with spaces 'q' \$x"
run ch_root ch-run --set-env "$launch/dev.sqfs" -- env
check "ch-run --set-env gives the image's ENV, quotes and \$ kept" \
	grep -qxF "FOO=bar with spaces 'q' \$x" <<<"$OUT"
check "... and its PATH" \
	grep -qx 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' <<<"$OUT"
check "... and none of paks's variables" \
	bash -c '! grep -E "^(LD_PRELOAD|PAKS_[A-Z_]*|container|TERM)=" <<<"$1" | grep -v "^PAKS_TEST_IMAGE="' _ "$OUT"
run ch_root ch-run "$launch/dev.sqfs" -- sh -c 'ls -d /.paks* /dev/.paks* /run/paks* /run/.paks* /tmp/.paks* 2>/dev/null; :'
expect "no paks files in the image" 0 ""
run ch_root ch-run "$launch/dev.sqfs" -- cat /.singularity.d/env/10-docker2singularity.sh
check "Apptainer's env script exports the image's ENV" \
	grep -qF "export FOO=\"\${FOO:-\"bar with spaces 'q' \\\$x\"}\"" <<<"$OUT"
run ch_root ch-run "$launch/dev.sqfs" -- cat /ch/metadata.json /.singularity.d/runscript
check "/ch/metadata.json has the WORKDIR" grep -q "\"cwd\": \"$work\"" <<<"$OUT"
check "the runscript has the CMD and the WORKDIR" \
	bash -c 'grep -qx "OCI_CMD='"'"'\"/bin/bash\"'"'"'" <<<"$1" && grep -q "^cd '"'$work'"'" <<<"$1"' _ "$OUT"
run ch_root ch-run "$launch/dev.sqfs" -- sh /.singularity.d/runscript bash -c 'echo runs-$((1+1)) in $PWD'
expect "the runscript runs what it is given, in WORKDIR" 0 "runs-2 in $work"

# --- the same as a plain filesystem tarball, for an unprivileged user -------

export_line '#export dev.rootfs.tar'
expect_screen "#export dev.rootfs.tar reports the file" \
	"^Exported .* to $launch/dev.rootfs.tar " 400
# No subordinate ids: this user cannot run podman or docker at all.
if ! id "$CH_USER" >/dev/null 2>&1 || grep -q "^$CH_USER:" /etc/subuid; then
	userdel -r "$CH_USER" >/dev/null 2>&1
	useradd -m -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$CH_USER"
fi
chdir=$(mktemp -d /tmp/paks-ch.XXXXXX)
cleanup_add rm -rf "/var/tmp/$CH_USER.ch"
cleanup_add rm -rf "$chdir"
cp "$launch/dev.rootfs.tar" "$chdir/"
chown -R "$CH_USER" "$chdir"
check "$CH_USER is unprivileged, without subordinate ids for podman" \
	bash -c "[ \$(id -u $CH_USER) != 0 ] && ! grep -q '^$CH_USER:' /etc/subuid /etc/subgid"
run su - "$CH_USER" -c "cd $chdir && ch-convert -i tar -o dir dev.rootfs.tar dev >/dev/null && ch-run dev -- cat $work/made.txt"
expect "an unprivileged ch-convert + ch-run sees the file" 0 "$mark"
run su - "$CH_USER" -c "cd $chdir && echo 'cat $work/made.txt' | ch-run --set-env dev -- bash"
expect "README: ch-run --set-env dev -- bash, unprivileged" 0 "$mark"
run su - "$CH_USER" -c "ch-run --set-env $chdir/dev -- env"
check "... and --set-env gives the image's ENV" \
	grep -qxF "FOO=bar with spaces 'q' \$x" <<<"$OUT"

# --- OCI archive ------------------------------------------------------------

export_line '#export dev.oci.tar'
expect_screen "#export dev.oci.tar reports the file" \
	"^Exported .* to $launch/dev.oci.tar " 400
check "skopeo inspects the OCI archive" \
	skopeo inspect "oci-archive:$launch/dev.oci.tar"
store=$TEST_TMP/store
cleanup_add podman_t --root "$store/root" --runroot "$store/run" rmi --all --force
check "podman load takes the OCI archive" \
	podman_t --root "$store/root" --runroot "$store/run" load -i "$launch/dev.oci.tar"

# --- refusals: nothing changes, one line ------------------------------------

before=$(snapshot "$launch/dev.sqfs")
export_line '#export dev.sqfs'
expect_screen "an existing name without --force is refused in one line" \
	"^paks: 'dev.sqfs' exists \(use --force to replace it\)$"
check "... and the file is unchanged" test "$(snapshot "$launch/dev.sqfs")" = "$before"
export_line '#export ../out.sqfs'
expect_screen "a path outside the launch directory is refused in one line" \
	"^paks: host path '../out.sqfs' leads outside the launch directory"
check "... and nothing is written there" test ! -e "$TEST_TMP/out.sqfs"
mkdir "$launch/adir.sqfs"
export_line '#export adir.sqfs'
expect_screen "a directory is refused in one line" \
	"^paks: 'adir.sqfs' exists and is not a regular file$"
export_line '#export dev.zip'
expect_screen "an unknown suffix is refused in one line" \
	"^paks: cannot tell the format of 'dev.zip'"
check "no temporary file is left after the refusals" no_temp_left "$launch"

type_enter exit
tmux_wait_exit >/dev/null

# --- a long export: the progress line, then Ctrl-C ---------------------------

tmux_start big "$PAKS" run --name "$ctr-big" "$IMG_BIG"
cleanup_add podman_t rm -f "$ctr-big"
check "the session on the 500 MB image starts" shell_ready 120
export_line '#export big.rootfs.tar'
expect_screen "the progress line shows the phase and the bytes written" \
	'^writing  [0-9.]+ [kMG]B  [0-9]+s' 400
expect_screen "... and the summary comes at the end" \
	"^Exported .* to $launch/big.rootfs.tar \([0-9.]+ [MG]B, [0-9]+s\)$" 600
export_line '#export big.sqfs'
tmux_wait_for '^(writing|squashing)  [0-9.]+ [kMG]B' 400 >/dev/null
tmux_send C-c
expect_screen "Ctrl-C cancels the export" \
	'^paks: export cancelled; nothing was written to' 120
check "... leaving no partial file" test ! -e "$launch/big.sqfs"
check "... and no temporary file" no_temp_left "$launch"
check "... and no container left from flattening" \
	no_flatten_container "$IMG_BIG-saved"
type_enter exit
tmux_wait_exit >/dev/null

# --- paks export on the host ------------------------------------------------

run "$PAKS" export --help
check "paks export --help names the formats" grep -q '\*\.rootfs\.tar' <<<"$OUT"
run "$PAKS" export "$IMG_EXPORT" host.rootfs.tar
check "paks export IMAGE FILE writes the file" test -s "$launch/host.rootfs.tar"
check "... with the image's environment for Charliecloud" \
	bash -c 'tar -xOf "$1" ch/environment | grep -qxF "FOO=bar with spaces '"'q'"' \$x"' _ "$launch/host.rootfs.tar"
run "$PAKS" export "$IMG_EXPORT" host.rootfs.tar
expect "paks export to an existing name is refused" 2
expect_err "... in one line" \
	"paks: 'host.rootfs.tar' exists (use --force to replace it)"
# The user's own command on the host: any path the user can write (only
# #export, whose line comes from the container, stays in the launch
# directory).
mkdir -p "$TEST_TMP/elsewhere"
run "$PAKS" export "$IMG_EXPORT" "$TEST_TMP/elsewhere/x.rootfs.tar"
expect "paks export to an absolute path outside the current directory" 0
check "... writes there" test -s "$TEST_TMP/elsewhere/x.rootfs.tar"
run "$PAKS" export "$IMG_EXPORT" "$TEST_TMP/elsewhere/x.rootfs.tar"
expect "... and is refused there too when the file exists" 2

wait_no_container "$ctr"
finish
