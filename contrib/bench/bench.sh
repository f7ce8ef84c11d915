#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# `make bench`: every measure of paks against the plain engine, on podman
# and on a real dockerd, interleaved round by round (the order of the two
# sides alternates), each side driven through a pty by ptydrive.py the way
# a person sees it.  Raw numbers go to $OUT/raw.tsv; summary.py prints the
# table of medians, spread and ratios.  Timing only: nothing here is a test.
#
# Environment (defaults in brackets):
#   IMAGE     [localhost/paks-test/bookworm]  ENGINES  [podman docker]
#   ROUNDS    [5]     rounds of every paired measure
#   RT_RUNS   [200]   '#' round trips (and plain comments) per engine
#   SAVE_MB   [1024]  the large change for #save vs commit
#   CP_MB     [100]   CP_FILES [10000]   the #cp file and tree
#   BULK_MB   [20]    PTY bulk output    ECHO_KEYS [100]
#   ONLY      a regex over measure names (prompt newid rebuilt rt save cp
#             export pty cli)
#   PAKS, CONTAINERS_CONF; DOCKER_HOST to use a running dockerd instead of
#   starting one on private paths under /var/tmp/paks-bench-dockerd.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
: "${PAKS:=$top/build/paks}"
: "${IMAGE:=localhost/paks-test/bookworm}"
: "${ENGINES:=podman docker}"
: "${ROUNDS:=5}" "${RT_RUNS:=200}" "${SAVE_MB:=1024}" "${CP_MB:=100}"
: "${CP_FILES:=10000}" "${BULK_MB:=20}" "${ECHO_KEYS:=100}" "${ONLY:=.}"
: "${CONTAINERS_CONF:=$top/tests/containers.conf}"
export CONTAINERS_CONF

tmp=$(mktemp -d /var/tmp/paks-bench.XXXXXX)
work=$tmp/work # paks's launch directory: host paths of #cp are under it
mkdir -p "$work"
export XDG_CONFIG_HOME=$tmp/config XDG_CACHE_HOME=$tmp/cache
RAW=$tmp/raw.tsv
: >"$RAW"
DRIVE=("python3" "$here/ptydrive.py" --timeout 120)
DOCKERD_PID=
# shellcheck source=contrib/bench/dockerd.sh
. "$here/dockerd.sh"

cleanup() {
	local e
	for e in $ENGINES; do
		if [ "$e" = docker ] && [ -z "$DOCKERD_PID" ] && [ -z "${DOCKER_HOST:-}" ]; then
			continue
		fi
		"$e" rm -f $("$e" ps -aq --filter name=paks-bench- 2>/dev/null) \
			>/dev/null 2>&1 || true
		"$e" rmi -f $("$e" images -q 'localhost/paks-bench/*' 2>/dev/null) \
			>/dev/null 2>&1 || true
	done
	dockerd_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*" >&2; }
want() { [[ $1 =~ $ONLY ]]; }

# engine_env ENGINE: point the engine CLI (and paks) at this engine.
engine_env() {
	E=$1
	if [ "$E" = docker ]; then
		dockerd_start
		PAKSRUN=("$PAKS" run --container-tech docker)
	else
		PAKSRUN=("$PAKS" run --container-tech podman)
	fi
}

# record MEASURE SIDE: ptydrive's "label<TAB>value" lines on stdin.
record() {
	while IFS=$'\t' read -r label v; do
		printf '%s\t%s\t%s\t%s\n' "$E" "$1" "${2:-$label}" "$v" >>"$RAW"
	done
}

drive() { "${DRIVE[@]}" "$@"; }

# Both sides once per round, in alternating order.
pair() {
	local r=$1 a=$2 b=$3
	if ((r % 2)); then "$a" "$r"; "$b" "$r"; else "$b" "$r"; "$a" "$r"; fi
}

prompt_plain() { drive --step prompt -- "$E" run --rm -it "$IMAGE" /bin/bash | record prompt plain; }
prompt_paks() { drive --step prompt -- "${PAKSRUN[@]}" "$IMAGE" | record prompt paks; }

m_prompt() {
	say "$E: first prompt, image seen before ($ROUNDS rounds)"
	# Warm up, unmeasured: the engine's caches and paks's probe cache.
	drive --step prompt -- "$E" run --rm -it "$IMAGE" /bin/bash >/dev/null
	drive --step prompt -- "${PAKSRUN[@]}" "$IMAGE" >/dev/null
	for ((r = 1; r <= ROUNDS; r++)); do pair "$r" prompt_plain prompt_paks; done
}

# A never-run image ID for each side of each round: commit a stopped
# container with a new label.
new_image() {
	local tag=$1
	"$E" commit --change "LABEL paks.bench=$tag-$RANDOM$RANDOM" \
		paks-bench-base "localhost/paks-bench/new:$tag" >"$tmp/log" 2>&1 ||
		{ cat "$tmp/log" >&2; return 1; }
	echo "localhost/paks-bench/new:$tag"
}
newid_plain() {
	local img
	img=$(new_image "r$1plain")
	drive --step prompt -- "$E" run --rm -it "$img" /bin/bash | record newid plain
	"$E" rmi "$img" >/dev/null
}
newid_paks() {
	local img
	img=$(new_image "r$1paks")
	drive --step prompt -- "${PAKSRUN[@]}" "$img" | record newid paks
	"$E" rmi "$img" >/dev/null
}
m_newid() {
	say "$E: first prompt, a new image ID under a new name ($ROUNDS rounds)"
	"$E" rm -f paks-bench-base >/dev/null 2>&1 || true
	"$E" create --name paks-bench-base "$IMAGE" true >/dev/null
	for ((r = 1; r <= ROUNDS; r++)); do pair "$r" newid_plain newid_paks; done
	"$E" rm -f paks-bench-base >/dev/null
}

# The image rebuilt under a name paks has run before (the cache knows the
# name, not the new ID): each side has a name of its own, moved to a new
# image every round; the image it named before is removed once unnamed.
rebuilt_one() {
	local side=$1 img=localhost/paks-bench/new:rebuilt-$1 old
	old=$("$E" image inspect --format '{{.Id}}' "$img")
	new_image "rebuilt-$side" >/dev/null
	if [ "$side" = plain ]; then
		drive --step prompt -- "$E" run --rm -it "$img" /bin/bash
	else
		drive --step prompt -- "${PAKSRUN[@]}" "$img"
	fi | record rebuilt "$side"
	"$E" rmi "$old" >/dev/null
}
rebuilt_plain() { rebuilt_one plain; }
rebuilt_paks() { rebuilt_one paks; }
m_rebuilt() {
	local side
	say "$E: first prompt, a new image ID under a name run before ($ROUNDS rounds)"
	"$E" rm -f paks-bench-base >/dev/null 2>&1 || true
	"$E" create --name paks-bench-base "$IMAGE" true >/dev/null
	for side in plain paks; do new_image "rebuilt-$side" >/dev/null; done
	drive --step prompt -- "${PAKSRUN[@]}" localhost/paks-bench/new:rebuilt-paks >/dev/null
	for ((r = 1; r <= ROUNDS; r++)); do pair "$r" rebuilt_plain rebuilt_paks; done
	"$E" rm -f paks-bench-base >/dev/null
	"$E" rmi localhost/paks-bench/new:rebuilt-plain localhost/paks-bench/new:rebuilt-paks >/dev/null
}

m_rt() {
	local steps=() i
	say "$E: '#' round trip, $RT_RUNS runs each"
	for ((i = 0; i < RT_RUNS; i++)); do
		steps+=(--step 'time:comment:# a plain comment'
			--step 'time:help:#help'
			--step 'time:envhost:#envhost HOME')
	done
	drive "${steps[@]}" --step rss:rss -- "${PAKSRUN[@]}" "$IMAGE" | record rt
}

# #save against a bare commit of the same container, in one session.  Each
# side commits a change of its own, written just before (the engines skip
# a layer they already hold, so a second commit of the same change would
# be cheaper than the first).
m_save_one() {
	local what=$1 setup=$2 name=paks-bench-save-$$ steps=() r s c
	for ((r = 1; r <= ROUNDS; r++)); do
		s=localhost/paks-bench/save:$what$r c=localhost/paks-bench/commit:$what$r
		local ps=(--step "sh:$setup" --step "time:paks:#save $s")
		local pc=(--step "sh:$setup" --step "host:plain:$E commit $name $c")
		if ((r % 2)); then steps+=("${ps[@]}" "${pc[@]}"); else steps+=("${pc[@]}" "${ps[@]}"); fi
		steps+=(--step "run:$E rmi $s $c")
	done
	drive "${steps[@]}" -- "${PAKSRUN[@]}" --name "$name" "$IMAGE" |
		record "save_$what"
}
m_save() {
	say "$E: #save vs commit: a small change, then ${SAVE_MB} MB ($ROUNDS rounds)"
	m_save_one small 'head -c 64 /dev/urandom >/small.txt'
	m_save_one big "head -c ${SAVE_MB}M /dev/urandom >/big.bin"
}

m_cp() {
	local name=paks-bench-cp-$$ steps=() r
	say "$E: #cp of a ${CP_MB} MB file and a ${CP_FILES}-file tree, each way ($ROUNDS rounds)"
	rm -rf "$work/cp" && mkdir -p "$work/cp/tree"
	head -c "${CP_MB}M" /dev/urandom >"$work/cp/file.bin"
	(cd "$work/cp/tree" && seq 1 "$CP_FILES" | split -l 1 -a 5 - f)
	for ((r = 1; r <= ROUNDS; r++)); do
		local k
		for k in file tree; do
			local src=file.bin
			[ $k = tree ] && src=tree
			local pi=(--step "time:paks_${k}_in:#cp host:cp/$src /tmp/in$r$k")
			local ci=(--step "host:plain_${k}_in:$E cp $work/cp/$src $name:/tmp/pin$r$k")
			local po=(--step "time:paks_${k}_out:#cp /tmp/src$k host:cp/out$r$k")
			local co=(--step "host:plain_${k}_out:$E cp $name:/tmp/src$k $work/cp/pout$r$k")
			if ((r % 2)); then steps+=("${pi[@]}" "${ci[@]}" "${po[@]}" "${co[@]}")
			else steps+=("${ci[@]}" "${pi[@]}" "${co[@]}" "${po[@]}"); fi
			steps+=(--step "sh:rm -rf /tmp/in$r$k /tmp/pin$r$k"
				--step "run:rm -rf $work/cp/out$r$k $work/cp/pout$r$k")
		done
	done
	drive --step "sh:head -c ${CP_MB}M /dev/urandom >/tmp/srcfile; mkdir /tmp/srctree; (cd /tmp/srctree && seq 1 $CP_FILES | split -l 1 -a 5 - f)" \
		"${steps[@]}" -- "${PAKSRUN[@]}" --name "$name" "$IMAGE" | record cp
	rm -rf "$work/cp"
}

m_export() {
	local name=paks-bench-exp-$$ steps=() r img
	say "$E: #export vs commit + save, and save alone ($ROUNDS rounds)"
	for ((r = 1; r <= ROUNDS; r++)); do
		img=localhost/paks-bench/exp:$r
		local pe=(--step "time:paks:#export exp$r.tar")
		local ce=(--step "host:plain:sh -c '$E commit $name $img >/dev/null && $E save -o $work/pexp$r.tar $img'"
			--step "run:rm -f $work/pexp$r.tar"
			--step "host:save_only:$E save -o $work/pexp$r.tar $img")
		if ((r % 2)); then steps+=("${pe[@]}" "${ce[@]}"); else steps+=("${ce[@]}" "${pe[@]}"); fi
		steps+=(--step "run:rm -f $work/exp$r.tar $work/pexp$r.tar"
			--step "run:$E rmi $img")
	done
	# #export saves to the image's "-saved" name first: give it a private
	# image, so that name is ours too.
	"$E" tag "$IMAGE" localhost/paks-bench/exp-base
	drive --step 'sh:echo hello >/small.txt' "${steps[@]}" -- \
		"${PAKSRUN[@]}" --name "$name" localhost/paks-bench/exp-base | record export
	"$E" rmi localhost/paks-bench/exp-base-saved localhost/paks-bench/exp-base >/dev/null 2>&1 || true
}

# pty_session SIDE ARGV...: bulk output of both kinds, then keystrokes.
pty_session() {
	local side=$1 b=$((BULK_MB * 1000000))
	shift
	local t='s=$(date +%s%N); ' e='e=$(date +%s%N); echo; echo BENCH_MS=$(( (e-s)/1000000 ))'
	drive --step "bulk:${side}_bulk_x:$t head -c $b /dev/zero | tr '\\0' x; $e" \
		--step "bulk:${side}_bulk_y:$t yes | head -c $b; $e" \
		--step "echo:${side}_echo:$ECHO_KEYS" --step "rss:${side}_rss" -- "$@" |
		record pty
}
pty_plain() { pty_session plain "$E" run --rm -it "$IMAGE" /bin/sh; }
pty_paks() { pty_session paks "${PAKSRUN[@]}" --mode pty --shell /bin/sh "$IMAGE"; }
m_pty() {
	say "$E: PTY mode, bulk output (${BULK_MB} MB) and keystroke echo ($ROUNDS rounds)"
	for ((r = 1; r <= ROUNDS; r++)); do pair "$r" pty_plain pty_paks; done
}

# What bounds the rows above: one engine CLI call, alone.
m_cli() {
	local r t
	say "$E: single engine CLI calls ($ROUNDS rounds)"
	for ((r = 1; r <= ROUNDS; r++)); do
		t=$(date +%s%N)
		"$E" image inspect "$IMAGE" >/dev/null
		echo "inspect	$(( ($(date +%s%N) - t) / 1000 ))e-3" | record cli
		t=$(date +%s%N)
		"$E" tag "$IMAGE" localhost/paks-bench/tag:x >/dev/null
		"$E" rmi localhost/paks-bench/tag:x >/dev/null
		echo "tag_rmi	$(( ($(date +%s%N) - t) / 1000 ))e-3" | record cli
		t=$(date +%s%N)
		"$E" run --rm "$IMAGE" true
		echo "run_true	$(( ($(date +%s%N) - t) / 1000 ))e-3" | record cli
	done
}

[ -x "$PAKS" ] || { say "no $PAKS: run make first"; exit 1; }
podman image exists "$IMAGE" ||
	{ say "no image $IMAGE (tests/images.sh bookworm)"; exit 1; }
cd "$work"
{
	echo "date	$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "host	$(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "settings	IMAGE=$IMAGE ROUNDS=$ROUNDS RT_RUNS=$RT_RUNS SAVE_MB=$SAVE_MB CP_MB=$CP_MB CP_FILES=$CP_FILES BULK_MB=$BULK_MB ECHO_KEYS=$ECHO_KEYS"
} >"$tmp/meta"
for e in $ENGINES; do
	engine_env "$e"
	if [ "$e" = docker ] && ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
		say "docker: loading $IMAGE from podman"
		podman save "$IMAGE" | docker load >/dev/null
	fi
	for m in prompt newid rebuilt rt save cp export pty cli; do
		want "$m" || continue
		"m_$m" || say "$e: $m failed; its rows are incomplete"
	done
done
python3 "$here/summary.py" "$tmp/meta" "$RAW"
if [ -n "${BENCH_KEEP:-}" ]; then cp "$RAW" "$BENCH_KEEP"; fi
