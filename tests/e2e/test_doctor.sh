#!/bin/bash
# SPDX-License-Identifier: MIT
#
# `paks doctor`: the exact ok / warn / fail lines and the exit status, on a
# healthy setup (root with podman) and on broken ones: a broken settings
# file, an engine that does not answer, a user with no subordinate ids, a
# /dev/fuse the user cannot open, newuidmap without setuid, a runtime
# directory of the wrong mode or owner, a ch-run or sinfo that fails.
#
# What is shared with tests that run in parallel is never changed: the
# /dev/fuse and dev.tty.legacy_tiocsti the doctor sees are bind mounts in a
# private mount namespace (unshare -m), over a device node of our own or a
# file of our own, so the real /dev/fuse keeps its mode and TIOCSTI stays as
# the other tests expect; /etc/subuid and /etc/subgid with a range are
# bind mounts there too.  The throwaway user gets no /etc/subuid line
# (useradd is told to allocate none) and is removed at the end.
. "$(dirname "$0")/lib.sh"

new_home
unset XDG_RUNTIME_DIR
export DOCKER_HOST=unix://$TEST_TMP/no-dockerd.sock
export USER=root
CFG=$XDG_CONFIG_HOME/paks/settings.yml

# line LEVEL TEXT: ok when the last run printed exactly this line.
line() {
	local want
	printf -v want '%-4s %s' "$1" "$2"
	if grep -qxF -- "$want" <<<"$OUT"; then
		ok "$1 $2"
	else
		not_ok "$1 $2"
		printf '#   wanted: %s\n' "$want"
		printf '%s\n' "$OUT" | sed 's/^/#   got:    /'
	fi
}
# no_line REGEX DESC: the last run printed no line matching REGEX.
no_line() {
	if grep -qE -- "$1" <<<"$OUT"; then
		not_ok "$2"
		printf '%s\n' "$OUT" | sed 's/^/#   got: /'
	else
		ok "$2"
	fi
}

# ns_doctor FUSE_MODE TIOCSTI [ENV...]: paks doctor as root in a private
# mount namespace whose /dev/fuse is a node of mode FUSE_MODE and whose
# legacy_tiocsti reads TIOCSTI ("-": the real ones).  With RUN_AS=USER it
# runs as that user, with a clean environment plus ENV.
FAKE=$TEST_TMP/fake
mkdir -p "$FAKE"
chmod 0755 "$TEST_TMP"
ns_doctor() {
	local fuse=$1 tiocsti=$2
	shift 2
	cat >"$FAKE/ns.sh" <<'EOF'
set -e
fuse=$1 tiocsti=$2 fake=$3
shift 3
mount --make-rprivate /
if [ "$fuse" != - ]; then
	rm -f "$fake/fuse"
	mknod -m "$fuse" "$fake/fuse" c 10 229
	mount --bind "$fake/fuse" /dev/fuse
fi
if [ "$tiocsti" != - ]; then
	echo "$tiocsti" >"$fake/tiocsti"
	mount --bind "$fake/tiocsti" /proc/sys/dev/tty/legacy_tiocsti
fi
if [ -n "${SUBIDS:-}" ]; then
	printf '%s\n' "$SUBIDS" >"$fake/subid"
	mount --bind "$fake/subid" /etc/subuid
	mount --bind "$fake/subid" /etc/subgid
fi
exec "$@"
EOF
	# The user starts in its home: a private (0700) checkout is not
	# its to enter, and podman would fail on that, not on the setup.
	if [ -n "${RUN_AS:-}" ]; then
		run unshare -m bash "$FAKE/ns.sh" "$fuse" "$tiocsti" "$FAKE" \
			setpriv --reuid="$RUN_AS" --regid="$RUN_AS" --init-groups \
			env -i -C "$RUN_HOME" PATH="${USER_PATH:-/usr/bin:/bin}" \
			USER="$RUN_AS" HOME="$RUN_HOME" CONTAINERS_CONF="$USER_CONF" "$@" \
			"$USER_PAKS" doctor
	else
		run unshare -m bash "$FAKE/ns.sh" "$fuse" "$tiocsti" "$FAKE" \
			env "$@" "$PAKS" doctor
	fi
}

# --- healthy: root with podman ----------------------------------------------
ns_doctor 0600 0
expect "healthy root setup: exit 0" 0
line ok "settings: no $CFG, the defaults apply"
check "ok podman VERSION: answers (podman info)" \
	grep -qxE 'ok   podman [0-9][0-9a-z.~+-]*: answers \(podman info\)' <<<"$OUT"
if command -v docker >/dev/null; then
	line warn "docker: the docker daemon is not reachable at $DOCKER_HOST (from DOCKER_HOST); is dockerd running?; fix: start dockerd, or point DOCKER_HOST at one that runs"
fi
line ok "rootless: not needed, paks runs as root"
line ok "fuse: /dev/fuse can be opened"
line ok "tiocsti: dev.tty.legacy_tiocsti is 0: no program can type into your terminal"
if command -v ch-run >/dev/null; then
	check "ok charliecloud: ch-run VERSION" \
		grep -qxE 'ok   charliecloud: ch-run [0-9][0-9a-z.~+-]*' <<<"$OUT"
fi
command -v sinfo >/dev/null || no_line '^[a-z]+ +slurm:' "no Slurm here: no slurm line"
if [ -d /tmp/paks-0 ]; then
	line ok "runtime directory: /tmp/paks-0 (mode 0700)"
else
	line ok "runtime directory: /tmp/paks-0 will be created"
fi
line ok "cache directory: $XDG_CACHE_HOME/paks will be created"
check "every line is ok, warn or fail" \
	bash -c '! grep -vE "^(ok  |warn|fail) [a-z]" <<<"$1"' _ "$OUT"
check "the help" "$PAKS" doctor --help
run "$PAKS" doctor extra
expect "an argument is a usage error" 2

# --- TIOCSTI open -----------------------------------------------------------
ns_doctor - 1
line warn "tiocsti: dev.tty.legacy_tiocsti is 1: a program in the container may type into your terminal (TIOCSTI); fix: as root: sysctl -w dev.tty.legacy_tiocsti=0 (and in /etc/sysctl.d to keep it)"

# --- a broken settings file ---------------------------------------------------
mkdir -p "$(dirname "$CFG")"
printf 'container_tech: "podman\nmode: pty\n' >"$CFG"
ns_doctor - -
expect "broken settings file: exit 1" 1
line fail "settings: $CFG:3: malformed YAML: found unexpected end of stream; fix: paks config edit"

# --- the chosen engine does not answer ----------------------------------------
if command -v docker >/dev/null; then
	echo 'container_tech: docker' >"$CFG"
	ns_doctor - -
	expect "container_tech docker without a daemon: exit 1" 1
	line ok "settings: $CFG"
	line fail "docker: the docker daemon is not reachable at $DOCKER_HOST (from DOCKER_HOST); is dockerd running?; fix: start dockerd, or point DOCKER_HOST at one that runs"
fi
rm -f "$CFG"

# --- the runtime directory: mode, then owner ------------------------------------
mkdir -p "$TEST_TMP/rt/paks"
chmod 0777 "$TEST_TMP/rt/paks"
ns_doctor - - XDG_RUNTIME_DIR="$TEST_TMP/rt"
expect "a runtime directory others can write: a warning, exit 0" 0
line warn "runtime directory: $TEST_TMP/rt/paks is mode 0777: others can write; fix: chmod 0700 $TEST_TMP/rt/paks"
chown nobody "$TEST_TMP/rt/paks"
ns_doctor - - XDG_RUNTIME_DIR="$TEST_TMP/rt"
expect "a runtime directory of another user: exit 1" 1
line fail "runtime directory: $TEST_TMP/rt/paks belongs to uid $(id -u nobody), not to root; fix: rm -r $TEST_TMP/rt/paks (it is made again)"
touch "$XDG_CACHE_HOME/paks"
ns_doctor - -
line fail "cache directory: $XDG_CACHE_HOME/paks is not a directory; fix: rm $XDG_CACHE_HOME/paks"
rm -f "$XDG_CACHE_HOME/paks"

# --- Charliecloud and Slurm, where present ------------------------------------
mkdir -p "$FAKE/bin"
cat >"$FAKE/bin/ch-run" <<'EOF'
#!/bin/sh
echo "ch-run[1]: error: cannot open /proc/self/uid_map" >&2
exit 1
EOF
cat >"$FAKE/bin/sinfo" <<'EOF'
#!/bin/sh
[ -n "$FAKE_SINFO_OK" ] && { echo idle; exit 0; }
echo "sinfo: error: Unable to contact slurm controller (connect failure)" >&2
exit 1
EOF
chmod 0755 "$FAKE/bin/ch-run" "$FAKE/bin/sinfo"
ns_doctor - - PATH="$FAKE/bin:$PATH"
line warn "charliecloud: ch-run --version failed: ch-run[1]: error: cannot open /proc/self/uid_map; fix: run \`ch-run --version\` and fix what it says"
line warn "slurm: sinfo failed: sinfo: error: Unable to contact slurm controller (connect failure); fix: check SLURM_CONF and that slurmctld runs"
ns_doctor - - PATH="$FAKE/bin:$PATH" FAKE_SINFO_OK=1
line ok "slurm: sinfo answers (a node is idle)"
ns_doctor - - PATH="$FAKE/bin:$PATH" USER=
line warn "charliecloud: USER is not set: ch-run refuses to start; fix: export USER=\$(id -un)"

# --- rootless: a user with no subordinate ids -----------------------------------
if ! command -v useradd >/dev/null || ! command -v setpriv >/dev/null; then
	skip "no useradd or setpriv: the rootless checks"
	finish
fi
RUN_AS=paksdoc$$
# -K SUB_*_COUNT=0: useradd would otherwise allocate the user a range.
useradd --create-home --shell /bin/bash -K SUB_UID_COUNT=0 \
	-K SUB_GID_COUNT=0 "$RUN_AS"
# drop_user USER: its processes (rootless podman leaves its pause process,
# catatonit, running as the user) by pid, then the user and its home.
drop_user() {
	local pids
	id "$1" >/dev/null 2>&1 || return 0
	pids=$(ps -o pid= -u "$1" 2>/dev/null)
	# shellcheck disable=SC2086
	[ -z "$pids" ] || kill $pids 2>/dev/null
	poll_until 5 bash -c '[ -z "$(ps -o pid= -u "$1")" ]' _ "$1"
	userdel -r "$1" >/dev/null 2>&1
}
cleanup_add drop_user "$RUN_AS"
RUN_HOME=$(getent passwd "$RUN_AS" | cut -d: -f6)
check "the user has no /etc/subuid line" \
	bash -c '! grep -q "^$1:" /etc/subuid' _ "$RUN_AS"
# The user runs a copy: the build tree need not be readable by others.
mkdir -p "$TEST_TMP/user"
cp "$PAKS" "$TEST_TMP/user/paks"
cp "$CONTAINERS_CONF" "$TEST_TMP/user/containers.conf"
chmod -R a+rX "$TEST_TMP/user" "$FAKE"
USER_PAKS=$TEST_TMP/user/paks
USER_CONF=$TEST_TMP/user/containers.conf
UID_AS=$(id -u "$RUN_AS")
SUBFIX="as root: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 $RUN_AS"

ns_doctor 0600 -
expect "no subordinate ids: exit 1" 1
line fail "rootless: /etc/subuid has no range for $RUN_AS: podman cannot map the container's users; fix: $SUBFIX"
line fail "rootless: /etc/subgid has no range for $RUN_AS: podman cannot map the container's users; fix: $SUBFIX"
line ok "rootless: /usr/bin/newuidmap is setuid root"
line ok "rootless: /usr/bin/newgidmap is setuid root"
line warn "fuse: /dev/fuse (mode 0600) cannot be opened by $RUN_AS: Permission denied; SquashFS images (#export .sqfs, ch-run) cannot be mounted; fix: as root: chmod 0666 /dev/fuse"
line ok "runtime directory: /tmp/paks-$UID_AS will be created"
line ok "cache directory: $RUN_HOME/.cache/paks will be created"

printf '%s\n' "$OUT" | sed 's/^/# user: /'

ns_doctor 0666 -
line ok "fuse: /dev/fuse can be opened"

# podman's storage driver, as the user's storage.conf sets it.
mkdir -p "$RUN_HOME/.config/containers"
printf '[storage]\ndriver = "vfs"\n' >"$RUN_HOME/.config/containers/storage.conf"
chown -R "$RUN_AS:" "$RUN_HOME/.config"
ns_doctor - -
line warn "rootless: podman's storage driver is vfs: every layer is a full copy, slow and large; fix: apt-get install fuse-overlayfs, then podman system reset"
printf '%s\n' "$OUT" | sed 's/^/# user: /'

# With a range (in the namespace only): too small, then enough.
SUBIDS="$RUN_AS:100000:1000" ns_doctor - -
line warn "rootless: /etc/subuid gives $RUN_AS only 1000 ids: images that use higher ids fail; fix: $SUBFIX"
line warn "rootless: /etc/subgid gives $RUN_AS only 1000 ids: images that use higher ids fail; fix: $SUBFIX"
SUBIDS="$UID_AS:100000:65536" ns_doctor - -
line ok "rootless: /etc/subuid gives $RUN_AS 65536 ids"
line ok "rootless: /etc/subgid gives $RUN_AS 65536 ids"

# newuidmap without setuid, first in PATH.
mkdir -p "$FAKE/idmap"
cp /usr/bin/newuidmap "$FAKE/idmap/newuidmap"
chmod 0755 "$FAKE/idmap/newuidmap"
USER_PATH=$FAKE/idmap:/usr/bin:/bin ns_doctor - -
line fail "rootless: $FAKE/idmap/newuidmap is neither setuid root nor has file capabilities; fix: as root: chmod u+s $FAKE/idmap/newuidmap (or setcap cap_setuid,cap_setgid+ep $FAKE/idmap/newuidmap)"
USER_PATH=/nonexistent ns_doctor - -
line fail "rootless: newuidmap is not in PATH; fix: apt-get install uidmap"

# `paks run` points to the doctor when no engine can be found.
OUT=$(PATH=$FAKE/none "$PAKS" run bookworm 2>&1 </dev/null)
check "paks run with no engine in PATH fails" [ "$OUT" = "paks: neither podman nor docker was found in PATH; install one of them (see 'paks doctor')" ]
OUT=$(PATH=$FAKE/none "$PAKS" run --container-tech docker bookworm 2>&1 </dev/null)
check "paks run with docker not in PATH points to the doctor" [ "$OUT" = "paks: docker was not found in PATH (see 'paks doctor')" ]

drop_user "$RUN_AS"
check "the throwaway user is gone" bash -c '! id "$1"' _ "$RUN_AS"

finish
