#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A terminal for benchmarks: runs a command under a fresh pty, waits for
its shell prompt the way a person would, then plays steps and times them.
It prints one "LABEL<TAB>MILLISECONDS" line per measurement on stdout.

  ptydrive.py [options] -- CMD ARGS...

Steps (in order, each --step once or many times):
  prompt            time from the start of CMD to the first prompt
  sh:LINE           type LINE, wait for the prompt again (not timed)
  time:LABEL:LINE   type LINE, time until the prompt is back
  host:LABEL:ARGV   run ARGV (split like a shell, no shell) on the host, timed
  echo:LABEL:N      N keystrokes, each timed from write to its echo
  bulk:LABEL:LINE   type LINE; it prints BENCH_MS=<n>, which is reported
  run:ARGV          run ARGV on the host, not timed
  rss:LABEL         VmHWM (peak RSS, kB) of CMD's process, reported as is
At the end it types `exit` and waits for CMD to finish.
"""
import argparse
import os
import pty
import re
import select
import shlex
import signal
import struct
import subprocess
import sys
import termios
import fcntl
import time

SHOW = os.environ.get("PTYDRIVE_SHOW") == "1"  # copy the screen to stderr
# What a failed '#' command or a lost host prints: a timing of that is void.
FAILED = re.compile(rb"paks: (lost the connection|the paks host|cannot reach)"
                    rb"|usage: #|failed|No such file|not found|[Ee]rror|is absolute|cannot ")
ESC = re.compile(rb"\x1b(\[[0-9;?>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-B]|[=>])")


class Term:
    def __init__(self, argv, timeout):
        self.timeout = timeout
        self.buf = b""
        self.t0 = time.monotonic()
        pid, fd = pty.fork()
        if pid == 0:
            os.environ["TERM"] = "xterm"
            try:
                os.execvp(argv[0], argv)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
        self.prompt = None

    def read_some(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out; last output: %r" % self.buf[-300:])
        r, _, _ = select.select([self.fd], [], [], left)
        if not r:
            return b""
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            data = b""
        if not data:
            raise EOFError("the command ended; last output: %r" % self.buf[-300:])
        self.buf = (self.buf + data)[-8192:]
        if SHOW:
            sys.stderr.buffer.write(data)
            sys.stderr.flush()
        return data

    def last_line(self):
        tail = ESC.sub(b"", self.buf)
        return re.split(rb"[\r\n]", tail)[-1]

    def wait_prompt(self, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            line = self.last_line()
            if self.prompt is None and re.search(rb"[#$] $", line):
                self.prompt = line
                return
            if self.prompt is not None and line == self.prompt:
                return
            self.read_some(deadline)

    def type_line(self, line, timeout=None):
        """Type LINE and Enter; return seconds until the prompt is back."""
        self.buf = b""
        t = time.monotonic()
        os.write(self.fd, line.encode() + b"\r")
        deadline = time.monotonic() + (timeout or self.timeout)
        seen_nl = False
        out = b""
        while True:
            if seen_nl or b"\n" in self.buf:
                seen_nl = True
                if self.last_line() == self.prompt:
                    el = time.monotonic() - t
                    if FAILED.search(out):
                        raise EOFError("%r failed: %r" % (line, out[-300:]))
                    return el
            out = (out + self.read_some(deadline))[-4096:]

    def key_echo(self, n):
        out = []
        for i in range(n):
            if i and i % 40 == 0:
                os.write(self.fd, b"\x15")  # kill the typed line
                time.sleep(0.05)
                self.drain()
            self.buf = b""
            t = time.monotonic()
            os.write(self.fd, b"x")
            deadline = t + self.timeout
            while b"x" not in self.buf:
                self.read_some(deadline)
            out.append(time.monotonic() - t)
        os.write(self.fd, b"\x15")
        time.sleep(0.05)
        self.drain()
        return out

    def drain(self):
        while select.select([self.fd], [], [], 0)[0]:
            try:
                if not os.read(self.fd, 65536):
                    return
            except OSError:
                return

    def bulk(self, line):
        os.write(self.fd, line.encode() + b"\r")
        deadline = time.monotonic() + self.timeout
        pat = re.compile(rb"BENCH_MS=(\d+)\r?\n")
        window = b""
        while True:
            data = self.read_some(deadline)
            window = (window + data)[-64:]
            m = pat.search(window)
            if m:
                ms = int(m.group(1))
                self.buf = window[m.end():]
                self.wait_prompt()
                return ms

    def finish(self):
        try:
            os.write(self.fd, b"exit\r")
        except OSError:
            pass
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            try:
                self.read_some(deadline)
            except (EOFError, TimeoutError):
                break
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass

    def kill(self):
        """Hang up, as a closed terminal window would; then insist."""
        os.close(self.fd)
        for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGKILL):
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                break
            for _ in range(100):
                if os.waitpid(self.pid, os.WNOHANG)[0]:
                    return
                time.sleep(0.1)


def host(cmd):
    """Run CMD on the host; its output is shown only when it fails."""
    p = subprocess.run(shlex.split(cmd), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    if p.returncode:
        raise EOFError("%r failed: %s" % (cmd, p.stdout.decode()[-500:]))


def emit(label, ms):
    print("%s\t%.3f" % (label, ms), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--step", action="append", default=[])
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("argv", nargs="+")
    a = ap.parse_args()
    term = Term(a.argv, a.timeout)
    ok = False
    try:
        term.wait_prompt()
        for step in a.step:
            kind, _, rest = step.partition(":")
            if kind == "prompt":
                emit("prompt", (time.monotonic() - term.t0) * 1000)
            elif kind == "sh":
                term.type_line(rest, timeout=3600)
            elif kind == "time":
                label, _, line = rest.partition(":")
                emit(label, term.type_line(line, timeout=3600) * 1000)
            elif kind == "host":
                label, _, cmd = rest.partition(":")
                t = time.monotonic()
                host(cmd)
                emit(label, (time.monotonic() - t) * 1000)
            elif kind == "run":
                host(rest)
            elif kind == "echo":
                label, _, n = rest.partition(":")
                for s in term.key_echo(int(n)):
                    emit(label, s * 1000)
            elif kind == "bulk":
                label, _, line = rest.partition(":")
                emit(label, term.bulk(line))
            elif kind == "rss":
                with open("/proc/%d/status" % term.pid) as f:
                    for ln in f:
                        if ln.startswith("VmHWM:"):
                            emit(rest, float(ln.split()[1]))
            else:
                sys.exit("ptydrive: unknown step %r" % step)
        term.finish()
        ok = True
    except (TimeoutError, EOFError) as e:
        print("ptydrive: %s" % e, file=sys.stderr)
    finally:
        if not ok:
            term.kill()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
