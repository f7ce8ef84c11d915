#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# End-to-end tests for `paks config` (no container needed): defaults with
# no file, init/--force, get/set/unset, `set` keeping the user's other keys
# and comments (and a symlinked file a symlink), values checked before
# anything is written, errors naming file:line for bad YAML, unknown keys
# and wrong types, hostile files that must not crash paks, edit through an
# editor, --help for every subcommand, and the exit statuses 0/1/2.
set -u
source "$(dirname "$0")/lib.sh"

new_home
conf=$XDG_CONFIG_HOME/paks/settings.yml


# expect_err_re DESC REGEX: stderr is one line matching REGEX.
expect_err_re() {
	if [ "$(printf '%s\n' "$ERR" | wc -l)" -eq 1 ] && [[ $ERR =~ $2 ]]; then
		ok "$1"
	else
		not_ok "$1"
		printf '#   stderr: %s\n#   wanted: /%s/\n' "$ERR" "$2"
	fi
}

unset VISUAL EDITOR
defaults="container_tech: auto
container_shell: /bin/bash
user:
config_editor: vi
hooks_path: []
mode: auto
cp_unconfined: false
save_suffix: -saved
save_squash: false"

# --- no file ----------------------------------------------------------------

run "$PAKS" config path
expect "config path" 0 "$conf"
run "$PAKS" config show
expect "show without a file prints the defaults" 0 "$defaults"
check "show did not create a file" test ! -e "$conf"
run "$PAKS" config get mode
expect "get mode" 0 "auto"
run "$PAKS" config get user
expect "get of an unset key prints nothing" 0 ""
EDITOR="nano -w" run "$PAKS" config get config_editor
expect "config_editor falls back to \$EDITOR" 0 "nano -w"
run "$PAKS" config get colour
expect "get of an unknown key: exit 2" 2 ""
expect_err "unknown key message" \
	"paks: unknown key 'colour' (see 'paks config --help')"

# --- init -----------------------------------------------------------------------

run "$PAKS" config init
expect "init writes the file" 0 "wrote $conf"
check "the file is commented" grep -q '^# mode: auto$' "$conf"
run "$PAKS" config show
expect "the initial file means the defaults" 0 "$defaults"
echo "mode: pty" >>"$conf"
cp "$conf" "$TEST_TMP/conf.before"
run "$PAKS" config init
expect "init refuses to overwrite: exit 1" 1 ""
expect_err "init names the file and --force" \
	"paks: $conf already exists (--force overwrites it)"
check "init left the file alone" cmp "$conf" "$TEST_TMP/conf.before"
run "$PAKS" config init --force
expect "init --force overwrites" 0
check "... with the defaults" test "$("$PAKS" config get mode)" = auto

# --- set keeps the user's other keys and comments ---------------------------------

cat >"$conf" <<'EOF'
# my settings
user: bob   # me, in the container
save_squash: true

hooks_path:
  - /opt/hooks
  - ~/hooks
# end
EOF
run "$PAKS" config set mode=pty
expect "set mode=pty" 0 ""
run "$PAKS" config get mode
expect "get returns the new value" 0 "pty"
check "set kept the other keys and comments" test "$(cat "$conf")" = \
	"# my settings
user: bob   # me, in the container
save_squash: true

hooks_path:
  - /opt/hooks
  - ~/hooks
# end
mode: pty"
run "$PAKS" config set user alice
expect "set KEY VALUE" 0
check "set replaced the line, kept its comment" \
	grep -qx 'user: alice   # me, in the container' "$conf"
check "the key appears once" test "$(grep -c '^user:' "$conf")" = 1
run "$PAKS" config set 'hooks_path=/a b:~/c'
expect "set a list" 0
run "$PAKS" config get hooks_path
expect "get prints a list one entry per line" 0 "/a b
~/c"
check "the block list was replaced, '# end' kept" test "$(tail -n 3 "$conf")" = \
	'hooks_path: [/a b, ~/c]
# end
mode: pty'
run "$PAKS" config set 'container_shell=/bin/sh -c "x: y" # z'
run "$PAKS" config get container_shell
expect "a value with quotes, ': ' and ' #' survives YAML" 0 \
	'/bin/sh -c "x: y" # z'
# Checked when set, not only at `paks run` (issue 13.15).
cp "$conf" "$TEST_TMP/conf.before"
run "$PAKS" config set container_shell=relative
expect "set container_shell=relative: exit 2" 2
expect_err "... one line saying it must be absolute" \
	"paks: invalid value 'relative' for 'container_shell' (an absolute path in the container, e.g. /bin/bash)"
for bad in 'a b' '-x' 'a:b:c' '$(id)' 'a;b' ':g'; do
	run "$PAKS" config set "user=$bad"
	expect "set user='$bad': exit 2" 2
	expect_err "... one line naming USER[:GROUP]" \
		"paks: invalid value '$bad' for 'user' (USER[:GROUP] or UID[:GID]: letters, digits, '.', '_' and '-', not starting with '-')"
done
check "bad values left the file alone" cmp "$conf" "$TEST_TMP/conf.before"
run "$PAKS" config set user=1000:1000
expect "set user=UID:GID" 0
run "$PAKS" config unset user
expect "unset user" 0
check "unset removed the key" test "$(grep -c '^user:' "$conf")" = 0
run "$PAKS" config get save_squash
expect "other keys still there after unset" 0 "true"

# --- bad values change nothing -------------------------------------------------

cp "$conf" "$TEST_TMP/conf.before"
run "$PAKS" config set mode=fast
expect "set a bad enum value: exit 2" 2
expect_err "bad enum message" \
	"paks: invalid value 'fast' for 'mode' (expected auto, preload or pty)"
run "$PAKS" config set cp_unconfined=maybe
expect "set a bad boolean: exit 2" 2
run "$PAKS" config set colour=red
expect "set an unknown key: exit 2" 2
run "$PAKS" config set hooks_path=relative
expect "set a relative hooks_path: exit 2" 2
run "$PAKS" config set mode
expect "set without '=': exit 2" 2
check "failed sets changed nothing" cmp "$conf" "$TEST_TMP/conf.before"

# --- mode and symlinks are kept ------------------------------------------------

chmod 600 "$conf"
"$PAKS" config set save_squash=false
check "set keeps the file's mode" test "$(stat -c %a "$conf")" = 600
mv "$conf" "$TEST_TMP/real-settings.yml"
ln -s "$TEST_TMP/real-settings.yml" "$conf"
run "$PAKS" config set mode=preload
expect "set through a symlink" 0
check "the symlink is still a symlink" test -L "$conf"
check "the target got the change" grep -qx 'mode: preload' "$TEST_TMP/real-settings.yml"
rm "$conf"

# --- errors name file:line ---------------------------------------------------

printf 'mode: pty\n# colour below\ncolour: red\n' >"$conf"
run "$PAKS" config show
expect "show with an unknown key: exit 1" 1 ""
expect_err "unknown key names file, line and key" \
	"paks: $conf:3: unknown key 'colour'"
cp "$conf" "$TEST_TMP/conf.before"
run "$PAKS" config set user=x
expect "set on an invalid file: exit 1" 1
check "... and leaves it alone" cmp "$conf" "$TEST_TMP/conf.before"

printf 'mode: pty\nuser: x: y\n' >"$conf"
run "$PAKS" config show
expect "malformed YAML: exit 1" 1
expect_err_re "malformed YAML names file and line" \
	"^paks: $conf:2: malformed YAML: "

printf 'container_shell:\n  - /bin/sh\n' >"$conf"
run "$PAKS" config get container_shell
expect "a list where a string goes: exit 1" 1
expect_err "wrong type message" \
	"paks: $conf:2: 'container_shell' must be a string, not a list"

printf 'save_squash: maybe\n' >"$conf"
run "$PAKS" config show
expect_err "bad boolean names file and line" \
	"paks: $conf:1: invalid value 'maybe' for 'save_squash' (expected true or false)"

printf -- '- mode\n- pty\n' >"$conf"
run "$PAKS" config show
expect "a document that is a list: exit 1" 1
expect_err "list document message" \
	"paks: $conf:1: expected a mapping of 'key: value' lines, found a list"

# --- hostile files: an error or the defaults, never a crash ---------------------

hostile() {
	run "$PAKS" config show
	if [ "$RC" -eq "$2" ] && [ "$(printf '%s\n' "$ERR" | grep -c .)" -le 1 ]; then
		ok "$1"
	else
		not_ok "$1 (exit $RC, wanted $2)"
		printf '#   %s\n' "$ERR" | head -n 3
	fi
}
: >"$conf"
hostile "an empty file means the defaults" 0
check "... the defaults" test "$OUT" = "$defaults"
printf 'mode: pty\n\0user: x\n' >"$conf"
hostile "a NUL byte is an error" 1
head -c 4096 /dev/urandom >"$conf"
hostile "binary garbage is an error" 1
printf 'a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n' >"$conf"
hostile "anchors and aliases are an error" 1
printf 'hooks_path: %s\n' "$(printf '[%.0s' $(seq 20000))" >"$conf"
hostile "deep nesting is an error" 1
yes '# padding padding padding padding padding padding' | head -c 3000000 >"$conf"
hostile "a huge file is an error" 1
expect_err_re "huge file message names the file" "^paks: $conf: too large"

# --- run -s uses the same checks ----------------------------------------------------

rm -f "$conf"
run "$PAKS" run -s mode=fast "$IMG_BOOKWORM"
check "run -s is checked like the file" \
	bash -c '[ "$1" -ne 0 ] && [[ $2 == *"$3"* ]]' _ "$RC" "$ERR" \
	"invalid value 'fast' for 'mode' (expected auto, preload or pty)"

# --- edit ---------------------------------------------------------------------------

cat >"$TEST_TMP/ed-sed" <<'EOF'
#!/bin/sh
[ "$1" = "--flag" ] || exit 9
exec sed -i 's/^# mode: auto$/mode: pty/' "$2"
EOF
cat >"$TEST_TMP/ed-bad" <<'EOF'
#!/bin/sh
printf 'mode: pty\ncolour: red\n' >"$1"
EOF
chmod +x "$TEST_TMP"/ed-*
EDITOR="$TEST_TMP/ed-sed --flag" run "$PAKS" config edit
expect "edit creates the file and runs the editor with its words" 0 ""
run "$PAKS" config get mode
expect "the edit took effect" 0 "pty"
cp "$conf" "$TEST_TMP/conf.edit-before"
VISUAL=$TEST_TMP/ed-bad EDITOR=false run "$PAKS" config edit
expect "edit leaving an unknown key: exit 1 (\$VISUAL first)" 1
# visudo: the bad edit is not installed (issue 13.7), and says where it is.
rejected=$(find "$(dirname "$conf")" -name '.settings.yml.edit-*')
expect_err "edit reports file, line and key, and where the rejected edit is" \
	"paks: $conf:2: unknown key 'colour' ($conf is unchanged; the rejected edit is in $rejected)"
check "a bad edit leaves settings.yml as it was" cmp "$conf" "$TEST_TMP/conf.edit-before"
rm -f "$rejected"
EDITOR=false run "$PAKS" config edit
expect "a failing editor: exit 1" 1
expect_err "failing editor message" "paks: editor 'false' exited with status 1; $conf is unchanged"
cat >"$TEST_TMP/ed-write-fail" <<'EOF'
#!/bin/sh
echo 'mode: preload' >>"$1"
exit 5
EOF
chmod +x "$TEST_TMP/ed-write-fail"
EDITOR=$TEST_TMP/ed-write-fail run "$PAKS" config edit
expect "an editor that writes, then fails: exit 1" 1
check "... keeps settings.yml as it was" cmp "$conf" "$TEST_TMP/conf.edit-before"
check "... and leaves no copy" \
	test -z "$(find "$(dirname "$conf")" -name '.settings.yml.edit-*')"

# --- help and usage ------------------------------------------------------------------

run "$PAKS" config --help
expect "config --help: exit 0" 0
for k in container_tech container_shell user config_editor hooks_path mode \
	cp_unconfined save_suffix save_squash; do
	grep -q "^  $k " "$TEST_TMP/out" || not_ok "config --help lists $k"
done
for c in show get set unset init edit path; do
	run "$PAKS" config "$c" --help
	check "config $c --help" bash -c '[ "$1" -eq 0 ] && [[ $2 == "$3"* ]]' _ \
		"$RC" "$OUT" "Usage: paks config $c"
done
run "$PAKS" config
expect "config without a command: exit 2" 2
run "$PAKS" config frobnicate
expect "config with an unknown command: exit 2" 2
run "$PAKS" config show extra
expect "show with an argument: exit 2" 2

finish
