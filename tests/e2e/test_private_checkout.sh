#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# `make check` from a private checkout (issue 20, item 12).  New home
# directories are often 0700 or 0750, and root can build and test there,
# but the rootless test user cannot enter them.  This copies the source
# tree into a fresh 0700 directory under /root, builds it there, and runs
# the rootless row of the matrix (one image) from that copy, with that
# copy's paks, as `make check` there would.
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

RL_USER=$("$TEST_REPO/tests/rootless.sh" user)
priv=$(mktemp -d /root/paks-private.XXXXXX)
cleanup_add rm -rf "$priv"
chmod 0700 "$priv"
tree=$priv/paks
mkdir "$tree"

# The tree as it is now, tracked files and new ones, without the build.
if git -C "$TEST_REPO" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$TEST_REPO" ls-files -z --cached --others --exclude-standard |
		tar -C "$TEST_REPO" --null -T - -cf - | tar -C "$tree" -xf -
else
	tar -C "$TEST_REPO" --exclude=./build -cf - . | tar -C "$tree" -xf -
fi
check "the copy is in a 0700 directory" test "$(stat -c %a "$priv")" = 700

if ! make -C "$tree" -j2 O="$tree/build" all >"$TEST_TMP/build.log" 2>&1; then
	not_ok "the private copy builds"
	tail -n 20 "$TEST_TMP/build.log" | sed 's/^/#   /'
	finish
fi
ok "the private copy builds"

# What makes this test worth its time: the user cannot reach that build.
"$TEST_REPO/tests/rootless.sh" setup >/dev/null 2>&1 || true
# shellcheck disable=SC2016 # expanded by the inner bash
check "the rootless user cannot reach the private build" \
	bash -c '! su - "$1" -c "test -x $(printf %q "$2")"' _ "$RL_USER" "$tree/build/paks"

# The rootless tests run a copy the user can reach (tests/rootless.sh
# stage); from a private tree that copy must still find the shipped
# hooks, since the compiled-in source directory is out of the user's reach.
staged=$("$tree/tests/rootless.sh" stage "$tree/build/paks")
cleanup_add rm -rf "${staged%/build/*}"
# shellcheck disable=SC2016 # expanded by the inner bash
check "the staged copy lists the shipped hooks as the rootless user" \
	bash -c 'su - "$1" -c "$(printf %q "$2") hooks list" | grep -q "^sbom .*/hooks/sbom "' \
	_ "$RL_USER" "$staged"

# The matrix's rootless row, one image, run from the copy as make check
# there runs it.
(cd "$tree" &&
	exec env -u PAKS -u PAKS_LIB_DIR -u TEST_TMP \
		PAKS="$tree/build/paks" PAKS_LIB_DIR="$tree/build" \
		CONTAINERS_CONF="$tree/tests/containers.conf" \
		MATRIX_ENGINES=rootless MATRIX_IMAGES=root \
		bash tests/e2e/test_matrix.sh) >"$TEST_TMP/matrix.log" 2>&1
rc=$?
n=0
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "from a 0700 checkout: ${line#ok - }" ;;
	"not ok - "*) not_ok "from a 0700 checkout: ${line#not ok - }" ;;
	*) continue ;;
	esac
	n=$((n + 1))
done <"$TEST_TMP/matrix.log"
if [ "$rc" -ne 0 ] || [ "$n" -eq 0 ]; then
	not_ok "the rootless row from a 0700 checkout passes (exit $rc)"
	grep -v '^ok ' "$TEST_TMP/matrix.log" | tail -n 30 | sed 's/^/#   /'
fi

finish
