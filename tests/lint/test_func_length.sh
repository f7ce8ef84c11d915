#!/bin/bash
# SPDX-License-Identifier: MIT
#
# No function in host/ or preload/ (or include/) is over FUNC_MAX_LINES
# (70) lines, counted from the first line of its signature to its closing
# brace.  The sources are clang-formatted (make fmt), so a definition is a
# signature starting at column 0 and a body from a "{" alone at column 0
# to a "}" at column 0; a plain awk reads that without a C parser.
# No container needed.  Run by tests/run-all.sh (TESTS=test_func_length);
# LINT_ROOT points it at another tree.
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"

: "${LINT_ROOT:=$TEST_REPO}"
: "${FUNC_MAX_LINES:=70}"

# FILE:LINE: NAME LINES for each function over the limit.
long_functions() {
	awk -v max="$FUNC_MAX_LINES" '
		FNR == 1 { sig = 0; start = 0 }
		/^[A-Za-z_].*\(/ && !/;[ \t]*$/ && !start {
			sig = FNR
			name = $0
			sub(/\(.*/, "", name)
			n = split(name, w, /[ \t*]+/)
			name = w[n]
		}
		/^\{[ \t]*$/ && sig { start = sig }
		/^\}/ && start {
			len = FNR - start + 1
			if (len > max)
				printf "%s:%d: %s() %d lines\n", FILENAME, start, name, len
			start = 0
			sig = 0
		}
	' "$@"
}

cd "$LINT_ROOT" || exit 1
shopt -s nullglob
files=(host/*/*.c host/*/*.h preload/*.c preload/*.h include/*.c include/*.h)
check "there are sources to measure" test ${#files[@]} -gt 0
long=$(long_functions "${files[@]}")
if [ -z "$long" ]; then
	ok "no function in host/, preload/ or include/ is over $FUNC_MAX_LINES lines"
else
	not_ok "no function in host/, preload/ or include/ is over" \
		"$FUNC_MAX_LINES lines (over: $(paste -sd';' <<<"$long"))"
fi
finish
