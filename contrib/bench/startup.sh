#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Benchmark: time from `paks run` to the first prompt, and the round trip of
# a '#' command that needs no engine call (#help), each against plain podman
# measured in the same run.  Both are measured as a person sees them: in a
# tmux terminal, from the keystroke to the text on the screen.
#
#   contrib/bench/startup.sh [IMAGE] [ROUNDS]
#
# Environment: PAKS (default build/paks), CONTAINERS_CONF (default the
# project's tests/containers.conf).
set -euo pipefail
cd "$(dirname "$0")/../.."
IMAGE=${1:-localhost/paks-test/bookworm}
ROUNDS=${2:-5}
PAKS=${PAKS:-$PWD/build/paks}
export CONTAINERS_CONF=${CONTAINERS_CONF:-$PWD/tests/containers.conf}
SOCK=paks-bench-$$-0
T() { tmux -L "$SOCK" "$@"; }
trap 'T kill-server 2>/dev/null || true' EXIT
RUN=0

now() { date +%s%N; }

# Wait until the pane's last non-empty line matches REGEX; print elapsed ns.
wait_screen() {
	local regex=$1 start=$2 deadline=$(( $(now) + 60000000000 ))
	while :; do
		if T capture-pane -p 2>/dev/null | grep -v '^$' | tail -1 | grep -Eq -- "$regex"; then
			echo $(( $(now) - start ))
			return 0
		fi
		(( $(now) < deadline )) || { echo "timeout waiting for $regex" >&2; return 1; }
		sleep 0.005
	done
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# One start: the command in a fresh tmux window, until a prompt shows.
start_once() {
	# A new tmux server each time: reusing a socket races with its exit.
	T kill-server 2>/dev/null || true
	RUN=$((RUN + 1))
	SOCK=paks-bench-$$-$RUN
	local t0
	t0=$(now)
	T new-session -d -x 160 -y 40 "$*"
	wait_screen '[#$] *$' "$t0"
}

measure_start() {
	local i
	for i in $(seq "$ROUNDS"); do
		start_once "$@"
		T kill-server 2>/dev/null || true
		sleep 0.5
	done | median
}

# Type a line, wait until the prompt comes back after the output.
roundtrip() {
	local line=$1 marker=$2 n i t0
	for i in $(seq "$ROUNDS"); do
		T send-keys C-l
		sleep 0.2
		t0=$(now)
		T send-keys -l "$line"
		T send-keys Enter
		wait_screen "$marker" "$t0" >/dev/null
		echo $(( $(now) - t0 ))
	done | median
}

ms() { awk -v ns="$1" 'BEGIN {printf "%.0f ms", ns / 1e6}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

podman image exists "$IMAGE" || { echo "no image $IMAGE (tests/images.sh bookworm)" >&2; exit 1; }
# Warm the probe cache and the engine once, unmeasured.
start_once "$PAKS run $IMAGE" >/dev/null
T send-keys -l 'exit'; T send-keys Enter; sleep 1

plain=$(measure_start "podman run --rm -it --detach-keys= $IMAGE /bin/bash")
paks=$(measure_start "$PAKS run $IMAGE")
echo "first prompt: plain podman $(ms "$plain"), paks $(ms "$paks"), ratio $(ratio "$paks" "$plain")"

# Round trip inside one paks session: a plain comment (bash only) versus
# #help (host round trip, no engine call).
start_once "$PAKS run $IMAGE" >/dev/null
sleep 0.5
base=$(roundtrip '# plain comment' '[#$] *$')
help=$(roundtrip '#help' '[#$] *$')
echo "command round trip: plain comment $(ms "$base"), #help $(ms "$help"), ratio $(ratio "$help" "$base")"
T send-keys -l 'exit'; T send-keys Enter
