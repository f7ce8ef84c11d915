#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Run cmocka unit test binaries and add up their results.  Prints one line
# per binary (with the failing tests and their messages under it), then a
# closing "unit: N passed, N failed" line, and exits non-zero if any test
# failed, a binary crashed, or a binary ran no test at all.  With
# UNIT_LOG_DIR set, each binary's full output is kept there.
#
# usage: tests/run-unit.sh BINARY...
set -uo pipefail

[ $# -gt 0 ] || {
	echo "usage: $0 BINARY..." >&2
	exit 2
}

# The plain format is what we parse, whatever the caller's environment says.
export CMOCKA_MESSAGE_OUTPUT=stdout
unset CMOCKA_XML_FILE

total_pass=0
total_fail=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

# Sum the counts of every group summary a binary printed.
sum_lines() { # PATTERN FILE
	sed -n -E "s/^\[  $1  \] ([0-9]+) test\(s\).*/\1/p" "$2" |
		awk '{ s += $1 } END { print s + 0 }'
}

for bin in "$@"; do
	name=$(basename "$bin")
	rc=0
	if [ -x "$bin" ]; then
		# (bash's own "Segmentation fault" note goes to the log too)
		{ "$bin" </dev/null; } >"$tmp" 2>&1 || rc=$?
	else
		echo "not executable: $bin" >"$tmp"
		rc=127
	fi
	[ -z "${UNIT_LOG_DIR:-}" ] || cp "$tmp" "$UNIT_LOG_DIR/$name.log"
	pass=$(sum_lines PASSED "$tmp")
	fail=$(sum_lines FAILED "$tmp")
	note=""
	# A crash or an early exit leaves the count short: count it as a failure.
	if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
		fail=1
		note=" (exit status $rc)"
	elif [ $((pass + fail)) -eq 0 ]; then
		fail=1
		note=" (ran no test)"
	fi
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	if [ "$fail" -eq 0 ]; then
		echo "ok - unit $name ($pass tests)"
	else
		echo "not ok - unit $name ($fail of $((pass + fail)) failed)$note"
		# The failing tests and cmocka's messages for them.
		grep -E '^\[ +(ERROR|FAILED|LINE) +\] ' "$tmp" |
			grep -v ' test(s)' | awk '!seen[$0]++' | sed 's/^/#   /'
		[ -z "$note" ] || tail -n 5 "$tmp" | sed 's/^/#   /'
	fi
done

echo "unit: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
