# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# The HPC world of the Slurm tests, sourced after lib.sh: the Charliecloud
# test world (tests/charliecloud.sh: the normal user, dev.sqfs), a
# one-node Slurm cluster (tests/slurm.sh, stopped when the test ends) and
# that user's copy of the build.  Sets TESTS_DIR, RL_USER, SLURM_CONF
# (exported) and RL_PAKS; a test without slurmd is skipped, and one whose
# world cannot be had fails, here.

TESTS_DIR=$TEST_REPO/tests
RL_USER=$("$TESTS_DIR/rootless.sh" user)
command -v slurmd >/dev/null || { skip "no slurmd (contrib/install-deps.sh)"; ok "nothing to test"; finish; }
"$TESTS_DIR/charliecloud.sh" setup "$PAKS" >/dev/null || {
	not_ok "the Charliecloud test world (tests/charliecloud.sh setup)"
	finish
}
export PAKS_SLURM_NAME=${PAKS_SLURM_NAME:-paks-slurm}
SLURM_CONF=$("$TESTS_DIR/slurm.sh" start) || {
	not_ok "the one-node Slurm cluster starts (tests/slurm.sh start)"
	finish
}
export SLURM_CONF
cleanup_add "$TESTS_DIR/slurm.sh" stop
RL_PAKS=$("$TESTS_DIR/rootless.sh" stage "$PAKS")
cleanup_add rm -rf "$(dirname "$RL_PAKS")"
