#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# `make bench`: every measure of paks against the plain engine, on podman,
# on a real dockerd, on Charliecloud as a normal user and on a remote
# docker engine over tcp and ssh, interleaved round by round (the order of
# the sides alternates), each side driven through a pty by ptydrive.py the
# way a person sees it.  Raw numbers go to $OUT/raw.tsv; summary.py prints the
# table of medians, spread and ratios.  Timing only: nothing here is a test.
#
# Environment (defaults in brackets):
#   IMAGE     [localhost/paks-test/bookworm]
#   ENGINES   [podman docker charliecloud remote]  the last two are worlds
#             set up by the tests' scripts (worlds.sh); one that cannot be
#             had here is skipped with one line on stderr
#   ROUNDS    [5]     rounds of every paired measure
#   RT_RUNS   [200]   '#' round trips (and plain comments) per engine
#   SAVE_MB   [1024]  the large change for #save vs commit
#   CP_MB     [100]   CP_FILES [10000]   the #cp file and tree
#   BULK_MB   [20]    PTY bulk output    ECHO_KEYS [100]
#   ONLY      a regex over measure names (prompt newid rebuilt rt save cp
#             export pty cli; ch-prompt ch-save; remote-prompt remote-rt remote-pty)
#   PAKS, CONTAINERS_CONF; DOCKER_HOST to use a running dockerd instead of
#   starting one on private paths under /var/tmp/paks-bench-dockerd.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
: "${PAKS:=$top/build/paks}"
: "${IMAGE:=localhost/paks-test/bookworm}"
: "${ENGINES:=podman docker charliecloud remote}"
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
# shellcheck source=contrib/bench/worlds.sh
. "$here/worlds.sh"

cleanup() {
	local e
	for e in $ENGINES; do
		case $e in podman | docker) ;; *) continue ;; esac
		if [ "$e" = docker ] && [ -z "$DOCKERD_PID" ] && [ -z "${DOCKER_HOST:-}" ]; then
			continue
		fi
		"$e" rm -f $("$e" ps -aq --filter name=paks-bench- 2>/dev/null) \
			>/dev/null 2>&1 || true
		"$e" rmi -f $("$e" images -q 'localhost/paks-bench/*' 2>/dev/null) \
			>/dev/null 2>&1 || true
	done
	dockerd_stop
	worlds_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*" >&2; }
want() { [[ $1 =~ $ONLY ]]; }

# engine_env ENGINE: point the engine CLI (and paks) at this engine.
engine_env() {
	E=$1
	PLAINRUN=("$E")
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

# warm SIDE...: each side once, unmeasured (nothing is recorded).
warm() {
	local f raw=$RAW
	RAW=/dev/null
	for f in "$@"; do "$f" 0; done
	RAW=$raw
}

# Every side once per round: in the order given in odd rounds, reversed
# in even ones.
pair() {
	local r=$1 i
	shift
	if ((r % 2)); then
		for ((i = 1; i <= $#; i++)); do "${!i}" "$r"; done
	else
		for ((i = $#; i >= 1; i--)); do "${!i}" "$r"; done
	fi
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
pty_plain() { pty_session plain "${PLAINRUN[@]}" run --rm -it "$IMAGE" /bin/sh; }
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

# Charliecloud, as a normal user (worlds.sh): paks on dev.sqfs with
# --keep, after the one-time unpack (paks_kept), against ch-run -w on that
# image unpacked beforehand (plain_dir: the unpack is not timed); and paks
# without --keep, which unpacks a writable copy for each session, against
# the unpack and ch-run in one command (plain_unpack).
# `ch-convert dev.sqfs DIR` fails as a normal user (unsquashfs cannot
# make the image's /dev device nodes and exits 2), so the plain unpack is
# ch-convert's own unsquashfs without them, as paks runs it.
# shellcheck disable=SC2016 # for sh -c
CH_UNSQUASH='unsquashfs -quiet -no-progress -user-xattrs -d "$1" -excludes dev.sqfs "dev/*"'
ch_plain_dir() {
	drive --step prompt -- "${CH_AS[@]}" ch-run -w "$CH_BASE/dir" -- /bin/bash |
		record ch_prompt plain_dir
}
ch_plain_unpack() {
	rm -rf "$CH_BASE/unpacked"
	drive --step prompt -- "${CH_AS[@]}" sh -c "$CH_UNSQUASH && exec ch-run -w \"\$1\" -- /bin/bash" \
		sh "$CH_BASE/unpacked" | record ch_prompt plain_unpack
}
ch_paks() {
	drive --step prompt -- "${CH_AS[@]}" "$CH_PAKS" run --container-tech charliecloud dev.sqfs |
		record ch_prompt paks
}
# After the one-time unpack: --keep, the copy the warm-up kept, in a store
# of its own (a session without --keep takes a kept copy, and removes it).
# Its XDG_CACHE_HOME goes to CH_AS's own env -i: one more env(1) would
# time an exec that the plain side does not have.
ch_paks_kept() {
	drive --step prompt -- "${CH_AS[@]}" "XDG_CACHE_HOME=$CH_BASE/kept" \
		"$CH_PAKS" run --keep --container-tech charliecloud dev.sqfs |
		record ch_prompt paks_kept
}
m_ch_prompt() {
	say "$E: first prompt of dev.sqfs as a normal user ($ROUNDS rounds)"
	"${CH_AS[@]}" sh -c "$CH_UNSQUASH" sh "$CH_BASE/dir"
	# Warm up: the page cache holds dev.sqfs and the tools for every side.
	warm ch_plain_dir ch_plain_unpack ch_paks ch_paks_kept
	for ((r = 1; r <= ROUNDS; r++)); do
		pair "$r" ch_plain_dir ch_plain_unpack ch_paks ch_paks_kept
	done
	rm -rf "$CH_BASE/dir" "$CH_BASE/unpacked" "$CH_BASE/kept"
}

# #save to a .sqfs file against ch-convert of the session's writable copy
# (the one directory in paks's store: what a person would squash without
# paks), in one session, each side after a change of its own.  Both write
# SquashFS the same way (mksquashfs -b 65536 -all-root).
m_ch_save_one() {
	local what=$1 setup=$2 steps=() r s c
	for ((r = 1; r <= ROUNDS; r++)); do
		s=bench-paks-$what$r.sqfs c=bench-plain-$what$r.sqfs
		local ps=(--step "sh:$setup" --step "time:paks:#save $s")
		local pc=(--step "sh:$setup" --step "host:plain:${CH_AS[*]} sh $CH_BASE/convert-copy $c")
		if ((r % 2)); then steps+=("${ps[@]}" "${pc[@]}"); else steps+=("${pc[@]}" "${ps[@]}"); fi
		steps+=(--step "run:rm -f $CH_BASE/launch/$s $CH_BASE/launch/$c")
	done
	drive "${steps[@]}" --step rss:rss -- \
		"${CH_AS[@]}" "$CH_PAKS" run --container-tech charliecloud dev.sqfs |
		record "ch_save_$what"
}
m_ch_save() {
	say "$E: #save vs ch-convert: a small change, then ${SAVE_MB} MB ($ROUNDS rounds)"
	cat >"$CH_BASE/convert-copy" <<-'EOF'
		d=$(find "$XDG_CACHE_HOME/paks/ch" -mindepth 1 -maxdepth 1 -type d)
		[ -d "$d" ] || { echo "not one writable copy: $d" >&2; exit 1; }
		exec ch-convert -i dir -o squash "$d" "$1"
	EOF
	m_ch_save_one small 'head -c 64 /dev/urandom >/small.txt'
	m_ch_save_one big "head -c ${SAVE_MB}M /dev/urandom >/big.bin"
}

# The remote engine (worlds.sh), over tcp and over ssh: `docker run` and
# paks with DOCKER_HOST pointing there.  paks's first session on an
# address finds the engine remote and caches that: the warm-up has it.
remote_prompt_plain() {
	drive --step prompt -- env "${RENV[@]}" docker run --rm -it "$IMAGE" /bin/bash |
		record remote_prompt plain
}
remote_prompt_paks() { drive --step prompt -- "${PAKSRUN[@]}" "$IMAGE" | record remote_prompt paks; }
m_remote_prompt() {
	local via
	for via in tcp ssh; do
		remote_env "$via"
		say "$E: first prompt on the remote engine ($ROUNDS rounds)"
		warm remote_prompt_plain remote_prompt_paks
		for ((r = 1; r <= ROUNDS; r++)); do pair "$r" remote_prompt_plain remote_prompt_paks; done
	done
}

# '#' round trips over the exec stream to the engine, on tcp and ssh.
m_remote_rt() {
	local via
	for via in tcp ssh; do
		remote_env "$via"
		m_rt
	done
}

# PTY mode over the exec stream to the engine, on tcp.
m_remote_pty() {
	remote_env tcp
	m_pty
}

# measures_of ENGINE: the measures of that engine (or world), in order.
measures_of() {
	case $1 in
	podman | docker) echo prompt newid rebuilt rt save cp export pty cli ;;
	charliecloud) echo ch-prompt ch-save ;;
	remote) echo remote-prompt remote-rt remote-pty ;;
	*) say "bench: no engine $1 (podman docker charliecloud remote)" ;;
	esac
}

# setup ENGINE: the engine or world ready, or 1 (its line said why).
setup() {
	case $1 in
	podman | docker)
		engine_env "$1"
		if [ "$1" = docker ] && ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
			say "docker: loading $IMAGE from podman"
			podman save "$IMAGE" | docker load >/dev/null
		fi
		;;
	charliecloud) ch_world && E=charliecloud ;;
	remote) remote_world ;;
	esac
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
	ms=()
	for m in $(measures_of "$e"); do
		if want "$m"; then ms+=("$m"); fi
	done
	[ ${#ms[@]} -gt 0 ] || continue
	setup "$e" || continue
	for m in "${ms[@]}"; do
		"m_${m//-/_}" || say "$e: $m failed; its rows are incomplete"
	done
done
python3 "$here/summary.py" "$tmp/meta" "$RAW"
if [ -n "${BENCH_KEEP:-}" ]; then cp "$RAW" "$BENCH_KEEP"; fi
