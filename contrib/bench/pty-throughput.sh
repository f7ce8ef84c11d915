#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Throughput of a large output stream through paks' PTY proxy, compared in
# the same run with plain `ENGINE run -it`.  Both sessions run the same
# interactive sh under script(1), so both have a real terminal, and the same
# typed command streams BYTES bytes to the terminal; the container measures
# how long the stream took and writes it to a mounted directory.  The
# terminal's output goes to /dev/null, so the proxy (and its libvterm
# screen) is the only difference.
#
# Usage: contrib/bench/pty-throughput.sh [IMAGE]
#   IMAGE   default localhost/paks-test/bookworm (needs date +%N)
#   PAKS    the paks binary (default build/paks)
#   ENGINE  podman (default) or docker
#   BYTES   stream size (default 200000000)
#   KIND    x: one endless line (tr), y: short lines (yes); default both
#   RUNS    runs of each, the best counts (default 3)
set -eu

here=$(cd "$(dirname "$0")/../.." && pwd)
: "${PAKS:=$here/build/paks}"
: "${ENGINE:=podman}"
: "${BYTES:=200000000}"
: "${KIND:=x y}"
: "${RUNS:=3}"
: "${CONTAINERS_CONF:=$here/tests/containers.conf}"
export CONTAINERS_CONF
img=${1:-localhost/paks-test/bookworm}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/paks-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export XDG_CONFIG_HOME=$tmp/config XDG_CACHE_HOME=$tmp/cache

payload() {
	case $1 in
	x) echo "head -c $BYTES /dev/zero | tr '\\0' x" ;;
	y) echo "yes | head -c $BYTES" ;;
	esac
}

# run_once KIND plain|paks: prints the milliseconds the stream took.
run_once() {
	local kind=$1 how=$2 cmd
	rm -f "$tmp/ms"
	cmd="s=\$(date +%s%N); $(payload "$kind"); e=\$(date +%s%N); echo \$(( (e-s)/1000000 )) >/out/ms; exit"
	if [ "$how" = plain ]; then
		set -- "$ENGINE" run -it --rm -v "$tmp:/out" "$img" /bin/sh
	else
		set -- "$PAKS" run --mode pty --shell /bin/sh -v "$tmp:/out" "$img"
	fi
	printf '%s\n' "$cmd" |
		script -q -e -c "$(printf '%q ' "$@")" /dev/null >/dev/null 2>&1 || true
	cat "$tmp/ms" 2>/dev/null || echo 0
}

best() {
	local b=0 v
	for v in "$@"; do
		if [ "$v" -gt 0 ] && { [ "$b" -eq 0 ] || [ "$v" -lt "$b" ]; }; then
			b=$v
		fi
	done
	echo "$b"
}

mbps() {
	awk -v b="$BYTES" -v ms="$1" 'BEGIN { printf "%.1f", ms ? b / ms / 1000 : 0 }'
}

echo "image $img, $BYTES bytes, best of $RUNS"
for kind in $KIND; do
	plain=() proxied=()
	for ((i = 0; i < RUNS; i++)); do
		plain+=("$(run_once "$kind" plain)")
		proxied+=("$(run_once "$kind" paks)")
	done
	p=$(best "${plain[@]}")
	q=$(best "${proxied[@]}")
	if [ "$p" -eq 0 ] || [ "$q" -eq 0 ]; then
		echo "$kind: a run failed (plain ${plain[*]} ms, paks ${proxied[*]} ms)"
		exit 1
	fi
	awk -v k="$kind" -v p="$p" -v q="$q" -v pm="$(mbps "$p")" \
		-v qm="$(mbps "$q")" 'BEGIN {
		printf "%s: plain %s MB/s (%d ms), paks pty %s MB/s (%d ms), ratio %.2f\n",
			k, pm, p, qm, q, p / q }'
done
