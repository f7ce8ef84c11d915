#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# End-to-end tests for the docker backend (issue 6): the real docker CLI
# drives podman's Docker API service (`podman system service` on a socket
# of our own, DOCKER_HOST=unix://...), since no Docker daemon runs on the
# test machines.  Through `paks run --container-tech docker` in tmux: the
# shell starts, Ctrl-P reaches bash at once (the CLI cannot disable detach
# keys), #save gives an image with the original config and nothing of paks,
# #inspect, #size, #diff, #cp both ways, #envload, #push to a loopback
# registry and #export work; remote DOCKER_HOST and docker contexts are
# refused at start.
#
# podman 4.3's service answers the docker CLI's body-less POST /commit with
# 500 "Decode(): EOF" (podman issue 26261; dockerd and newer podman accept
# it).  When that is so, a small pass-through proxy gives /commit an empty
# JSON body and forwards everything else byte for byte.
set -u
source "$(dirname "$0")/lib.sh"

new_home
launch=$TEST_TMP/launch
mkdir -p "$launch"
cd "$launch" || exit 1
mark="dock-$$-$RANDOM"
ctr="paks-dock-$$"
saved=localhost/paks-dock-$$/saved:1

free_port() {
	local p i
	for i in $(seq 1 20); do
		p=$((20000 + RANDOM % 20000))
		port_free "$p" && break
	done
	echo "$p"
}

wait_socket() {
	poll_until 10 test -S "$1"
}

# --- a registry, podman's Docker API service, and the docker CLI -------------

REG_PORT=$(free_port)
cat >"$TEST_TMP/registry.yml" <<-EOT
	version: 0.1
	log:
	  level: error
	storage:
	  filesystem:
	    rootdirectory: $TEST_TMP/registry
	http:
	  addr: 127.0.0.1:$REG_PORT
EOT
docker-registry serve "$TEST_TMP/registry.yml" >"$TEST_TMP/registry.log" 2>&1 &
cleanup_add kill $!
ref=127.0.0.1:$REG_PORT/paks-dock/work:v1
exported=localhost/paks-dock-$$/base-saved:1
cleanup_add podman_t rmi -f "$saved" "$ref"

# dockerd reaches registries on 127.0.0.0/8 over plain HTTP by default;
# podman's service does what registries.conf says, so say the same there.
cat >"$TEST_TMP/registries.conf" <<-EOT
	[[registry]]
	location = "127.0.0.1:$REG_PORT"
	insecure = true
EOT
sock=$TEST_TMP/podman.sock
CONTAINERS_REGISTRIES_CONF=$TEST_TMP/registries.conf \
	podman system service --time=0 "unix://$sock" >"$TEST_TMP/service.log" 2>&1 &
cleanup_add kill $!
if ! wait_socket "$sock"; then
	not_ok "podman system service listens on $sock"
	finish
fi
export DOCKER_HOST=unix://$sock

cat >"$TEST_TMP/shim.py" <<'EOT'
import re, socket, sys, threading
COMMIT = re.compile(rb"^POST (/v[0-9.]+)?/commit[? ]")

def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass

class Reader:
    def __init__(self, sock):
        self.sock, self.buf = sock, b""
    def until(self, sep):
        while sep not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError
            self.buf += data
        i = self.buf.index(sep) + len(sep)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out
    def exactly(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError
            self.buf += data
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

def requests(client, up):
    r = Reader(client)
    try:
        while True:
            head = r.until(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            hdrs = {}
            for line in lines[1:]:
                if b":" in line:
                    k, v = line.split(b":", 1)
                    hdrs[k.strip().lower()] = v.strip()
            chunked = b"chunked" in hdrs.get(b"transfer-encoding", b"").lower()
            length = int(hdrs.get(b"content-length", b"0") or 0)
            if COMMIT.match(lines[0]) and not chunked and length == 0:
                kept = [l for l in lines[1:] if l and not l.lower().startswith(
                    (b"content-length:", b"content-type:"))]
                head = b"\r\n".join([lines[0]] + kept + [
                    b"Content-Type: application/json",
                    b"Content-Length: 2", b"", b""]) + b"{}"
            up.sendall(head)
            if b"upgrade" in hdrs.get(b"connection", b"").lower():
                up.sendall(r.buf)
                pump(client, up)
                return
            if chunked:
                while True:
                    line = r.until(b"\r\n")
                    up.sendall(line)
                    size = int(line.split(b";")[0].strip(), 16)
                    if size == 0:
                        while r.until(b"\r\n") != b"\r\n":
                            pass
                        up.sendall(b"\r\n")
                        break
                    up.sendall(r.exactly(size + 2))
            elif length:
                up.sendall(r.exactly(length))
    except (EOFError, OSError, ValueError):
        pass
    try:
        up.shutdown(socket.SHUT_WR)
    except OSError:
        pass

def serve(conn, target):
    up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        up.connect(target)
    except OSError:
        conn.close()
        return
    t = threading.Thread(target=pump, args=(up, conn), daemon=True)
    t.start()
    requests(conn, up)
    t.join()
    conn.close()
    up.close()

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(64)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c, sys.argv[2]), daemon=True).start()
EOT

# Does this service take the docker CLI's commit as it is?
docker create --name "$ctr-probe" "$IMG_BOOKWORM" true >/dev/null 2>&1
cleanup_add podman_t rm -f "$ctr-probe"
if docker commit "$ctr-probe" "localhost/paks-dock-$$/probe:1" >/dev/null 2>"$TEST_TMP/probe.err"; then
	podman_t rmi -f "localhost/paks-dock-$$/probe:1" >/dev/null 2>&1
elif grep -q 'Decode(): EOF' "$TEST_TMP/probe.err"; then
	echo "# podman's service rejects a body-less commit (podman issue 26261): using the pass-through proxy"
	python3 "$TEST_TMP/shim.py" "$TEST_TMP/shim.sock" "$sock" 2>"$TEST_TMP/shim.log" &
	cleanup_add kill $!
	wait_socket "$TEST_TMP/shim.sock" || not_ok "the proxy listens"
	export DOCKER_HOST=unix://$TEST_TMP/shim.sock
fi
podman_t rm -f "$ctr-probe" >/dev/null 2>&1
check "docker commits through $DOCKER_HOST" \
	bash -c 'docker create --name "$1" "$2" true >/dev/null &&
		docker commit "$1" "$3" >/dev/null; r=$?;
		docker rm -f "$1" >/dev/null; docker rmi -f "$3" >/dev/null; exit $r' _ \
	"$ctr-probe2" "$IMG_BOOKWORM" "localhost/paks-dock-$$/probe:2"

# --- helpers -----------------------------------------------------------------

# Wait until REGEX matches at least N lines of the screen.
wait_count() {
	poll_until "$TMUX_WAIT_TIMEOUT" screen_count "$1" "$2" && return 0
	tmux_screen | sed 's/^/#   |/' >&2
	return 1
}

screen_count() { # REGEX N: at least N lines of the screen match
	[ "$(tmux_screen | grep -Ec -- "$1")" -ge "$2" ]
}

# What podman's service adds to every container it creates and a commit
# records (TERM, container, and PATH when the image has none): dropped
# before comparing, but only when the original has no such variable.
strip_service_env() {
	jq --argjson orig "$1" '.Env |= map(select(
		(. as $e | ["TERM=xterm", "container=podman",
		 "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
		 | index($e)) == null
		or ((split("=")[0]) as $n | $orig.Env | map(split("=")[0]) | index($n)) != null))'
}

orig=$(podman_t image inspect "$IMG_BOOKWORM" --format '{{json .Config}}' | config_of)

# --- the session -----------------------------------------------------------------

"$PAKS" env add "dockenv-$$" DOCKVAR="a b \$c" >/dev/null
printf 'from the host %s\n' "$mark" >"$launch/in.txt"

# A name of our own, so the default #export target is ours too.
base=localhost/paks-dock-$$/base:1
docker tag "$IMG_BOOKWORM" "$base"
cleanup_add podman_t rmi -f "$base" "localhost/paks-dock-$$/base-saved:1"
tmux_start dock "$PAKS" run --container-tech docker --name "$ctr-run" "$base"
if ! shell_ready 120; then
	not_ok "paks run --container-tech docker starts a shell"
	finish
fi
ok "paks run --container-tech docker starts a shell"
check "the container runs in the service behind DOCKER_HOST" \
	bash -c 'docker ps --format "{{.Names}}" | grep -qx "$1"' _ "$ctr-run"

# shellcheck disable=SC2016
type_enter 'echo ctrlp-$((1+1))'
tmux_wait_for '^ctrlp-2$' >/dev/null
tmux_send C-p
check "Ctrl-P reaches bash at once (previous-history)" \
	wait_count 'echo ctrlp-\$\(\(1\+1\)\)$' 2
tmux_send C-u

type_enter "echo $mark > /root/moved.txt"
type_enter "#save $saved"
check "#save reports success" tmux_wait_for "^Saved $saved" 180
check "the saved image exists" docker image inspect "$saved"
saved_cfg=$(docker image inspect "$saved" --format '{{json .Config}}' | config_of)
check "the saved config has no LD_PRELOAD, PAKS_ or /dev/.paks" \
	bash -c '! grep -Eq "LD_PRELOAD|PAKS_|/dev/\\.paks" <<<"$1"' _ "$saved_cfg"
server_is_podman=false
if docker version --format '{{range .Server.Components}}{{.Name}} {{end}}' | grep -q Podman; then
	server_is_podman=true
	saved_cfg=$(strip_service_env "$orig" <<<"$saved_cfg")
fi
expect_same "the saved config equals the original's (Env Cmd Entrypoint WorkingDir User Labels)" \
	"$orig" "$saved_cfg"
check "the saved image has the file" \
	bash -c '[ "$(docker run --rm "$1" cat /root/moved.txt)" = "$2" ]' _ "$saved" "$mark"

tmux_send C-l
type_enter '#inspect Name Config.Image'
check "#inspect shows the container's name" tmux_wait_for "\"/?$ctr-run\""
type_enter '#size'
check "#size shows the changes" tmux_wait_for '^changes: [0-9.]+ [kMG]?B'
check "#size shows the virtual size" tmux_wait_for '^virtual: [0-9.]+ [kMG]?B'
type_enter '#diff'
check "#diff lists the new file" tmux_wait_for '^A /root/moved.txt$'

tmux_send C-l
type_enter '#cp host:in.txt /tmp/in.txt'
tmux_wait_for '^copied ' >/dev/null
type_enter 'cat /tmp/in.txt'
check "#cp from the host" tmux_wait_for "^from the host $mark$"
type_enter '#cp /root/moved.txt host:out.txt'
tmux_wait_for '^copied /root' >/dev/null
check "#cp to the host" bash -c '[ "$(cat "$1")" = "$2" ]' _ "$launch/out.txt" "$mark"

type_enter "#envload dockenv-$$"
# shellcheck disable=SC2016
type_enter 'echo "got[$DOCKVAR]"'
check "#envload exports the variable" tmux_wait_for '^got\[a b \$c\]$'

tmux_send C-l
type_enter "#push $ref"
check "#push through docker reports success" tmux_wait_for "^Pushed $ref" 180
if $server_is_podman; then
	check "#push says what podman's service adds to a committed Env" \
		tmux_wait_for '^paks: note: the Docker API server is podman'
fi
check "skopeo finds $ref in the registry" \
	bash -c 'skopeo inspect --config --tls-verify=false "docker://$1" >"$2" 2>&1' _ \
	"$ref" "$TEST_TMP/pushed.json"
check "the pushed config has no LD_PRELOAD, PAKS_ or /dev/.paks" \
	bash -c 'jq -e .config "$1" >/dev/null && ! jq -c .config "$1" | grep -Eq "LD_PRELOAD|PAKS_|/dev/\\.paks"' _ \
	"$TEST_TMP/pushed.json"

tmux_send C-l
type_enter '#export'
check "#export through docker reports the archive" \
	tmux_wait_for "^Exported $exported to $launch/base-saved_1.tar" 180
check "no temporary file is left" \
	bash -c '! ls -A "$1" | grep -q "^\.paks-export"' _ "$launch"
store=$TEST_TMP/store
mkdir -p "$store"
cleanup_add podman_t --root "$store/root" --runroot "$store/runroot" rmi --all --force
check "podman load takes the docker archive" \
	podman_t --root "$store/root" --runroot "$store/runroot" load -i "$launch/base-saved_1.tar"
check "the loaded image has the file" \
	bash -c '[ "$(podman --root "$1/root" --runroot "$1/runroot" run --rm "$2" cat /root/moved.txt)" = "$3" ]' _ \
	"$store" "$exported" "$mark"

type_enter 'exit 0'
check "the docker session ends with status 0" bash -c '[ "$1" = 0 ]' _ "$(tmux_wait_exit 60)"
check "the container is gone" \
	bash -c '! docker ps -a --format "{{.Names}}" | grep -qx "$1"' _ "$ctr-run"

# --- remote engines are refused at start ------------------------------------------

refused() {
	local out rc
	out=$("$@" </dev/null 2>&1)
	rc=$?
	[ $rc -eq 1 ] && grep -q '^paks: .*remote' <<<"$out" && return 0
	echo "exit $rc: $out"
	return 1
}
check "DOCKER_HOST=tcp://remote.invalid:2375 is refused at start" \
	refused env DOCKER_HOST=tcp://remote.invalid:2375 "$PAKS" run --container-tech docker "$IMG_BOOKWORM"
check "DOCKER_HOST=ssh://... is refused at start" \
	refused env DOCKER_HOST=ssh://nobody@remote.invalid "$PAKS" run --container-tech docker "$IMG_BOOKWORM"
docker context create "paks-dock-$$" --docker host=ssh://nobody@remote.invalid >/dev/null 2>&1
check "a docker context on another machine is refused at start" \
	refused env -u DOCKER_HOST DOCKER_CONTEXT="paks-dock-$$" \
	"$PAKS" run --container-tech docker "$IMG_BOOKWORM"

finish
