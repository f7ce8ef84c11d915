#!/bin/bash
# SPDX-License-Identifier: MIT
#
# No link cycle between the preload's objects: with nm over the built
# $PAKS_LIB_DIR/pic/preload/*.o and pic/include/*.o, an object that uses a
# symbol another defines depends on it, and those arrows must form a DAG
# (tsort finds no loop).  Every arrow is listed in the log.  Needs the
# preload built (make), no container.  Run by tests/run-all.sh
# (TESTS=test_preload_cycles); PIC_DIR points it at other objects.
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"

: "${PIC_DIR:=$PAKS_LIB_DIR/pic}"

shopt -s nullglob
objs=("$PIC_DIR"/preload/*.o "$PIC_DIR"/include/*.o)
if [ ${#objs[@]} -eq 0 ]; then
	not_ok "the preload's objects are built (none in $PIC_DIR)"
	finish
fi
ok "the preload's objects are built (${#objs[@]} in $PIC_DIR)"

# "USER DEFINER SYMBOL" for each symbol one object uses and another defines.
arrows() {
	local o
	for o in "${objs[@]}"; do
		nm "$o" | awk -v n="$(basename "$o" .o)" '
			$1 == "U" { print "U", n, $2 }
			NF == 3 && $2 ~ /^[TDBRCGSV]$/ { print "D", n, $3 }'
	done | awk '
		$1 == "D" { def[$3] = $2; next }
		{ use[NR] = $2 " " $3 }
		END {
			for (i in use) {
				split(use[i], a, " ")
				if ((a[2] in def) && def[a[2]] != a[1])
					print a[1], def[a[2]], a[2]
			}
		}' | sort -u
}

edges=$(arrows)
echo "# arrows (user -> definer: symbol):"
awk '{ printf "#   %s -> %s: %s\n", $1, $2, $3 }' <<<"$edges"
loop=$(awk '{ print $1, $2 }' <<<"$edges" | sort -u | tsort 2>&1 >/dev/null |
	sed -n 's/^tsort: //p' | grep -v 'input contains a loop' | tr ' ' '\n' | sort -u | paste -sd' ')
if [ -z "$loop" ]; then
	ok "no link cycle between the preload's objects"
else
	not_ok "no link cycle between the preload's objects (in a loop: $loop)"
fi
finish
