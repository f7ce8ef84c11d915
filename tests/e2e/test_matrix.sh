#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The engine x image matrix, where users are: every engine (rootful podman,
# rootless podman as a normal user, a real dockerd the tests start
# themselves) with every kind of image (a root bash image, an image with a
# non-root USER and its own ENV and WORKDIR, busybox in PTY mode).  In each
# cell, through `paks run` in tmux: the shell starts as the image's user in
# its WORKDIR with its ENV; #cp both ways, the copied-in file owned by that
# user; #envload; #save gives an image that runs and whose config (User,
# WorkingDir, Env, Cmd, Entrypoint, Labels) equals the original's; three
# saves of saves keep the layer count at most the original's plus two; and
# #export writes an archive that the other engine loads.
# The Charliecloud rows run the same image (the `paks export` .sqfs of it)
# as the tests' normal user, plain and under `srun --pty` in the one-node
# Slurm (tests/e2e/slurm-world.sh): the shell starts as that user (ch-run
# runs as you) in the image's WORKDIR with its ENV; #cp both ways, owned by
# that user; #envload; #save writes STEM-saved.sqfs, which holds the file
# and the image's ENV; and no writable copy is left.
#
# Environment: MATRIX_ENGINES (default "podman rootless docker"),
# MATRIX_CH (default "charliecloud srun"), MATRIX_IMAGES (default "root
# user busybox") select cells; the root image has no Charliecloud cell.
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

: "${IMG_BOOKWORM_USER:=localhost/paks-test/bookworm-user}"
ENGINES=${MATRIX_ENGINES:-podman rootless docker}
CH_ROWS=${MATRIX_CH:-charliecloud srun}
IMAGES=${MATRIX_IMAGES:-root user busybox}
# shellcheck source=engines.sh
source "$(dirname "$0")/engines.sh"
# shellcheck source=slurm-world.sh
source "$(dirname "$0")/slurm-world.sh"
export TMUX_WAIT_TIMEOUT=60
run_id="$$-$RANDOM"

new_home

image_of() { # KEY
	case $1 in
	root) echo "$IMG_BOOKWORM" ;;
	user) echo "$IMG_BOOKWORM_USER" ;;
	busybox) echo "$IMG_BUSYBOX" ;;
	esac
}

# --- the engines -------------------------------------------------------------

# The engine that loads ENGINE's #export archive.
other_engine() {
	case $1 in
	podman | rootless) echo docker ;;
	docker) echo podman ;;
	esac
}

config_of() {
	jq -S '{Env: (.Env // []), Cmd: (.Cmd // []),
		Entrypoint: (.Entrypoint // []),
		WorkingDir: (if (.WorkingDir // "") == "" then "/" else .WorkingDir end),
		User: (.User // ""), Labels: (.Labels // {})}'
}

layers() { # ENGINE IMAGE
	eng "$1" image inspect --format '{{len .RootFS.Layers}}' "$2"
}

# has_file ENGINE IMAGE PATH TEXT: a container of IMAGE finds TEXT in PATH.
has_file() {
	local got
	got=$(eng "$1" run --rm --network none "$2" cat "$3" 2>&1)
	[ "$got" = "$4" ] && return 0
	echo "$got"
	return 1
}

# The shell answers, or paks ended (its error is on the screen): no need
# to wait out the guard for a session that is already over.  Keys go in
# once a prompt shows, as a person types them: on the first run of a
# busybox image the container starts twice, and what was typed into the
# first one is gone with it.
shell_ready() {
	local deadline=$((SECONDS + ${1:-120}))
	until tmux_screen | grep -v '^ *$' | tail -n 1 | grep -Eq '[$#] ?$'; do
		if tmux_pane_dead_status >/dev/null || [ $SECONDS -ge $deadline ]; then
			break
		fi
		sleep 0.1
	done
	# shellcheck disable=SC2016 # typed into the container's shell
	tmux_type 'echo READY-$((6*7))'
	tmux_send Enter
	until tmux_screen | grep -Eq '^READY-42'; do
		if tmux_pane_dead_status >/dev/null || [ $SECONDS -ge $deadline ]; then
			tmux_screen | grep -v '^$' | sed 's/^/#   |/' >&2
			return 1
		fi
		sleep 0.1
	done
}

# A session that starts, types #save TARGET and exits: a save of a save.
resave() { # ENGINE DIR FROM TO CELL
	local e=$1 dir=$2 from=$3 to=$4 name="$5-re"
	local ctr="paks-mx-$run_id-$5-${to##*:}"
	tmux_start "$name" "$(paks_cmd "$e" "$dir" run --name "$ctr" "$from")" || return 1
	shell_ready || return 1
	# A change in every generation, as real work makes.
	tmux_type "echo $to > /tmp/generation"
	tmux_send Enter
	tmux_type "#save $to"
	tmux_send Enter
	tmux_wait_for "^Saved $to" 180 || return 1
	tmux_type 'exit 0'
	tmux_send Enter
	tmux_wait_exit 60 >/dev/null || return 1
	tmux_stop "$name"
}

# envload_check CELL NAME: #envload NAME in the pane exports MXVAR, which
# the caller put in the environment NAME as "a b $c".
envload_check() {
	tmux_send C-l
	tmux_type "#envload $2"
	tmux_send Enter
	# shellcheck disable=SC2016
	tmux_type 'echo "got[$MXVAR]"'
	tmux_send Enter
	check "$1: #envload exports the variable" tmux_wait_for '^got\[a b \$c\]$'
}

# --- one cell ------------------------------------------------------------------

cell() { # ENGINE KEY
	local e=$1 key=$2 c="$1/$2" img base dir user home workdir foo
	local tag="localhost/paks-mx-$run_id/$2-$1" orig olayers saved cfg
	local mark="mx-$run_id-$1-$2" envname="mx-$run_id-$1-$2" ctr="paks-mx-$run_id-$1-$2"
	local sess="$1-$2" other lay
	img=$(image_of "$key")
	base=$tag:base
	saved=$tag:1
	echo "# --- cell $c ($img)"

	case $e in
	rootless)
		dir=$RL_HOME/mx-$run_id-$key
		as_rl mkdir -p "$dir"
		cleanup_add rm -rf "$dir"
		;;
	*)
		dir=$TEST_TMP/$e-$key
		mkdir -p "$dir"
		;;
	esac
	# Names of our own, so that the default #export target is ours too.
	eng "$e" tag "$img" "$base"
	cleanup_add eng "$e" rmi -f "$base" "$saved" "$tag:2" "$tag:3" "$tag-saved:base"
	orig=$(image_config "$e" "$img")
	olayers=$(layers "$e" "$img")
	user=$(jq -r '.User' <<<"$orig")
	[ -n "$user" ] || user=root
	workdir=$(jq -r '.WorkingDir' <<<"$orig")
	home=/root
	[ "$user" = root ] || home=/home/$user
	foo=$(jq -r '.Env[] | select(startswith("FOO=")) | sub("^FOO="; "")' <<<"$orig")

	tmux_start "$sess" "$(paks_cmd "$e" "$dir" run --name "$ctr" "$base")"
	if ! shell_ready; then
		not_ok "$c: paks run starts a shell"
		tmux_stop "$sess"
		return
	fi
	ok "$c: paks run starts a shell"

	# shellcheck disable=SC2016
	tmux_type 'echo "who=$(id -un) home=$HOME pwd=$PWD foo=[$FOO]"'
	tmux_send Enter
	check "$c: the shell runs as $user, HOME $home, in $workdir, with the image's ENV" \
		tmux_wait_for "^who=$user home=$home pwd=$workdir foo=\[$(printf '%s' "$foo" | sed 's/[][\.*^$()+?{}|]/\\&/g')\]$"

	# #cp both ways; what comes in belongs to the image's user.
	echo "from the host $mark" >"$TEST_TMP/in-$e-$key.txt"
	chmod 0644 "$TEST_TMP/in-$e-$key.txt"
	case $e in
	rootless) install -o "$RL_USER" -m 0644 "$TEST_TMP/in-$e-$key.txt" "$dir/in.txt" ;;
	*) cp "$TEST_TMP/in-$e-$key.txt" "$dir/in.txt" ;;
	esac
	local into=/tmp/in.txt
	[ "$user" = root ] || into=$workdir/in.txt
	tmux_send C-l
	tmux_type "#cp host:in.txt $into"
	tmux_send Enter
	tmux_wait_for '^copied |^paks: ' >/dev/null
	tmux_type "cat $into; stat -c owner=%U $into"
	tmux_send Enter
	check "$c: #cp from the host" tmux_wait_for "^from the host $mark$"
	check "$c: the copied file belongs to $user" tmux_wait_for "^owner=$user$"
	tmux_type "echo $mark > $workdir/moved.txt 2>/dev/null || echo $mark > /tmp/moved.txt"
	tmux_send Enter
	local moved=$workdir/moved.txt
	[ "$workdir" != / ] || moved=/moved.txt
	tmux_send C-l
	tmux_type "#cp $moved host:out.txt"
	tmux_send Enter
	check "$c: #cp to the host reports the copy" tmux_wait_for "^copied $moved"
	check "$c: #cp to the host" bash -c '[ "$(cat "$1")" = "$2" ]' _ "$dir/out.txt" "$mark"

	# #envload
	paks_cli "$e" env add "$envname" MXVAR="a b \$c" >/dev/null
	cleanup_add paks_cli "$e" env rm "$envname"
	envload_check "$c" "$envname"

	# #save: the image runs, and its config is the original's.
	tmux_send C-l
	tmux_type "#save $saved"
	tmux_send Enter
	# Any end of the save, then the name it reports.
	if tmux_wait_for "^Saved |^paks: " 180 && tmux_wait_for "^Saved $saved \([0-9]+s\)$" 1; then
		ok "$c: #save reports success"
	else
		not_ok "$c: #save reports success"
	fi
	cfg=$(image_config "$e" "$saved" 2>&1)
	check "$c: the saved config equals the original's" same_config "$orig" "$cfg"
	# A first save of an image paks did not make is a commit, not a
	# squash: one layer on top of the original's.
	expect_same "$c: the first save adds one layer" "$((olayers + 1))" \
		"$(layers "$e" "$saved")"
	check "$c: the saved image runs and has the file" \
		has_file "$e" "$saved" "$moved" "$mark"

	# #export: the other engine loads the archive.
	tmux_send C-l
	tmux_type "#export out.tar"
	tmux_send Enter
	if tmux_wait_for "^Exported .* to $dir/out.tar|^paks: " 300 &&
		tmux_wait_for "^Exported " 1; then
		ok "$c: #export reports the archive"
	else
		not_ok "$c: #export reports the archive"
	fi
	other=$(other_engine "$e")
	local loaded
	loaded=$(eng "$other" load -i "$dir/out.tar" 2>&1 | sed -n -E 's/^Loaded image[^:]*: *//p' | tail -n 1)
	if [ -n "$loaded" ]; then
		ok "$c: $other loads the #export archive"
		cleanup_add eng "$other" rmi -f "$loaded"
		check "$c: the image $other loaded has the file" \
			has_file "$other" "$loaded" "$moved" "$mark"
	else
		not_ok "$c: $other loads the #export archive"
		eng "$other" load -i "$dir/out.tar" 2>&1 | sed 's/^/#   /' | head -5
	fi

	tmux_type 'exit 0'
	tmux_send Enter
	check "$c: the session ends with status 0" bash -c '[ "$1" = 0 ]' _ "$(tmux_wait_exit 60)"
	tmux_stop "$sess"
	check "$c: the container is gone" gone "$e" "$ctr"

	# Saves of saves: layers stay bounded, the config survives.
	if resave "$e" "$dir" "$saved" "$tag:2" "$sess" &&
		resave "$e" "$dir" "$tag:2" "$tag:3" "$sess"; then
		ok "$c: three saves of saves"
		lay=$(layers "$e" "$tag:3")
		check "$c: after three saves $lay layers, at most $olayers + 2" \
			test "$lay" -le $((olayers + 2))
		cfg=$(image_config "$e" "$tag:3" 2>&1)
		check "$c: the config survives three saves" same_config "$orig" "$cfg"
	else
		not_ok "$c: three saves of saves"
		tmux_stop "$sess-re"
	fi
}

# --- one Charliecloud cell -----------------------------------------------------

# The .sqfs file of KEY's image (tests/charliecloud.sh makes them).
sqfs_of() {
	case $1 in
	user) echo dev.sqfs ;;
	busybox) echo bb.sqfs ;;
	esac
}

# ch_cell ROW KEY: ROW charliecloud (paks run as the user) or srun (the
# same inside `srun --pty`).
ch_cell() {
	local row=$1 key=$2 c="$1/$2" file stem base launch store orig workdir foo
	local mark="mx-$run_id-$1-$2" envname="mx-$run_id-$1-$2" sess="$1-$2"
	local cmd
	file=$(sqfs_of "$key")
	[ -n "$file" ] || return 0
	stem=${file%.sqfs}
	echo "# --- cell $c ($file of $(image_of "$key"))"
	base=$("$TESTS_DIR/charliecloud.sh" workdir "mx-$row-$key")
	cleanup_add rm -rf "$base"
	launch=$base/launch
	store=$base/cache
	orig=$(image_config podman "$(image_of "$key")")
	workdir=$(jq -r '.WorkingDir' <<<"$orig")
	foo=$(jq -r '.Env[] | select(startswith("FOO=")) | sub("^FOO="; "")' <<<"$orig")
	cmd="$RL_PAKS run --container-tech charliecloud $file"
	[ "$row" = charliecloud ] || cmd="srun --pty $cmd"

	tmux_start "$sess" "su - $RL_USER"
	tmux_type "cd $launch && export SLURM_CONF=${SLURM_CONF:-} XDG_CACHE_HOME=$store PS1='user\$ '"
	tmux_send Enter
	tmux_wait_for '^user\$ *$' >/dev/null
	tmux_type "$cmd"
	tmux_send Enter
	if ! shell_ready; then
		not_ok "$c: paks run starts a shell"
		tmux_stop "$sess"
		return
	fi
	ok "$c: paks run starts a shell"
	# shellcheck disable=SC2016
	tmux_type 'echo "who=$(id -un) pwd=$PWD foo=[$FOO] job=[$SLURM_JOB_ID]"'
	tmux_send Enter
	check "$c: the shell runs as $RL_USER, in $workdir, with the image's ENV" \
		tmux_wait_for "^who=$RL_USER pwd=$workdir foo=\[$(printf '%s' "$foo" | sed 's/[][\.*^$()+?{}|]/\\&/g')\] "
	if [ "$row" = srun ]; then
		check "$c: the job's SLURM_JOB_ID is there" tmux_wait_for ' job=\[[0-9]+\]$'
	fi

	# #cp both ways, owned by the user.
	echo "from the host $mark" >"$launch/in.txt"
	chown "$RL_USER:" "$launch/in.txt"
	tmux_send C-l
	tmux_type "#cp host:in.txt /tmp/in.txt"
	tmux_send Enter
	tmux_wait_for '^copied |^paks: ' >/dev/null
	tmux_type "cat /tmp/in.txt; stat -c owner=%U /tmp/in.txt"
	tmux_send Enter
	check "$c: #cp from the host" tmux_wait_for "^from the host $mark$"
	check "$c: the copied file belongs to $RL_USER" tmux_wait_for "^owner=$RL_USER$"
	tmux_type "mkdir -p /opt && echo $mark > /opt/moved.txt"
	tmux_send Enter
	tmux_send C-l
	tmux_type "#cp /opt/moved.txt host:out.txt"
	tmux_send Enter
	check "$c: #cp to the host reports the copy" tmux_wait_for "^copied /opt/moved.txt"
	check "$c: #cp to the host, owned by $RL_USER" \
		bash -c '[ "$(cat "$1")" = "$2" ] && [ "$(stat -c %U "$1")" = "$3" ]' _ \
		"$launch/out.txt" "$mark" "$RL_USER"

	# #envload
	as_rl env SLURM_CONF= "$RL_PAKS" env add "$envname" MXVAR="a b \$c" >/dev/null
	cleanup_add as_rl "$RL_PAKS" env rm "$envname"
	envload_check "$c" "$envname"

	# #save: STEM-saved.sqfs with the file and the image's ENV.
	tmux_send C-l
	tmux_type "#save"
	tmux_send Enter
	check "$c: #save writes $stem-saved.sqfs" \
		tmux_wait_for "^Saved to $launch/$stem-saved.sqfs" 300
	expect_same "$c: the saved file holds /opt/moved.txt" "$mark" \
		"$(unsquashfs -cat "$launch/$stem-saved.sqfs" opt/moved.txt 2>&1)"
	if [ -n "$foo" ]; then
		check "$c: the saved file keeps the image's ENV" \
			bash -c 'unsquashfs -cat "$1" ch/environment | grep -qxF "FOO=$2"' _ \
			"$launch/$stem-saved.sqfs" "$foo"
	fi

	tmux_type 'exit 0'
	tmux_send Enter
	check "$c: the shell's exit is back at the user's prompt" tmux_wait_for '^user\$ *$' 60
	tmux_stop "$sess"
	check "$c: no writable copy is left" \
		bash -c '[ -z "$(find "$1/paks/ch" -mindepth 1 -maxdepth 1 ! -name "*.lock" 2>/dev/null)" ]' _ "$store"
	if [ "$row" = srun ]; then
		check "$c: squeue is empty" \
			poll_until 30 bash -c '[ -z "$(squeue -h -u "$1")" ]' _ "$RL_USER"
	fi
}

# --- set up the engines ----------------------------------------------------------

all_imgs=()
for k in $IMAGES; do
	all_imgs+=("$(image_of "$k")")
done
engines_setup "${all_imgs[@]}"
case " $ENGINES " in
*" podman "* | *" rootless "*)
	# A podman archive goes into docker.
	cleanup_add "$TESTS_DIR/dockerd.sh" stop
	"$TESTS_DIR/dockerd.sh" start >/dev/null 2>&1 || true
	;;
esac

for e in $ENGINES; do
	for k in $IMAGES; do
		cell "$e" "$k"
	done
done

for row in $CH_ROWS; do
	case $row in
	charliecloud) ch_world || continue ;;
	srun) slurm_world || continue ;;
	esac
	for k in $IMAGES; do
		ch_cell "$row" "$k"
	done
done

# Every session above is over: none of its containers may be left, also
# not as the rootless user, whose paks runs in a session of its own.
# shellcheck disable=SC2119
tmux_stop
for e in $ENGINES; do
	left=$(eng "$e" ps -a --format '{{.Names}}' | grep "^paks-mx-$run_id-" || true)
	check "$e: no container of this run is left${left:+ ($left)}" test -z "$left"
done

finish
