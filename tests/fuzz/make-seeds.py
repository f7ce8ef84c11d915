#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# Write the seed inputs of tests/fuzz/corpus/*/seed-* (run from the
# repository root).  Regressions (regress-*, crash-*) are kept by hand.
import os
import struct


def put(target, name, data):
    d = os.path.join("tests/fuzz/corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def frame(t, payload):
    return struct.pack("<II", t, len(payload)) + payload


CWD, LINE, COMPLETE, CANCEL = 2, 3, 4, 5
HELLO = 1  # no longer sent: the host refuses it as a bad type

# frames: first byte = piece size - 1

put("frames", "line", b"\x07" + frame(CWD, b"/root") + frame(LINE, b"#envhost HOME"))
put("frames", "complete", b"\xff" + frame(CWD, b"/") + frame(COMPLETE, b"#cp host:"))
put("frames", "cancel", b"\x02" + frame(LINE, b"#save") + frame(CANCEL, b""))
put("frames", "bad-type", b"\x03" + frame(99, b"x") + frame(HELLO, b"1-1-a"))
put("frames", "too-long", b"\x10" + struct.pack("<II", LINE, 0x7fffffff) + b"#x")
put("frames", "bad-id", b"\x00" + frame(HELLO, b"../../etc/passwd") + frame(HELLO, b"a" * 60))
REPORT, ENV, GO = 6, 21, 22
put("frames", "launch-types", b"\x04" + frame(REPORT, b"verdict=pty /bin/sh\0") + frame(ENV, b"A=1\0") + frame(GO, b"user=nobody\0"))
# More requests than a shell queues: refused in order, never an error.
put("frames", "flood", b"\x07" + frame(CWD, b"/") + frame(LINE, b"#help") * 20 + frame(CANCEL, b"") + frame(LINE, b"#after"))
put("frames", "flood-big", b"\xff" + frame(LINE, b"#x") * 300 + frame(COMPLETE, b"#cp ") * 40)
# The host's answer to a refused request (ERR, EXIT 1): the shared decoder
# reads it; the host refuses it as a type only the host sends.
put("frames", "refused-answer", b"\x03" + frame(17, b"paks: too many #commands at once; this one was refused\n") + frame(20, struct.pack("<i", 1)))
put("frames", "empty-line", b"\x05" + frame(LINE, b"") + frame(LINE, b"#second"))

# line: the '#' line as typed
for i, l in enumerate([
        b"#save", b"#save myimage:tag", b"#envhost HOME PATH",
        b"#cp host:src/file.txt /tmp", b"#help", b"#envload 'a b' \"c d\"",
        b"#export -o out.tar", b"#push registry.example/x:1",
        b"#my-hook arg\\ with\\ space", b"#unterminated 'quote",
        b"#a \"esc \\\" q\"", b"#\xff\xfe bad utf8", b"# space first",
        b"#x " + b"y " * 200, b"#diff", b"#size", b"#inspect"]):
    put("line", "%02d" % i, l)

# complete: the line up to the cursor
for i, l in enumerate([b"#", b"#sa", b"#envload ", b"#envload TO", b"#cp host:",
                       b"#cp host:sub/", b"#cp host:out/", b"#cp host:../",
                       b"#cp host:.h", b"#cp ho", b"#cp /tmp host:fi",
                       b"#envsave a b", b"#cp host:/etc/", b"#cp  host:"]):
    put("complete", "%02d" % i, l)

# hookrec: NAME=VALUE\0 records
put("hookrec", "one", b"NAME=value\0")
put("hookrec", "many", b"A=1\0B=two words\0C=\0")
put("hookrec", "no-eq", b"NOEQ\0")
put("hookrec", "bad-name", b"1BAD=x\0")
put("hookrec", "unterminated", b"A=1\0B=2")
put("hookrec", "newline", b"A=line1\nline2\0")

# vscreen: rows, cols, then (op<<6 | len) + bytes
def rec(op, b):
    out = b""
    while True:
        chunk, b = b[:63], b[63:]
        out += bytes([(op << 6) | len(chunk)]) + chunk
        if not b:
            return out


ash = rec(0, b"\r\nBusyBox v1.35.0 built-in shell (ash)\r\n\r\n/ # ") + rec(1, b"")
put("vscreen", "ash-edit", b"\x16\x4e" + ash + rec(0, b"#sabe\b\x1b[J\b\x1b[Jve") + rec(2, b""))
put("vscreen", "truecolour", b"\x16\x4e" + ash + rec(0, b"\x1b[38:2:59:66:97;48:2:36:40:59;58:2:224:175:104;4:3mCOLOR\x1b[0m\r\n") + rec(3, b""))
put("vscreen", "altscreen", b"\x16\x4e" + rec(0, b"\x1b[?1049h\x1b[2J\x1b[Htop\x1b[?1049l") + rec(2, b""))
put("vscreen", "osc-title", b"\x16\x4e" + rec(0, b"\x1b]0;title\x07\x1b]2;" + b"t" * 300 + b"\x1b\\") + rec(3, b"x"))
put("vscreen", "dcs", b"\x16\x4e" + rec(0, b"\x1bP$qm\x1b\\\x1bP+q544e\x1b\\") + rec(3, b""))
put("vscreen", "wide", b"\x16\x4e" + ash + rec(0, "日本語 é\u0301 \u2603".encode()) + rec(2, b""))
put("vscreen", "scroll", b"\x04\x10" + ash + rec(0, b"line\r\n" * 20) + rec(2, b"#cp a b"))

# dockerapi: a response on the daemon's socket, as dockerd 20.10 sends them
HDR = (b"Api-Version: 1.41\r\nContent-Type: application/json\r\n"
       b"Docker-Experimental: false\r\nOstype: linux\r\n"
       b"Server: Docker/20.10.24+dfsg1 (linux)\r\n"
       b"Date: Tue, 01 Dec 2026 00:18:01 GMT\r\n")
IMG = (b'{"Id":"sha256:8870ad59e162","RepoTags":["localhost/paks-test/bookworm:latest"],'
       b'"Comment":"imported from tarball","Author":"",'
       b'"Config":{"Env":["PATH=/usr/bin"],"Cmd":["bash"],"Labels":null}}\n')
NOSUCH = b'{"message":"No such image: nosuch:latest"}\n'


def chunked(body, size):
    out = b""
    for i in range(0, len(body), size):
        piece = body[i:i + size]
        out += b"%x\r\n" % len(piece) + piece + b"\r\n"
    return out + b"0\r\n\r\n"


put("dockerapi", "200", b"HTTP/1.1 200 OK\r\n" + HDR + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(IMG) + IMG)
put("dockerapi", "404", b"HTTP/1.1 404 Not Found\r\n" + HDR + b"Content-Length: %d\r\n\r\n" % len(NOSUCH) + NOSUCH)
put("dockerapi", "chunked", b"HTTP/1.1 200 OK\r\n" + HDR + b"Transfer-Encoding: chunked\r\n\r\n" + chunked(IMG, 40))
put("dockerapi", "chunk-ext", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\nTrailer: x\r\n\r\n")
put("dockerapi", "to-eof", b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + IMG)
put("dockerapi", "redirect", b"HTTP/1.1 301 Moved Permanently\r\nLocation: /images/b/json\r\nContent-Length: 0\r\n\r\n")
put("dockerapi", "no-content", b"HTTP/1.1 204 No Content\r\n\r\n")
put("dockerapi", "bad-chunk", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\nx")
put("dockerapi", "short", b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{}")
put("dockerapi", "folded", b"HTTP/1.1 200 OK\r\nA: b\r\n c\r\nContent-Length: 0\r\n\r\n")
put("dockerapi", "chunk-cut", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello")

# dockerexec: the answer to an exec's upgrade and its framed output; first
# byte = piece size - 1

UPGRADED = (b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n"
            b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n")


def mux(stream, payload):
    return struct.pack(">BxxxI", stream, len(payload)) + payload


put("dockerexec", "hello", b"\x00" + UPGRADED + mux(1, b"H") + mux(1, b"\x02\0\0\0report"))
put("dockerexec", "streams", b"\x04" + UPGRADED + mux(1, b"out") + mux(2, b"err") + mux(3, b"oops") + mux(1, b""))
put("dockerexec", "no-upgrade", b"\x07" + mux(1, b"x" * 300) + mux(0, b"in"))
put("dockerexec", "bad-header", b"\x01" + mux(1, b"ok") + b"\x01\x00\x01\x00\x00\x00\x00\x01z")
put("dockerexec", "cut", b"\x02" + UPGRADED + b"\x01\0\0\0\xff\xff\xff\xffpartial")
put("dockerexec", "refused", b"\x00HTTP/1.1 409 Conflict\r\nContent-Length: 0\r\n\r\n")

# report: the launcher's REPORT payload
put("report", "verdict", b"verdict=preload /bin/bash\0")
put("report", "both", b"verdict=pty /bin/sh\0ids=1000:1000\0")
put("report", "bad-ids", b"ids=1000:\0ids=:5\0ids=1:2:3\0ids=x\0")
put("report", "twice", b"verdict=pty /bin/sh\0verdict=preload /evil\0")
put("report", "unterminated", b"verdict=missing /bin/bash")
put("report", "no-eq", b"verdict\0ids\0=\0\0\0")
put("report", "long", b"verdict=" + b"x" * 5000 + b"\0")
