#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# End-to-end tests for user-defined '#' commands (issue 7) against real
# podman in tmux: a user hook gets the documented PAKS_* variables and runs
# in the launch directory, its output streams, a failure is reported, fd-3
# records export a value with a newline and quotes into the shell, a name
# with '/' or '..' is refused, `paks hooks list|dirs` show what is found,
# and the shipped #pkgdiff and #containerfile see a package installed in
# the container from a .deb built here.
set -u
source "$(dirname "$0")/lib.sh"

new_home
hooks=$XDG_CONFIG_HOME/paks/hooks
extra=$TEST_TMP/extra-hooks
launch=$TEST_TMP/launch
mkdir -p "$hooks" "$extra" "$launch"

cat >"$hooks/envdump" <<'EOF'
#!/bin/sh
# paks: write the hook environment to hook-env.txt
{
	echo "engine=$PAKS_ENGINE"
	echo "container=$PAKS_CONTAINER"
	echo "image=$PAKS_IMAGE"
	echo "launch=$PAKS_LAUNCH_DIR"
	echo "shellcwd=$PAKS_SHELL_CWD"
	echo "pwd=$(pwd)"
	echo "args=$#|$1|$2"
} >"$PAKS_LAUNCH_DIR/hook-env.txt"
echo "envdump wrote it"
EOF
# Prints a line, then waits for the test to create a file before the second:
# seeing the first alone on the screen proves the output streams.
cat >"$hooks/slow" <<'EOF'
#!/bin/sh
echo "slow-first-line"
i=0
while [ ! -e "$PAKS_LAUNCH_DIR/go" ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
echo "slow-second-line"
EOF
cat >"$hooks/forever" <<'EOF'
#!/bin/sh
echo "forever-started"
printf 'NOTSET=1\0' >&3
exec sleep 987654
EOF
cat >"$hooks/fail3" <<'EOF'
#!/bin/sh
echo "fail3 says hello"
exit 3
EOF
cat >"$hooks/setvar" <<'EOF'
#!/bin/sh
# paks: export HOOKVAR with a newline and quotes
printf 'HOOKVAR=line1\nline2 "dq" '\''sq'\'' $x\0' >&3
printf 'HOOKEMPTY=\0' >&3
EOF
# The GitHub Actions env-file format (no NUL byte in the stream).
cat >"$hooks/ghenv" <<'EOF'
#!/bin/sh
{
	printf 'GH_SPACES=value with spaces\n'
	printf 'GH_MULTI<<EOF_X\n'
	printf '%s\n' 'first "dq" '\''sq'\''' 'second $HOME $x'
	printf 'EOF_X\n'
	printf 'GH_EMPTY=\n'
} >&3
EOF
cat >"$hooks/ghbad" <<'EOF'
#!/bin/sh
printf 'GH_GOOD=kept\nGH_BROKEN<<END\nnever closed\n' >&3
EOF
# Where '#a/../../evil' would land if the name were used as a path.
mkdir -p "$hooks/a"
cat >"$XDG_CONFIG_HOME/paks/evil" <<EOF
#!/bin/sh
touch "$TEST_TMP/evil-ran"
EOF
# Shadowed by the one in $hooks (hooks_path comes last).
# Named like a built-in: it can never run (issue 13.14).
cat >"$extra/save" <<'EOF'
#!/bin/sh
# paks: a hook that a built-in hides
EOF
cat >"$extra/envdump" <<'EOF'
#!/bin/sh
# paks: the shadowed one
EOF
chmod +x "$hooks"/* "$extra"/* "$XDG_CONFIG_HOME/paks/evil"
printf 'hooks_path:\n  - %s\n' "$extra" >"$XDG_CONFIG_HOME/paks/settings.yml"

# --- on the host: paks hooks ----------------------------------------------

out=$("$PAKS" hooks list 2>&1)
check "paks hooks list shows a user hook, its path and description" \
	grep -qE "^envdump +$hooks/envdump +write the hook environment" <<<"$out"
check "paks hooks list marks a shadowed hook" \
	grep -qE "^envdump +$extra/envdump +\(shadowed" <<<"$out"
check "paks hooks list says a hook named like a built-in is shadowed by it" \
	grep -qE "^save +$extra/save +\(shadowed by the built-in #save\)" <<<"$out"
check "paks hooks list shows the shipped pkgdiff with its description" \
	grep -qE "^pkgdiff +/.*/pkgdiff +show packages installed" <<<"$out"
check "paks hooks list shows the shipped containerfile" \
	grep -qE "^containerfile +/.*/containerfile +write a Containerfile" <<<"$out"
check "paks hooks list shows the shipped sbom" \
	grep -qE "^sbom +/.*/sbom +write a CycloneDX 1.5 SBOM" <<<"$out"
out=$("$PAKS" hooks dirs 2>&1)
check "paks hooks dirs lists the user directory first" \
	test "$(head -n 1 <<<"$out")" = "$hooks"
check "paks hooks dirs lists hooks_path last" \
	test "$(tail -n 1 <<<"$out")" = "$extra"
check "paks hooks --help exits 0" "$PAKS" hooks --help
"$PAKS" hooks bogus >/dev/null 2>&1
check "paks hooks with an unknown subcommand is a usage error" test $? -eq 2

# A package to install in the container without the network.
deb=$TEST_TMP/deb
mkdir -p "$deb/DEBIAN" "$deb/usr/share/doc/paks-hooktest"
printf '%s\n' 'Package: paks-hooktest' 'Version: 1.0' 'Architecture: all' \
	'Maintainer: paks tests <tests@example.invalid>' \
	'Description: paks hook test package' >"$deb/DEBIAN/control"
echo hello >"$deb/usr/share/doc/paks-hooktest/README"
dpkg-deb --root-owner-group -b "$deb" "$TEST_TMP/paks-hooktest.deb" >/dev/null

# --- in a paks shell -------------------------------------------------------

cd "$launch" || exit 1
tmux_start hooks "$PAKS" run "$IMG_BOOKWORM"
# shellcheck disable=SC2016 # typed into the container's shell
type_enter 'echo READY-$((6*7))'
if ! tmux_wait_for '^READY-42' 90; then
	not_ok "paks run started a shell"
	finish
fi

type_enter 'cd /tmp'
type_enter "#envdump 'a b' c"
tmux_wait_for '^envdump wrote it'
env_file=$launch/hook-env.txt
check "the hook ran and wrote to the launch directory" test -f "$env_file"
get() { sed -n "s/^$1=//p" "$env_file"; }
check "PAKS_ENGINE is the engine program" test "$(get engine)" = podman
container=$(get container)
check "PAKS_CONTAINER names the running container ($container)" \
	podman_t container exists "$container"
cleanup_add podman_t rm -f -t 0 "$container"
check "PAKS_IMAGE is the image" test "$(get image)" = "$IMG_BOOKWORM"
check "PAKS_LAUNCH_DIR is the launch directory" test "$(get launch)" = "$launch"
check "PAKS_SHELL_CWD is the shell's directory" test "$(get shellcwd)" = /tmp
check "the hook runs in the launch directory" test "$(get pwd)" = "$launch"
check "the hook gets its arguments as typed" test "$(get args)" = "2|a b|c"

type_enter '#slow'
expect_screen "hook output streams (first line shown)" '^slow-first-line'
expect_no_screen "hook output streams (no second line before the go)" \
	'^slow-second-line'
touch "$launch/go"
check "the hook's later output arrives" tmux_wait_for '^slow-second-line'

type_enter '#forever'
if tmux_wait_for '^forever-started'; then
	tmux_send C-c
	# shellcheck disable=SC2016 # typed into the container's shell
	type_enter 'echo "after-ctrl-c:${NOTSET-unset}"'
	check "Ctrl-C stops a hook and the shell takes input again" \
		tmux_wait_for '^after-ctrl-c:unset$'
	check "Ctrl-C leaves no hook process behind" \
		bash -c '! pgrep -f "[s]leep 987654" >/dev/null'
else
	not_ok "Ctrl-C stops a hook (it never started)"
fi

type_enter '#fail3'
check "a hook's output shows before its failure" \
	tmux_wait_for '^fail3 says hello'
check "a non-zero exit is reported in one line" \
	tmux_wait_for "^paks: hook 'fail3' exited with status 3$"

type_enter '#a/../../evil'
check "a name with / and .. is refused" \
	tmux_wait_for "^paks: invalid command name 'a/../../evil'"
check "the refused name ran nothing" test ! -e "$TEST_TMP/evil-ran"

type_enter '#setvar'
type_enter "[ \"\$HOOKVAR\" = \"\$(printf 'line1\\nline2 \"dq\" \\x27sq\\x27 \$x')\" ] && echo VAR-SAME || echo VAR-DIFF"
check "a value with a newline and quotes is exported exactly" \
	tmux_wait_for '^VAR-SAME'
# shellcheck disable=SC2016 # typed into the container's shell
type_enter 'echo "empty:${HOOKEMPTY-unset}:$(env | grep -c ^HOOKEMPTY=)"'
check "an empty value is exported (set, and in the environment)" \
	tmux_wait_for '^empty::1$'

type_enter '#ghenv'
# shellcheck disable=SC2016 # typed into the container's shell
type_enter '[ "$GH_SPACES" = "value with spaces" ] && echo GH-SPACES-SAME'
check "env-file format: NAME=value with spaces is exported" \
	tmux_wait_for '^GH-SPACES-SAME'
type_enter "[ \"\$GH_MULTI\" = \"\$(printf 'first \"dq\" \\x27sq\\x27\\nsecond \$HOME \$x')\" ] && echo GH-MULTI-SAME || echo GH-MULTI-DIFF"
check "env-file format: a heredoc value with two lines, quotes and \$" \
	tmux_wait_for '^GH-MULTI-SAME'
# shellcheck disable=SC2016 # typed into the container's shell
type_enter 'echo "ghempty:${GH_EMPTY-unset}:$(env | grep -c ^GH_EMPTY=)"'
check "env-file format: an empty value is exported" \
	tmux_wait_for '^ghempty::1$'
type_enter '#ghbad'
check "env-file format: a missing delimiter is one line naming hook and record" \
	tmux_wait_for "^paks: hook 'ghbad': skipped 1 bad variable record on fd 3 \(matching delimiter not found: 'GH_BROKEN<<END'\)$"
# shellcheck disable=SC2016 # typed into the container's shell
type_enter 'echo "ghbad-status=$?"'
check "env-file format: a bad record makes the status 1" \
	tmux_wait_for '^ghbad-status=1$'
# shellcheck disable=SC2016 # typed into the container's shell
type_enter 'echo "ghgood:${GH_GOOD-unset}:${GH_BROKEN-unset}"'
check "env-file format: the good record before it still arrives" \
	tmux_wait_for '^ghgood:kept:unset$'

type_enter '#help'
check "#help lists a hook with its description" \
	tmux_wait_for '#setvar +export HOOKVAR with a newline and quotes'

# The shipped hooks, after installing a package in the container.
if podman_t cp "$TEST_TMP/paks-hooktest.deb" "$container:/tmp/"; then
	type_enter 'dpkg -i /tmp/paks-hooktest.deb >/dev/null && echo DPKG-DONE'
	tmux_wait_for '^DPKG-DONE' 60
fi
type_enter 'clear'
type_enter '#pkgdiff'
check "#pkgdiff reports the installed package" \
	tmux_wait_for '^ +\+ paks-hooktest$' 60
check "#pkgdiff reports nothing else changed" \
	tmux_wait_for '1 added, 0 removed'
check "#pkgdiff leaves no scratch container" \
	test -z "$(podman_t ps -a --format '{{.Names}}' | grep '^paks-pkgdiff-')"

type_enter '#containerfile'
check "#containerfile says what it wrote" \
	tmux_wait_for "^Wrote $launch/Containerfile:" 60
cf=$launch/Containerfile
check "the Containerfile starts from the image" \
	grep -qx "FROM $IMG_BOOKWORM" "$cf"
check "the Containerfile installs the package" \
	grep -qE '^ +paks-hooktest \\$' "$cf"
check "the Containerfile uses apt-get for a dpkg image" \
	grep -q 'apt-get install -y' "$cf"
type_enter '#containerfile'
check "#containerfile refuses to overwrite without --force" \
	tmux_wait_for "containerfile: $launch/Containerfile exists"
type_enter '#containerfile --force -o Containerfile.new'
check "#containerfile -o writes another file" \
	tmux_wait_for "^Wrote $launch/Containerfile.new:" 60
# -o gets the confinement of #cp (issue 13.4): a symlink leading out of
# the launch directory and ../ are refused, and nothing is written there.
mkdir -p "$TEST_TMP/outside"
ln -s "$TEST_TMP/outside" "$launch/outlink"
echo victim >"$TEST_TMP/victim.txt"
tmux_type '#containerfile -o outlink/x'
tmux_send Enter
check "#containerfile -o through a symlink out is refused" \
	tmux_wait_for "paks: host path 'outlink/x' leads outside the launch directory" 60
check "#containerfile wrote nothing through the symlink" \
	test ! -e "$TEST_TMP/outside/x"
tmux_type '#containerfile --force -o ../victim.txt'
tmux_send Enter
check "#containerfile --force -o ../FILE is refused" \
	tmux_wait_for "paks: host path '../victim.txt' leads outside the launch directory" 60
check "#containerfile left the file outside alone" \
	test "$(cat "$TEST_TMP/victim.txt")" = victim
tmux_type '#containerfile --force -o outlink/../Containerfile.up'
tmux_send Enter
check "#containerfile -o resolving outside through a symlink and .. is refused" \
	tmux_wait_for "paks: host path 'outlink/../Containerfile.up' leads outside" 60
check "#containerfile wrote nothing next to the symlink's target" \
	test ! -e "$TEST_TMP/Containerfile.up"

type_enter 'exit'
tmux_wait_exit 60 >/dev/null
no_container() {
	! podman_t container exists "$1"
}
poll_until 30 no_container "$container"
check "the session's container is gone after exit" \
	test -n "$container" -a "$(podman_t container exists "$container"; echo $?)" = 1
finish
