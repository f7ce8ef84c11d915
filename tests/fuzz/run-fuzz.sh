#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Run each libFuzzer target for FUZZ_TIME seconds, one after another (as
# `make fuzz` does).  New inputs collect in O/fuzz-corpus/NAME, crashes in
# O/fuzz-crashes/; the seeds in tests/fuzz/corpus/NAME are read, never
# written.  Prints each target's run count; exits non-zero on a crash.
#
# usage: FUZZ_TIME=SECONDS tests/fuzz/run-fuzz.sh O NAME...
set -uo pipefail

O=$1
shift
FUZZ_TIME=${FUZZ_TIME:-600}
bindir=$O/fuzz-libfuzzer/fuzz
crashes=$O/fuzz-crashes
mkdir -p "$crashes"
status=0

# The longest input worth trying, per target.
max_len() {
	case $1 in
	frames) echo 8192 ;;
	vscreen) echo 16384 ;;
	*) echo 4096 ;;
	esac
}

for t in "$@"; do
	work=$O/fuzz-corpus/$t
	log=$O/fuzz-$t.log
	mkdir -p "$work"
	args=(-max_total_time="$FUZZ_TIME" -max_len="$(max_len "$t")"
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1
		-artifact_prefix="$crashes/$t-")
	[ -f "tests/fuzz/$t.dict" ] && args+=(-dict="tests/fuzz/$t.dict")
	echo "# fuzz $t for ${FUZZ_TIME}s (log: $log)"
	"$bindir/$t" "${args[@]}" "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	runs=$(sed -n -E 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | tail -n 1)
	if [ $rc -eq 0 ]; then
		echo "ok - fuzz $t: ${runs:-?} runs, no crash"
	else
		status=1
		echo "not ok - fuzz $t: exit status $rc after ${runs:-?} runs"
		grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -n 5 |
			sed 's/^/#   /'
	fi
done
exit $status
