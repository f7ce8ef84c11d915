#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The whole test suite, as `make check` runs it: the cmocka unit tests in
# $O/tests, the fuzz corpora replayed through $O/fuzz-replay/fuzz/*
# (tests/fuzz/replay.sh), the manual pages (tests/man/test_man.sh) and the
# map of the tree in docs/design.md (tests/docs/test_docs_map.sh), the lint
# of the sources' structure (tests/lint/test_*.sh), then the
# test images (tests/images.sh), then every tests/e2e/test_*.sh against the
# built $O/paks under a time limit.  Each
# test's full output goes to $O/test-logs/NAME.log; only its "ok" /
# "not ok" lines are shown.  The last line is "N passed, N failed", counting
# single checks (cmocka tests and e2e ok/not ok lines; a script that fails
# without saying "not ok" counts as one failure), and the exit status is
# non-zero if anything failed or nothing ran.
#
# Environment: O (build dir, default build), TESTS (extended regex: run only
# the unit binaries, e2e scripts, test_man and test_docs_map whose name
# matches), TEST_TIMEOUT (seconds per e2e script, default 600), E2E_DIR
# (default tests/e2e), CONTAINERS_CONF.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO" || exit 1
O=${O:-build}
O=$(mkdir -p "$O" && cd "$O" && pwd)
TESTS=${TESTS:-}
TEST_TIMEOUT=${TEST_TIMEOUT:-600}
LOGS=$O/test-logs
E2E_DIR=${E2E_DIR:-tests/e2e}

export PAKS=$O/paks
export PAKS_LIB_DIR=$O
export CONTAINERS_CONF=${CONTAINERS_CONF:-$REPO/tests/containers.conf}
case $CONTAINERS_CONF in
/*) ;;
*) CONTAINERS_CONF=$REPO/$CONTAINERS_CONF ;;
esac

PASS=0
FAIL=0
START=$SECONDS
rm -rf "$LOGS"
mkdir -p "$LOGS"

selected() { # NAME
	[ -z "$TESTS" ] || [[ $1 =~ $TESTS ]]
}

fail_one() { # DESC
	FAIL=$((FAIL + 1))
	echo "not ok - $*"
}

paks_containers() {
	podman ps -a --format '{{.Names}}' 2>/dev/null | grep '^paks-' | sort
}

run_unit() {
	local bins=() b out
	for b in "$O"/tests/test_*; do
		[[ -f $b && -x $b ]] || continue
		selected "$(basename "$b")" && bins+=("$b")
	done
	[ ${#bins[@]} -gt 0 ] || return 0
	echo "# unit tests"
	out=$(UNIT_LOG_DIR=$LOGS tests/run-unit.sh "${bins[@]}")
	printf '%s\n' "$out" | grep -v '^unit: '
	# The closing line of run-unit.sh: "unit: N passed, N failed".
	read -r PASS FAIL < <(printf '%s\n' "$out" |
		sed -n -E 's/^unit: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p')
	if [ -z "$PASS" ]; then
		PASS=0
		fail_one "unit tests: no summary from tests/run-unit.sh"
	fi
}

# The fuzz targets' corpora, through their sanitizer builds (selected by
# TESTS as fuzz-NAME).
run_fuzz_replay() {
	local names=() b out p f
	for b in "$O"/fuzz-replay/fuzz/*; do
		[[ -f $b && -x $b ]] || continue
		selected "fuzz-$(basename "$b")" && names+=("$(basename "$b")")
	done
	[ ${#names[@]} -gt 0 ] || return 0
	echo "# fuzz corpora"
	out=$(tests/fuzz/replay.sh "$O/fuzz-replay/fuzz" "${names[@]}")
	printf '%s\n' "$out" | grep -v '^fuzz replay: '
	read -r p f < <(printf '%s\n' "$out" |
		sed -n -E 's/^fuzz replay: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p')
	if [ -z "$p" ]; then
		fail_one "fuzz replay: no summary from tests/fuzz/replay.sh"
		return
	fi
	PASS=$((PASS + p))
	FAIL=$((FAIL + f))
}

# The manual pages in $O/man (tests/man/test_man.sh): lint, every command
# and option of the program named, installed where man finds them.  No
# container needed, so before the images (selected by TESTS as test_man).
run_man() {
	selected test_man || return 0
	echo "# manual pages"
	run_e2e tests/man/test_man.sh
}

# docs/design.md's map of the tree against the files in host/, preload/
# and include/ (tests/docs/test_docs_map.sh; TESTS=test_docs_map).
run_docs() {
	selected test_docs_map || return 0
	echo "# documentation"
	run_e2e tests/docs/test_docs_map.sh
}

# The lint of the sources' structure (tests/lint/test_*.sh): no function
# over 70 lines, no link cycle between the preload's objects.  No container
# needed (selected by TESTS as the script's name).
run_lint() {
	local t names=()
	for t in tests/lint/test_*.sh; do
		selected "$(basename "$t" .sh)" && names+=("$t")
	done
	[ ${#names[@]} -gt 0 ] || return 0
	echo "# lint"
	for t in "${names[@]}"; do
		run_e2e "$t"
	done
}

# run_e2e SCRIPT: run one script, show its results as they come.
run_e2e() {
	local t=$1 name log rc p f t0 pid
	name=$(basename "$t" .sh)
	log=$LOGS/$name.log
	t0=$SECONDS
	# Output to the log file, not a pipe, so that a process the test left
	# behind holding its stdout cannot stall the run; tail follows the file
	# until the test itself has ended.
	: >"$log" # before tail looks for it
	timeout -k 30 "$TEST_TIMEOUT" bash "$t" </dev/null >"$log" 2>&1 &
	pid=$!
	tail -s 0.2 --pid=$pid -n +1 -f "$log" |
		grep --line-buffered -E '^(not )?ok\b' |
		sed -u -E "s/^(not ok|ok)( - )?/\1 - $name: /"
	wait $pid
	rc=$?
	p=$(grep -cE '^ok\b' "$log")
	f=$(grep -cE '^not ok\b' "$log")
	PASS=$((PASS + p))
	FAIL=$((FAIL + f))
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		if [ "$f" -eq 0 ]; then
			fail_one "$name: timed out after ${TEST_TIMEOUT}s"
		else
			echo "# $name: timed out after ${TEST_TIMEOUT}s"
		fi
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		fail_one "$name: exited with status $rc (see $log)"
	elif [ "$rc" -eq 0 ] && [ $((p + f)) -eq 0 ]; then
		fail_one "$name: ran no checks"
	fi
	echo "# $name: $p ok, $f not ok, $((SECONDS - t0))s"
}

run_all_e2e() {
	local scripts=() t before after leaked
	for t in "$E2E_DIR"/test_*.sh; do
		[ -f "$t" ] || continue
		selected "$(basename "$t" .sh)" && scripts+=("$t")
	done
	[ ${#scripts[@]} -gt 0 ] || return 0
	if [ ! -x "$PAKS" ]; then
		fail_one "e2e: $PAKS is not built"
		return
	fi
	echo "# test images"
	if ! tests/images.sh all; then
		fail_one "test images could not be built"
		return
	fi
	before=$(paks_containers)
	for t in "${scripts[@]}"; do
		run_e2e "$t"
	done
	# Every test removes what it started: no paks- container may remain
	# (the engine may still be removing one: give it a few seconds).
	local tries
	for tries in $(seq 20); do
		after=$(paks_containers)
		leaked=$(comm -13 <(printf '%s\n' "$before") <(printf '%s\n' "$after") |
			grep . | tr '\n' ' ')
		[ -z "$leaked" ] && break
		sleep 1
	done
	if [ -n "$leaked" ]; then
		fail_one "no paks- container left after the e2e tests (left: $leaked)"
	else
		PASS=$((PASS + 1))
		echo "ok - no paks- container left after the e2e tests"
	fi
}

# What led to each failed check, at the end, where a CI's tail of the
# output shows it: the log lines before each "not ok" of a script (its
# screens and messages) and those after it up to the next check (what
# check and expect print of a failure); 40 lines each way, 400 in all.
show_failures() {
	local log shown=0
	for log in "$LOGS"/*.log; do
		[ -f "$log" ] && grep -qE '^not ok\b' "$log" || continue
		[ "$shown" -lt 400 ] || break
		echo "# --- around each failure in $(basename "$log"):"
		awk '/^#   \|$/ { next }	# a screen'"'"'s empty rows
		     { n++; last[n % 40] = $0 }
		     after > 0 && /^(not )?ok/ { after = 0 }
		     after > 0 { print "#   " $0; done = n; after--; next }
		     /^not ok/ { for (i = n - 39; i <= n; i++)
				   if (i > 0 && i > done) print "#   " last[i % 40]
				 done = n; after = 40 }' "$log" | head -n $((400 - shown))
		shown=$((shown + $(awk '/^not ok/ { n++ } END { print n * 80 }' "$log")))
	done
}

run_unit
run_fuzz_replay
run_man
run_docs
run_lint
run_all_e2e

if [ $((PASS + FAIL)) -eq 0 ]; then
	fail_one "no test ran${TESTS:+ (TESTS=$TESTS matched nothing)}"
fi
[ "$FAIL" -eq 0 ] || show_failures
echo "# logs in $LOGS, $((SECONDS - START))s"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
