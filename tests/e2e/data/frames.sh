# SPDX-License-Identifier: MIT
# shellcheck shell=bash disable=SC2059,SC2034 # frames are printf formats; PK_* are read by the caller
#
# Frame writing in bash builtins, for tests/e2e/test_trust_preload.sh: it
# is sourced in the container (by the shell, or by a planted `bash`) and
# writes paks frames (include/paks-protocol.h) to a file descriptor the
# way hostile code in the container could.  Answers are read with the read
# builtin, so whatever the host sends lands in a file the test searches.

# pk_frame TYPE PAYLOAD: one frame as a printf format (no % or \ in PAYLOAD).
pk_frame() {
	local n=${#2}
	printf '\\x%02x\\x00\\x00\\x00\\x%02x\\x%02x\\x00\\x00%s' "$1" \
		$((n & 255)) $((n >> 8)) "$2"
}

# pk_request LINE: CWD / then LINE.
pk_request() {
	printf '%s%s' "$(pk_frame 2 /)" "$(pk_frame 3 "$1")"
}

# pk_drain FD: read what comes on FD into PK_ANS, until two seconds pass
# without a byte (a guard for the end of the answers, not a check).  No
# fork: the reading process must be the one that holds FD.
pk_drain() {
	local x
	PK_ANS=
	while read -r -t 2 -N 65536 -u "$1" x || [ -n "$x" ]; do
		PK_ANS+=$x
		x=
	done 2>/dev/null
}

# pk_steal FD OUT: ask for the host's RT3_SECRET on FD and save the answer
# in OUT (errors in OUT.err).
pk_steal() {
	local f
	f=$(pk_request '#envhost RT3_SECRET')
	if { printf "$f" >&"$1"; } 2>"$2.err"; then
		pk_drain "$1"
		printf '%s\n' "$PK_ANS" >"$2"
	else
		: >"$2"
	fi
}

# pk_flood FD N: N #help requests at once from this very shell (printf is
# a builtin), then read the answers; PK_REFUSED is how many were refused.
pk_flood() {
	local f='' i
	for ((i = 0; i < $2; i++)); do
		f+=$(pk_request '#help')
	done
	printf "$f" >&"$1"
	pk_drain "$1"
	PK_REFUSED=$(grep -o 'this one was refused' <<<"$PK_ANS" | grep -c .)
}

# pk_bad FD: a frame of a type no shell sends.
pk_bad() {
	printf "$(pk_frame 99 x)" >&"$1"
}
