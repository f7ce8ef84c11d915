#!/bin/bash
# SPDX-License-Identifier: MIT
#
# host/ is grouped by layer (docs/design.md, "Map of the tree"): from the
# top, cli, channel, cmd, session, store, base.  An object may use what
# its own folder or a folder below defines, never what a folder above
# defines.  With nm over the built $PAKS_LIB_DIR/obj/host/*/*.o, every use
# of a symbol defined in another folder is an arrow; each one that runs
# up is named.  Every folder of host/ must be in the order.  Needs paks
# built (make), no container.  Run by tests/run-all.sh
# (TESTS=test_host_layers); OBJ_DIR points it at other objects.
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"

: "${OBJ_DIR:=$PAKS_LIB_DIR/obj}"
LAYERS=(cli channel cmd session store base)

shopt -s nullglob
objs=("$OBJ_DIR"/host/*/*.o)
if [ ${#objs[@]} -eq 0 ]; then
	not_ok "paks's objects are built (none in $OBJ_DIR/host)"
	finish
fi
ok "paks's objects are built (${#objs[@]} in $OBJ_DIR/host)"

unknown=()
for d in "$TEST_REPO"/host/*/; do
	d=$(basename "$d")
	[[ " ${LAYERS[*]} " == *" $d "* ]] || unknown+=("$d")
done
if [ ${#unknown[@]} -eq 0 ]; then
	ok "every folder of host/ has its place in the layers"
else
	not_ok "every folder of host/ has its place in the layers" \
		"(not placed: ${unknown[*]})"
fi

# "USER_FOLDER/USER DEFINER_FOLDER/DEFINER SYMBOL" for each symbol an
# object uses that an object of another folder defines.
arrows() {
	local o
	for o in "${objs[@]}"; do
		nm "$o" | awk -v n="$(basename "$(dirname "$o")")/$(basename "$o" .o)" '
			$1 == "U" { print "U", n, $2 }
			NF == 3 && $2 ~ /^[TDBRCGSV]$/ { print "D", n, $3 }'
	done | awk '
		$1 == "D" { def[$3] = $2; next }
		{ use[NR] = $2 " " $3 }
		END {
			for (i in use) {
				split(use[i], a, " ")
				if (!(a[2] in def))
					continue
				split(a[1], u, "/")
				split(def[a[2]], d, "/")
				if (u[1] != d[1])
					print a[1], def[a[2]], a[2]
			}
		}' | sort -u
}

rank() {
	local i
	for i in "${!LAYERS[@]}"; do
		[ "${LAYERS[$i]}" = "$1" ] && { echo "$i"; return; }
	done
	echo -1
}

up=()
while read -r user definer sym; do
	[ -n "$user" ] || continue
	if [ "$(rank "${definer%%/*}")" -lt "$(rank "${user%%/*}")" ]; then
		up+=("$user -> $definer ($sym)")
	fi
done <<<"$(arrows)"
if [ ${#up[@]} -eq 0 ]; then
	ok "no object of host/ uses a folder above its own"
else
	not_ok "no object of host/ uses a folder above its own"
	printf '#   %s\n' "${up[@]}"
fi
finish
