#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Install everything needed to build and test paks on Debian 12, as root.
# Idempotent: packages already installed are skipped (dpkg-query), so a
# warm run only asks dpkg and takes about a second; `apt-get update` runs
# at most once, and only when something is missing.  Quiet on success,
# errors are shown.
set -euo pipefail

PKGS=(
	# build
	build-essential pkg-config binutils
	libyaml-dev libjansson-dev libvterm-dev libcmocka-dev libreadline-dev
	# containers: podman with runc, as tests/containers.conf asks
	podman runc conmon crun uidmap slirp4netns fuse-overlayfs catatonit
	containernetworking-plugins golang-github-containers-common
	# test images, registry and terminal tests
	mmdebstrap skopeo docker-registry busybox-static tmux zsh jq python3
	# export formats (.sqfs) and the far end of the export tests
	squashfs-tools squashfs-tools-ng charliecloud-runtime charliecloud-builders
	# the Charliecloud backend's far end (ch-run on .sqfs) and the tests'
	# one-node Slurm cluster (tests/slurm.sh)
	squashfuse slurmd slurmctld slurm-client munge
	# make deb (dpkg-buildpackage, debhelper) and tests/e2e/test_deb.sh
	# (dpkg-scanpackages); scdoc: the man pages make install builds
	debhelper dpkg-dev fakeroot scdoc
	# tooling: make fmt, benchmarks
	clang-format hyperfine
	# manual pages (make man; make check lints them) and the shells the
	# completion tests ask
	scdoc mandoc man-db bash-completion fish
)

log() { printf 'install-deps: %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: must run as root (try: sudo $0)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# Node.js and npm run the CycloneDX schema validator for #sbom
# (tests/sbom/install.sh).  Machines that carry their own Node.js (a
# nodejs package with npm inside, which conflicts with Debian's npm) keep
# it; only a machine with no npm at all gets Debian's.
command -v npm >/dev/null 2>&1 || PKGS+=(nodejs npm)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing+=("$p")
	fi
done

# Docker: the tests start a real dockerd of their own (tests/dockerd.sh),
# so docker.io's dockerd and containerd must be there even on machines that
# carry a standalone docker CLI in /usr/local/bin.  It goes in on its own
# because its scripts would try to start the daemon.
# openssh-server: the sshd in front of the tests' engine on another host
# (tests/remote-engine.sh); its scripts would start sshd too.
docker_missing=0
daemons=()
for p in docker.io openssh-server; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		daemons+=("$p")
done
[ ${#daemons[@]} -eq 0 ] || docker_missing=1

if [ ${#missing[@]} -eq 0 ] && [ $docker_missing -eq 0 ]; then
	exit 0
fi

apt_quiet() {
	local out
	if ! out=$("$@" 2>&1); then
		printf '%s\n' "$out" >&2
		echo "install-deps: failed: $*" >&2
		return 1
	fi
}

log "apt-get update"
apt_quiet apt-get -o DPkg::Lock::Timeout=900 update -q

if [ ${#missing[@]} -gt 0 ]; then
	log "installing: ${missing[*]}"
	apt_quiet apt-get -o DPkg::Lock::Timeout=900 install -y -q "${missing[@]}"
fi

if [ $docker_missing -eq 1 ]; then
	log "installing: ${daemons[*]} (without starting their daemons)"
	# There is no init system on CI machines: keep the packages' scripts
	# from trying to start their daemons (policy-rc.d exit 101 = "not allowed").
	policy=/usr/sbin/policy-rc.d
	added_policy=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 0755 "$policy"
		added_policy=1
	fi
	rc=0
	apt_quiet apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends "${daemons[@]}" || rc=$?
	[ $added_policy -eq 1 ] && rm -f "$policy"
	[ $rc -eq 0 ] || exit $rc
fi
log "done"
