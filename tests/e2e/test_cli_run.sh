#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `paks`, `paks run`: help, version, every usage and failure path of `run`
# (bad flags, missing engine, missing image, bad settings), and an installed
# paks (make install PREFIX=...) giving a working shell that leaves no
# container and a sane terminal behind.
source "$(dirname "$0")/lib.sh"
new_home

# expect_fail STATUS DESC CMD...: CMD exits STATUS and prints exactly one
# line on stderr, starting with "paks: ".
expect_fail() {
	local want=$1 desc=$2 err rc=0
	shift 2
	err=$("$@" 2>&1 >/dev/null) || rc=$?
	if [ "$rc" -eq "$want" ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] &&
		[[ "$err" == paks:* ]]; then
		ok "$desc (exit $want: $err)"
	else
		not_ok "$desc"
		printf '#   exit %s, want %s; stderr:\n%s\n' "$rc" "$want" "$err" | sed 's/^/#   /'
	fi
}

# --- help and version -------------------------------------------------------
check "paks --version prints the version" bash -c '"$PAKS" --version | grep -Eq "^paks [0-9]+\.[0-9]+"'
check "paks --help lists the commands" bash -c \
	'out=$("$PAKS" --help) && for c in run env config hooks; do grep -q "^  $c" <<<"$out" || exit 1; done'
run_help=$("$PAKS" run --help)
missing=""
for opt in --shell --container-tech --mode --set --engine-arg --volume --env \
	--workdir --publish --name --user --network --entrypoint --help; do
	grep -q -- "$opt" <<<"$run_help" || missing="$missing $opt"
done
check "paks run --help documents every option" test -z "$missing"

# --- usage errors: exit 2, one line -----------------------------------------
expect_fail 2 "paks with no command" "$PAKS"
expect_fail 2 "an unknown command" "$PAKS" frobnicate
expect_fail 2 "run without IMAGE" "$PAKS" run
expect_fail 2 "run with an unknown flag" "$PAKS" run --bogus "$IMG_BOOKWORM"
expect_fail 2 "run with a flag missing its value" "$PAKS" run -w
expect_fail 2 "run with a word after IMAGE" "$PAKS" run "$IMG_BOOKWORM" extra
expect_fail 2 "run -s with an unknown setting" "$PAKS" run -s colour=red "$IMG_BOOKWORM"
expect_fail 2 "run with a bad --mode" "$PAKS" run --mode fast "$IMG_BOOKWORM"
expect_fail 2 "run with a bad --container-tech" "$PAKS" run --container-tech lxc "$IMG_BOOKWORM"
expect_fail 2 "run -e with an invalid variable name" "$PAKS" run -e 1BAD=x "$IMG_BOOKWORM"
mkdir -p "$XDG_CONFIG_HOME/paks"
printf 'container_tech: podman\nmode: [1, 2]\n' >"$XDG_CONFIG_HOME/paks/settings.yml"
err=$("$PAKS" run "$IMG_BOOKWORM" 2>&1 >/dev/null)
check "a bad settings file names file, line and key" \
	bash -c '[[ $1 == *settings.yml:2:*mode* ]]' _ "$err"
rm "$XDG_CONFIG_HOME/paks/settings.yml"

# --- colour: only on a terminal, never with NO_COLOR ----------------------
tmux_start colour "$PAKS frobnicate; NO_COLOR=1 $PAKS frobnicate; echo done-colour; exec sleep 600"
if tmux_wait_for 'done-colour' 20; then
	coloured=$(_t_tmux capture-pane -p -e -t "$(_t_target)" | grep "unknown command" | head -2)
	if grep -q $'\e\[' <<<"$(head -1 <<<"$coloured")" &&
		! grep -q $'\e\[' <<<"$(tail -1 <<<"$coloured")"; then
		ok "errors are coloured on a terminal, plain with NO_COLOR"
	else
		not_ok "colour / NO_COLOR: $(cat -v <<<"$coloured")"
	fi
else
	not_ok "colour test did not finish"
fi
tmux_stop colour

# --- failures: exit 1, one line ---------------------------------------------
empty=$TEST_TMP/empty-path
mkdir -p "$empty"
expect_fail 1 "no engine at all" env PATH="$empty" "$PAKS" run "$IMG_BOOKWORM"
expect_fail 1 "the chosen engine is missing" env PATH="$empty" "$PAKS" run --container-tech podman "$IMG_BOOKWORM"
expect_fail 1 "an image that is not here and cannot be pulled" \
	"$PAKS" run localhost/paks-test/no-such-image-$$
run "$PAKS" run ./no-such-archive-$$.tar
expect_same "a file that is not there: one line that says so" \
	"paks: ./no-such-archive-$$.tar: No such file or directory" "$ERR"
expect_same "a file that is not there: exit 1" 1 "$RC"
expect_fail 1 "a shell the image does not have" "$PAKS" run --shell /bin/no-such-shell "$IMG_BOOKWORM"

# Engine options checked before anything starts: one paks line, paks's
# statuses, never the engine's raw "Error: ..." (exit 125/126).
expect_fail 1 "--network with a network that does not exist" \
	"$PAKS" run --network nosuchnet-$$ "$IMG_BUSYBOX"
expect_fail 1 "-v with a host path that does not exist" \
	"$PAKS" run -v /nonexistent-$$:/x "$IMG_BUSYBOX"
expect_fail 2 "-v without a destination" "$PAKS" run -v /tmp "$IMG_BUSYBOX"
expect_fail 2 "--name with a space" "$PAKS" run --name 'bad name' "$IMG_BUSYBOX"
expect_fail 2 "-p that is not a port" "$PAKS" run -p notaport "$IMG_BUSYBOX"
expect_fail 2 "-p with a port out of range" "$PAKS" run -p 8080:99999 "$IMG_BUSYBOX"
expect_fail 2 "-w with a relative directory" "$PAKS" run -w relative "$IMG_BUSYBOX"
clash=paks-clash-$$
podman_t create --name "$clash" "$IMG_BUSYBOX" true >/dev/null 2>&1
cleanup_add podman_t rm -f "$clash"
expect_fail 1 "--name of a container that already exists" \
	"$PAKS" run --name "$clash" "$IMG_BUSYBOX"
podman_t rm -f "$clash" >/dev/null 2>&1
check "accepted -p forms still run" \
	bash -c 'echo "echo ran-\$((1+1))" | "$PAKS" run -p 127.0.0.1::8080/udp -p 18080:80 "$IMG_BUSYBOX" 2>/dev/null | grep -qx ran-2'

# --container-tech docker without a daemon: say so and where paks looked.
if command -v docker >/dev/null; then
	run env DOCKER_HOST=unix://$TEST_TMP/no-dockerd.sock "$PAKS" run \
		--container-tech docker "$IMG_BUSYBOX"
	expect "docker without a daemon fails with 1" 1
	expect_err "docker without a daemon: one line naming DOCKER_HOST's socket" \
		"paks: the docker daemon is not reachable at unix://$TEST_TMP/no-dockerd.sock (from DOCKER_HOST); is dockerd running? (see 'paks doctor')"
else
	skip "no docker CLI: the no-daemon message"
fi
check "failed runs left no container" wait_no_container paks-

# --- no terminal: a script on stdin ------------------------------------------
# The shell runs the script; '#' lines are comments there, which paks says
# once, on stderr; busybox gets no terminal, so no CR or ESC[6n.
script=$'echo one\n#help\necho two\n'
run "$PAKS" run "$IMG_BUSYBOX" <<<"$script"
expect "busybox from a script: its output, exactly" 0 $'one\ntwo'
expect_err "busybox from a script: one note that # lines need a terminal" \
	"paks: warning: stdin is not a terminal: '#' lines are not run as paks commands (they need a terminal); the shell reads them as comments"
run "$PAKS" run "$IMG_BOOKWORM" <<<"$script"
expect "bash from a script: its output, exactly" 0 $'one\ntwo'
expect_err "bash from a script: the same one note" \
	"paks: warning: stdin is not a terminal: '#' lines are not run as paks commands (they need a terminal); the shell reads them as comments"

# --- an archive whose name already names another image ----------------------
# Both images keep their own names: rmi without -f only drops this one.
reload=localhost/paks-test-reload-$$/x:latest
cleanup_add podman_t rmi "$reload"
podman_t tag "$IMG_BUSYBOX" "$reload" &&
	podman_t save --format docker-archive -o "$TEST_TMP/old.tar" "$reload" >/dev/null 2>&1 &&
	podman_t untag "$reload" "$reload" && podman_t tag "$IMG_BOOKWORM" "$reload"
newer=$(podman_t image inspect --format '{{.Id}}' "$reload")
run "$PAKS" run "$TEST_TMP/old.tar" <<<'echo loaded'
expect "paks run ARCHIVE runs it" 0 loaded
check "paks run ARCHIVE says which name it moved and where the newer image is" \
	grep -qx "paks: warning: $reload now names the image from $TEST_TMP/old.tar; the image it named before is kept as ${newer:0:12} (podman tag ${newer:0:12} $reload puts the name back)" <<<"$ERR"
podman_t rmi "$reload" >/dev/null 2>&1

# --- an installed paks ------------------------------------------------------
prefix=$TEST_TMP/prefix
if make -s -C "$TEST_REPO" O="$PAKS_LIB_DIR" install PREFIX="$prefix" >/dev/null 2>&1; then
	ok "make install PREFIX=..."
else
	not_ok "make install PREFIX=..."
fi
check "installed: the program, its library, launcher, hooks, completion" \
	test -x "$prefix/bin/paks" -a -f "$prefix/lib/paks/libpaks-preload.so" -a \
	-x "$prefix/lib/paks/paks-launch" -a -x "$prefix/share/paks/hooks/pkgdiff" -a \
	-f "$prefix/share/bash-completion/completions/paks"
name=paks-inst-$$
tmux_start inst "$prefix/bin/paks run --name $name $IMG_BOOKWORM; echo \"paks-exit=\$?\"; stty -a; exec sleep 600"
expect_screen "installed paks gives a shell" '[#$] *$' 60
type_enter '#help'
expect_screen "installed paks runs #help through its preload" '#envload NAME' 20
type_enter 'exit 4'
expect_screen "the shell's exit status is paks's" 'paks-exit=4' 30
check "the terminal is sane afterwards (icanon, echo)" \
	bash -c 'grep -q " icanon " <<<"$1" && grep -q " echo " <<<"$1"' _ \
	"$(tmux_screen)"
check "the container is gone" wait_no_container "$name"
make -s -C "$TEST_REPO" O="$PAKS_LIB_DIR" uninstall PREFIX="$prefix" >/dev/null 2>&1
left=$(find "$prefix" -type f 2>/dev/null | wc -l)
check "make uninstall removes every installed file" test "$left" -eq 0

# --- --user: the shell's user owns what #cp brings in ----------------------
# bookworm's Env has no PATH, so the chown that #cp runs must not rely on
# the image's.
name=paks-user-$$
mkdir -p "$TEST_TMP/u" && echo "for nobody" >"$TEST_TMP/u/in.txt"
tmux_start user "cd $TEST_TMP/u && $PAKS run --name $name --user nobody $IMG_BOOKWORM; exec sleep 600"
if shell_ready 90; then
	type_enter '#cp host:in.txt /tmp/'
	tmux_wait_for '^copied |^paks: ' 60 >/dev/null
	type_enter 'stat -c "who=$(id -un) owner=%U" /tmp/in.txt'
	expect_screen "--user nobody: the shell and what #cp brings into a directory are nobody's" \
		'^who=nobody owner=nobody$' 30
	type_enter 'exit'
else
	not_ok "--user nobody starts a shell"
fi
check "the --user container is gone" wait_no_container "$name"
tmux_stop user
finish
