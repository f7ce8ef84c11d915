# SPDX-License-Identifier: MIT
# Sourced by bench.sh: a real dockerd on private paths, started once and
# stopped by its pid.  With DOCKER_HOST already set, that daemon is used.
# No bridge and no iptables: the host's network is left alone.
BENCH_DOCKERD=${BENCH_DOCKERD:-paks-bench-dockerd}

dockerd_start() {
	local root=/var/tmp/$BENCH_DOCKERD run=/run/$BENCH_DOCKERD i
	if [ -n "${DOCKER_HOST:-}" ]; then
		return 0
	fi
	command -v dockerd >/dev/null ||
		{ echo "bench: no dockerd (Debian: apt-get install docker.io)" >&2; return 1; }
	mkdir -p "$root"
	dockerd --data-root "$root" --exec-root "$run" \
		-H "unix://$run.sock" --pidfile "$run.pid" \
		--iptables=false --ip6tables=false --bridge=none \
		>"$root.log" 2>&1 &
	DOCKERD_PID=$!
	export DOCKER_HOST=unix://$run.sock
	for ((i = 0; i < 300; i++)); do
		docker info >/dev/null 2>&1 && return 0
		kill -0 "$DOCKERD_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench: dockerd did not start (see $root.log)" >&2
	return 1
}

dockerd_stop() {
	local i
	[ -n "${DOCKERD_PID:-}" ] || return 0
	kill "$DOCKERD_PID" 2>/dev/null || true
	for ((i = 0; i < 200; i++)); do
		kill -0 "$DOCKERD_PID" 2>/dev/null || break
		sleep 0.1
	done
	DOCKERD_PID=
}
