#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The README's "Keep developing over there" walk-through, as it is
# written: on the laptop (root, rootful podman) `#export dev.sqfs` in a
# paks session of the image; the file copied to the cluster user (scp is
# a cp here, both ends are this machine); as that user, in a job of the
# one-node Slurm the tests start, `srun --pty paks run --container-tech
# charliecloud dev.sqfs`, `echo $SLURM_JOB_ID`, `#cp host:data.csv
# /opt/`, `#save job.sqfs`; then job.sqfs copied back and `paks run
# job.sqfs` on the laptop, where what the job made is there, with the
# image's WORKDIR and USER.
# shellcheck disable=SC2016 # lines typed into the container's shell
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
: "${IMG_BOOKWORM_USER:=localhost/paks-test/bookworm-user}"

# shellcheck source=slurm-world.sh
source "$(dirname "$0")/slurm-world.sh"
slurm_world_or_finish
new_home
# shellcheck disable=SC2034 # read by run_line in lib.sh
PROMPT_RE='\$ *$'
run_id="$$-$RANDOM"
back_image=localhost/job-$run_id

# --- the laptop: #export dev.sqfs ------------------------------------------
laptop=$TEST_TMP/laptop
mkdir -p "$laptop"
cd "$laptop" || exit 1
tmux_start laptop "$PAKS" run --name "paks-trip-$run_id" "$IMG_BOOKWORM_USER"
if ! shell_ready; then
	not_ok "laptop: paks run reaches a prompt"
	finish
fi
run_line '#export dev.sqfs' 600
check "laptop: #export dev.sqfs writes it in the launch directory" \
	test -s "$laptop/dev.sqfs"
type_enter 'exit'
tmux_wait_exit 60 >/dev/null
tmux_stop laptop
[ -s "$laptop/dev.sqfs" ] || finish

# --- scp dev.sqfs cluster: --------------------------------------------------
base=$("$TESTS_DIR/charliecloud.sh" workdir trip-test)
cleanup_add rm -rf "$base"
launch=$base/launch
store=$base/cache
rm -f "$launch"/*.sqfs
install -o "$RL_USER" -m 0644 "$laptop/dev.sqfs" "$launch/dev.sqfs"
printf 'x,y\n1,2\n' >"$launch/data.csv"
chown "$RL_USER:" "$launch/data.csv"

# --- the cluster: a job, and a shell in it ----------------------------------
tmux_start cluster "su - $RL_USER"
type_enter "cd $launch && export SLURM_CONF=$SLURM_CONF XDG_CACHE_HOME=$store PS1='user\$ '"
tmux_wait_for '^user\$ *$' >/dev/null
type_enter "srun --pty $RL_PAKS run --container-tech charliecloud dev.sqfs"
expect_screen "cluster: srun --pty paks run dev.sqfs reaches the image's shell" \
	'alice/work\$ *$' 120
run_line 'echo "job=[$SLURM_JOB_ID]"'
check "cluster: the job's variables are there" \
	grep -Eq '^job=\[[0-9]+\]' <<<"$OUT"
run_line '#cp host:data.csv /opt/'
run_line 'cat /opt/data.csv'
expect_same "cluster: #cp host:data.csv /opt/ copied it" "$(printf 'x,y\n1,2')" "$OUT"
run_line 'echo made-in-the-job >/opt/job.txt'
run_line '#save job.sqfs' 300
check "cluster: #save job.sqfs writes into the launch directory" \
	test -s "$launch/job.sqfs"
type_enter 'exit'
expect_screen "cluster: the shell's exit ends the job step" '^user\$ *$' 60
tmux_stop cluster
[ -s "$launch/job.sqfs" ] || finish

# --- scp cluster:job.sqfs . and paks run job.sqfs on the laptop -------------
cp "$launch/job.sqfs" "$laptop/job-$run_id.sqfs"
cleanup_add podman rmi -f "$back_image"
tmux_start back "$PAKS" run --name "paks-trip-back-$run_id" "job-$run_id.sqfs"
if shell_ready 180; then
	run_line 'cat /opt/data.csv /opt/job.txt'
	expect_same "laptop: the job's files are in the image" \
		"$(printf 'x,y\n1,2\nmade-in-the-job')" "$OUT"
	run_line 'echo "$(id -un) $PWD"'
	expect_same "laptop: as the image's USER, in its WORKDIR" \
		"alice /home/alice/work" "$OUT"
	type_enter 'exit'
	tmux_wait_exit 60 >/dev/null
else
	not_ok "laptop: paks run job.sqfs reaches a prompt"
fi
tmux_stop back
check "laptop: paks run job.sqfs made the image $back_image" \
	podman image exists "$back_image"
check "no container of this test is left" \
	bash -c '! podman ps -a --format "{{.Names}}" | grep -q "^paks-trip-"'
finish
