# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# The HPC world of the tests, sourced after lib.sh: the Charliecloud test
# world (tests/charliecloud.sh: the normal user, dev.sqfs and bb.sqfs), a
# one-node Slurm cluster (tests/slurm.sh, stopped when the test ends) and
# that user's copy of the build.
#
#   ch_world       the Charliecloud world and RL_PAKS; 1 (after a not ok)
#                  when it cannot be had
#   slurm_world    ch_world and the cluster, SLURM_CONF exported; 2 (after
#                  a skip) without slurmd, 1 (after a not ok) when it
#                  cannot be had
#   slurm_world_or_finish  slurm_world, or the test ends there
# Sets TESTS_DIR and RL_USER.

TESTS_DIR=$TEST_REPO/tests
RL_USER=$("$TESTS_DIR/rootless.sh" user)
RL_PAKS=${RL_PAKS:-}

ch_world() {
	[ -z "$RL_PAKS" ] || return 0
	"$TESTS_DIR/charliecloud.sh" setup "$PAKS" >/dev/null || {
		not_ok "the Charliecloud test world (tests/charliecloud.sh setup)"
		return 1
	}
	RL_PAKS=$("$TESTS_DIR/rootless.sh" stage "$PAKS")
	cleanup_add rm -rf "${RL_PAKS%/build/*}"
}

slurm_world() {
	command -v slurmd >/dev/null || { skip "no slurmd (contrib/install-deps.sh)"; return 2; }
	ch_world || return 1
	export PAKS_SLURM_NAME=${PAKS_SLURM_NAME:-paks-slurm}
	SLURM_CONF=$("$TESTS_DIR/slurm.sh" start) || {
		not_ok "the one-node Slurm cluster starts (tests/slurm.sh start)"
		return 1
	}
	export SLURM_CONF
	cleanup_add "$TESTS_DIR/slurm.sh" stop
}

slurm_world_or_finish() {
	slurm_world
	case $? in
	0) ;;
	2) ok "nothing to test"; finish ;;
	*) finish ;;
	esac
}
