#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Every command, subcommand, option and settings key of the paks program,
# as the built program's own --help texts state them: the one list the man
# page check (tests/man/test_man.sh) and the completion tests
# (tests/e2e/test_completions.sh) compare against, so neither the page nor
# the completions can drift from the program.
#
# usage: tests/cli-names.sh PAKS
# Prints tab-separated lines KIND CONTEXT NAME, where CONTEXT is the
# command line that takes NAME ("paks", "paks run", "paks config init"):
#   cmd  paks         run           a command of paks
#   sub  paks env     add           a subcommand
#   opt  paks run     -s, --set     an option, short and long as --help
#                                   pairs them (its argument left off)
#   key  paks config  save_suffix   a settings key
# Exits non-zero when a --help text cannot be read.
set -euo pipefail

PAKS=${1:?usage: $0 PAKS}

# names KIND CONTEXT: read one --help text on stdin.
names() {
	awk -v kind="$1" -v ctx="$2" '
	function out(k, n) { printf "%s\t%s\t%s\n", k, ctx, n }
	/^Usage: / {
		# Options in the synopsis: [--force], [--read | --write].
		s = $0
		while (match(s, /\[-[-A-Za-z]+/)) {
			out("opt", substr(s, RSTART + 1, RLENGTH - 1))
			s = substr(s, RSTART + RLENGTH)
		}
		while (match(s, /\| --[a-z-]+/)) {
			out("opt", substr(s, RSTART + 2, RLENGTH - 2))
			s = substr(s, RSTART + RLENGTH)
		}
		next
	}
	/^[A-Z][a-z]*:$/ { section = $0; next }
	/^$/ { section = ""; next }
	section == "Commands:" && match($0, /^  [a-z]+/) {
		out(kind, substr($0, 3, RLENGTH - 2))
	}
	section == "Keys:" && match($0, /^  [a-z_]+/) {
		out("key", substr($0, 3, RLENGTH - 2))
	}
	section == "Options:" && match($0, /^ +(-[A-Za-z], )?--[a-z][a-z-]*/) {
		spec = substr($0, RSTART, RLENGTH)
		sub(/^ +/, "", spec)
		out("opt", spec)
	}
	'
}

# help ARGS...: the --help text of paks ARGS..., or fail loudly.
help() {
	local text
	if ! text=$("$PAKS" "$@" --help 2>&1); then
		echo "cli-names: '$PAKS $* --help' failed: $text" >&2
		return 1
	fi
	printf '%s\n' "$text"
}

main() {
	local top text sub_text cmd sub
	top=$(help) || return 1
	names cmd paks <<<"$top"
	for cmd in $(names cmd paks <<<"$top" |
		awk -F'\t' '$1 == "cmd" { print $3 }'); do
		text=$(help "$cmd") || return 1
		names sub "paks $cmd" <<<"$text"
		for sub in $(names sub "paks $cmd" <<<"$text" |
			awk -F'\t' '$1 == "sub" { print $3 }'); do
			# Subcommands with a --help of their own (env, config).
			sub_text=$("$PAKS" "$cmd" "$sub" --help 2>/dev/null) ||
				continue
			grep -q "^Usage: paks $cmd $sub" <<<"$sub_text" || continue
			names sub "paks $cmd $sub" <<<"$sub_text"
		done
	done
}

# Each name once, in the order --help gives them (export's options are
# in its synopsis and in its option list).
out=$(main) || exit 1
awk '!seen[$0]++' <<<"$out"
