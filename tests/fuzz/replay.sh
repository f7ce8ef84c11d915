#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Replay each fuzz target's corpus (tests/fuzz/corpus/NAME) through its
# sanitizer build, as `make check` does.  One "ok" / "not ok" line per
# target, then "fuzz replay: N passed, N failed"; the exit status is
# non-zero if any target crashed, reported a sanitizer error or leak,
# hung (FUZZ_REPLAY_TIMEOUT seconds for a whole corpus, default 300), or
# had no corpus.
#
# usage: tests/fuzz/replay.sh BINDIR NAME...
set -uo pipefail

bindir=$1
shift
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
pass=0
fail=0
for t in "$@"; do
	out=$(timeout -k 10 "${FUZZ_REPLAY_TIMEOUT:-300}" \
		"$bindir/$t" "tests/fuzz/corpus/$t" 2>&1)
	rc=$?
	[ $rc -ne 124 ] || out="replay: timed out (a hang)"
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		echo "ok - fuzz replay $t ($(printf '%s\n' "$out" | tail -n 1))"
	else
		fail=$((fail + 1))
		echo "not ok - fuzz replay $t (exit status $rc)"
		printf '%s\n' "$out" | grep -E 'ERROR|SUMMARY|runtime error|replay:' |
			head -n 5 | sed 's/^/#   /'
	fi
done
echo "fuzz replay: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
