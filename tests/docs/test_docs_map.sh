#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The map of the tree in docs/design.md ("## Map of the tree") against the
# tree itself.  Under a "###" or "####" heading naming `DIR/` (host/cmd/,
# say), a name in backquotes that
# ends in .c, .h or .map is DIR/NAME; anywhere in the map, a name with a
# slash (host/x.c, tests/unit/) is a path from the top of the repository.
# Every file in host/, preload/ and include/ must be named (a header X.h
# is named by X.c), and every name must exist.  No container needed.
# Run by tests/run-all.sh (TESTS=test_docs_map); DESIGN_MD and DOCS_ROOT
# point it at another map or tree.
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"

: "${DOCS_ROOT:=$TEST_REPO}"
: "${DESIGN_MD:=$DOCS_ROOT/docs/design.md}"
DIRS=(host preload include)

# The map's names, one path a line.
map_names() {
	awk '
		/^## / { inmap = ($0 == "## Map of the tree"); dir = ""; next }
		!inmap { next }
		/^###+ / {
			dir = ""
			if (match($0, /`[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*\/`/))
				dir = substr($0, RSTART + 1, RLENGTH - 2)
			next
		}
		{
			line = $0
			while (match(line, /`[^`]+`/)) {
				w = substr(line, RSTART + 1, RLENGTH - 2)
				line = substr(line, RSTART + RLENGTH)
				if (w ~ /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*\/?$/ && w ~ /\//)
					print w
				else if (dir != "" && w ~ /^[A-Za-z0-9_.-]+\.(c|h|map)$/)
					print dir w
			}
		}
	' "$DESIGN_MD" | sort -u
}

check "docs/design.md has a map of the tree" \
	grep -qx '## Map of the tree' "$DESIGN_MD"
names=$(map_names)

# Every source file is named.
missing=()
for d in "${DIRS[@]}"; do
	while IFS= read -r f; do
		rel=${f#"$DOCS_ROOT"/}
		grep -qxF "$rel" <<<"$names" && continue
		case $rel in
		*.h) grep -qxF "${rel%.h}.c" <<<"$names" && continue ;;
		esac
		missing+=("$rel")
	done < <(find "$DOCS_ROOT/$d" -type f | sort)
done
if [ ${#missing[@]} -eq 0 ]; then
	ok "every file in ${DIRS[*]} is named in the map"
else
	not_ok "every file in ${DIRS[*]} is named in the map" \
		"(not named: ${missing[*]})"
fi

# Every name in the map exists.
gone=()
while IFS= read -r rel; do
	[ -n "$rel" ] || continue
	[ -e "$DOCS_ROOT/$rel" ] || gone+=("$rel")
done <<<"$names"
if [ ${#gone[@]} -eq 0 ]; then
	ok "every file the map names exists"
else
	not_ok "every file the map names exists" "(no such file: ${gone[*]})"
fi
finish
