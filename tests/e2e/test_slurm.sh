#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# paks inside a Slurm job (issue 22): a real one-node cluster
# (tests/slurm.sh: munged, slurmctld, slurmd from Debian, the tests' own
# slurm.conf, private ports, stopped by pid), the Charliecloud test world
# (tests/charliecloud.sh), and as the normal user `srun --pty paks run
# --container-tech charliecloud dev.sqfs` in tmux.  The shell has the
# job's SLURM_* variables, #save job.sqfs writes into the launch
# directory, and the shell's exit ends the job step (squeue empty).  A
# second job is ended with scancel: no process of the session and no
# writable copy is left, and the user's terminal is back at its prompt.
# shellcheck disable=SC2016 # lines typed into the container's shell
set -u
source "$(dirname "$0")/lib.sh"

# shellcheck source=slurm-world.sh
source "$(dirname "$0")/slurm-world.sh"
slurm_world_or_finish

base=$("$TESTS_DIR/charliecloud.sh" workdir slurm-test)
cleanup_add rm -rf "$base"
launch=$base/launch
store=$base/cache
# shellcheck disable=SC2034 # read by run_line in lib.sh
PROMPT_RE='\$ *$'

# A login shell of the user in a pane, in the launch directory.
start_user() { # NAME
	tmux_start "$1" "su - $RL_USER"
	type_enter "cd $launch && export SLURM_CONF=$SLURM_CONF XDG_CACHE_HOME=$store PS1='user\$ '"
	tmux_wait_for '^user\$ *$' >/dev/null
}

srun_line="srun --pty $RL_PAKS run --container-tech charliecloud dev.sqfs"
copies() { find "$store/paks/ch" -mindepth 1 -maxdepth 1 ! -name '*.lock' 2>/dev/null; }
no_copy() { [ -z "$(copies)" ]; }
no_job() { [ -z "$(squeue -h -u "$RL_USER")" ]; }
no_proc() { ! pgrep -u "$RL_USER" -f "$1" >/dev/null; }

start_user job
type_enter "$srun_line"
expect_screen "srun --pty paks run reaches the image's shell" 'alice/work\$ *$' 120
run_line 'echo "job=[$SLURM_JOB_ID] foo=[$FOO]"'
check "the job's SLURM_* variables and the image's ENV are in the shell" \
	grep -Eq '^job=\[[0-9]+\] foo=\[bar with spaces' <<<"$OUT"
run_line 'echo in-job >/opt/job.txt'
run_line '#save job.sqfs' 300
check "#save job.sqfs writes into the launch directory" \
	grep -q "^Saved to $launch/job.sqfs" <<<"$OUT"
type_enter 'exit'
expect_screen "the shell's exit ends the job step" '^user\$ *$' 60
check "squeue is empty" poll_until 30 no_job
check "no writable copy is left" no_copy
if "$TESTS_DIR/charliecloud.sh" fuse; then
	run su - "$RL_USER" -c "ch-run $launch/job.sqfs -- cat /opt/job.txt"
	expect "job.sqfs holds the file written in the job" 0 "in-job"
fi

# scancel ends the session cleanly.
type_enter "clear; $srun_line"
tmux_wait_for 'alice/work\$ *$' 120 >/dev/null
type_enter "sleep 8888$$ & echo started"
tmux_wait_for '^started' >/dev/null
check "a process of the session runs" pgrep -u "$RL_USER" -f "sleep 8888$$"
job=$(squeue -h -u "$RL_USER" -o %i | head -n 1)
[ -z "$job" ] || scancel "$job"
expect_screen "after scancel the user's shell is back at its prompt" '^user\$ *$' 60
check "... squeue is empty" poll_until 30 no_job
check "... no process of the session is left" poll_until 30 no_proc "sleep 8888$$"
check "... and no writable copy" poll_until 30 no_copy

finish
