#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The manual pages, as `make man` builds them into $MAN_DIR (default
# $PAKS_LIB_DIR/man): each is clean under `mandoc -T lint -W warning`;
# paks(1) names every command, subcommand and option that the program's
# own --help texts list (tests/cli-names.sh), and paks-config(5) every
# settings key; `make install` puts them where man(1) finds them.  The '#'
# command table is checked against paks(1) by the unit test test_man.
# Run by tests/run-all.sh (TESTS=test_man).
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"

: "${MAN_DIR:=$PAKS_LIB_DIR/man}"

# render PAGE: the page as plain text on one line (whitespace collapsed),
# so that a name the formatter wrapped is still found.
render() {
	mandoc -T ascii -O width=200 "$1" | sed 's/.\x08//g' | tr -s '[:space:]' ' '
}

# has TEXT NAME: NAME in TEXT, not as part of a longer word or option.
has() {
	grep -qE -- "(^|[^A-Za-z0-9_-])$2([^A-Za-z0-9_-]|$)" <<<"$1"
}

# --- lint -----------------------------------------------------------------
pages=("$MAN_DIR"/paks.1 "$MAN_DIR"/paks-config.5 "$MAN_DIR"/paks-hooks.7)
for page in "${pages[@]}"; do
	check "$(basename "$page") is built" test -s "$page"
	check "$(basename "$page") is clean under mandoc -T lint -W warning" \
		mandoc -T lint -W warning "$page"
done

# --- every command and option of the program is in the pages ---------------
if ! names=$("$TEST_REPO"/tests/cli-names.sh "$PAKS"); then
	not_ok "the program's --help texts can be read"
	finish
fi
check "the --help texts list commands and options" \
	test "$(grep -c . <<<"$names")" -ge 20

paks1=$(render "$MAN_DIR/paks.1")
config5=$(render "$MAN_DIR/paks-config.5")

# One check per command line (paks, paks run, paks env add...) and kind.
declare -A missing=() seen=()
while IFS=$'\t' read -r kind ctx name; do
	case $kind in
	cmd) text=$paks1 want="paks $name" where="paks(1)" ;;
	sub) text=$paks1 want="$ctx $name" where="paks(1)" ;;
	opt) text=$paks1 want=$name where="paks(1)" ;;
	key) text=$config5 want=$name where="paks-config(5)" ;;
	*) continue ;;
	esac
	case $kind in
	cmd) what="command" ;;
	sub) what=subcommand ;;
	opt) what=option ;;
	key) what="settings key" ;;
	esac
	group="$where names every $what of '$ctx'"
	seen[$group]=1
	has "$text" "$want" || missing[$group]+=" '$want'"
done <<<"$names"
readarray -t groups < <(printf '%s\n' "${!seen[@]}" | sort)
for group in "${groups[@]}"; do
	if [ -z "${missing[$group]:-}" ]; then
		ok "$group"
	else
		not_ok "$group (missing:${missing[$group]})"
	fi
done

# --- installed where man finds them ----------------------------------------
prefix=$TEST_TMP/prefix
if make -s -C "$TEST_REPO" O="$PAKS_LIB_DIR" install PREFIX="$prefix" \
	>"$TEST_TMP/install.log" 2>&1; then
	ok "make install PREFIX=..."
else
	not_ok "make install PREFIX=..."
	sed 's/^/#   /' "$TEST_TMP/install.log" | tail -n 20
fi
mandir=$prefix/share/man
expect_same "man -w paks finds the installed paks(1)" \
	"$mandir/man1/paks.1" "$(man -M "$mandir" -w paks 2>&1)"
expect_same "man -w 5 paks-config finds the installed page" \
	"$mandir/man5/paks-config.5" "$(man -M "$mandir" -w 5 paks-config 2>&1)"
expect_same "man -w 7 paks-hooks finds the installed page" \
	"$mandir/man7/paks-hooks.7" "$(man -M "$mandir" -w 7 paks-hooks 2>&1)"
# shellcheck disable=SC2016 # $1 is bash -c's own argument
check "man paks shows the page (man-db's formatter)" \
	bash -c 'MANPAGER=cat MANWIDTH=100 man -M "$1" paks 2>&1 |
		grep -q "paks run \[OPTIONS\] IMAGE"' _ "$mandir"
# shellcheck disable=SC2016
check "man -l renders the installed page" \
	bash -c 'MANPAGER=cat man -l "$1" 2>&1 | grep -q "paks-hooks - "' _ \
	"$mandir/man7/paks-hooks.7"
check "completions are installed for bash, zsh and fish" \
	test -f "$prefix/share/bash-completion/completions/paks" -a \
	-f "$prefix/share/zsh/site-functions/_paks" -a \
	-f "$prefix/share/fish/vendor_completions.d/paks.fish"
make -s -C "$TEST_REPO" O="$PAKS_LIB_DIR" uninstall PREFIX="$prefix" \
	>/dev/null 2>&1
check "make uninstall removes the pages and completions" \
	test -z "$(find "$prefix" -type f 2>/dev/null)"

finish
