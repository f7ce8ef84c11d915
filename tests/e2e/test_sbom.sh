#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# End-to-end tests for the shipped #sbom hook (issue 16) against real podman
# in tmux.  Each SBOM is checked with a real CycloneDX 1.5 JSON schema
# validator (@cyclonedx/cyclonedx-library, pinned in tests/sbom and
# installed under /var/tmp/paks-npm).  On the Debian image: one component per
# `dpkg-query -W` line, purl, DEP-5 license and file-list hash as the
# container has them, no overwrite without --force, no write outside the
# launch directory; after installing a local .deb and removing a package,
# `#sbom --diff` lists exactly that change.  On busybox (no package
# database): a valid SBOM with no components and a one-line note.
set -u
source "$(dirname "$0")/lib.sh"

new_home
launch=$TEST_TMP/launch
elsewhere=$TEST_TMP/elsewhere
mkdir -p "$launch" "$elsewhere"
ln -s "$elsewhere" "$launch/link"

npm_dir=$("$(dirname "$0")/../sbom/install.sh") || npm_dir=
check "the CycloneDX validator is installed" test -n "$npm_dir"
# validate FILE: the real schema validator says "valid".
validate() {
	[ -n "$npm_dir" ] && node "$npm_dir/validate.js" "$1" >>"$TEST_TMP/validate.log" 2>&1
}
# in_ctr CMD: run CMD in the session's container (paks sets no PATH there).
in_ctr() {
	podman_t exec "$container" /bin/sh -c "PATH=/usr/bin:/bin:/usr/sbin:/sbin; $1"
}
# prop FILE NAME: the values of metadata.component's property NAME.
prop() {
	jq -r --arg n "$2" '.metadata.component.properties[] |
		select(.name == $n) | .value' "$1"
}

# A package to install in the container without the network.
deb=$TEST_TMP/deb
mkdir -p "$deb/DEBIAN" "$deb/usr/share/doc/paks-sbomtest"
printf '%s\n' 'Package: paks-sbomtest' 'Version: 1:2.0+x~1' 'Architecture: all' \
	'Maintainer: paks tests <tests@example.invalid>' \
	'Description: paks sbom test package' >"$deb/DEBIAN/control"
echo hello >"$deb/usr/share/doc/paks-sbomtest/README"
dpkg-deb --root-owner-group -b "$deb" "$TEST_TMP/paks-sbomtest.deb" >/dev/null

# --- Debian ------------------------------------------------------------------

cd "$launch" || exit 1
tmux_start sbom "$PAKS" run "$IMG_BOOKWORM"
# shellcheck disable=SC2016 # typed into the container's shell
tmux_type 'echo READY-$((6*7))'
tmux_send Enter
if ! tmux_wait_for '^READY-42' 90; then
	not_ok "paks run started a shell"
	finish
fi

name=${IMG_BOOKWORM##*/}
name=${name%%:*}-latest.cdx.json
sbom=$launch/$name
tmux_type '#sbom'
tmux_send Enter
check "#sbom says what it wrote, named after the image ($name)" \
	tmux_wait_for "^Wrote $sbom: [0-9]+ components \(dpkg\)$" 90
check "the SBOM validates against the CycloneDX 1.5 schema" validate "$sbom"
check "the SBOM says CycloneDX 1.5" \
	test "$(jq -r '.bomFormat + " " + .specVersion' "$sbom")" = "CycloneDX 1.5"
container=$(prop "$sbom" paks:container)
check "metadata.component names the container ($container)" \
	podman_t container exists "$container"
cleanup_add podman_t rm -f -t 0 "$container"
check "metadata.component names the image reference" \
	test "$(jq -r .metadata.component.name "$sbom")" = "$IMG_BOOKWORM"
image_id=$(podman_t image inspect -f '{{.Id}}' "$IMG_BOOKWORM")
check "metadata.component names the image ID" \
	test "$(prop "$sbom" paks:image-id)" = "${image_id#sha256:}"
check "a fresh container is not changed since start" \
	test "$(prop "$sbom" paks:container-changed-since-start)" = false

n_dpkg=$(in_ctr 'dpkg-query -W' | wc -l)
n_sbom=$(jq '.components | length' "$sbom")
check "one component per installed package ($n_sbom = dpkg-query's $n_dpkg)" \
	test "$n_sbom" -gt 0 -a "$n_sbom" = "$n_dpkg"
bash_ver=$(in_ctr "dpkg-query -W -f '\${Version}' bash")
bash_arch=$(in_ctr "dpkg-query -W -f '\${Architecture}' bash")
comp() { jq -r --arg n "$1" ".components[] | select(.name == \$n) | $2" "$sbom"; }
check "bash's purl follows the purl spec for Debian" \
	test "$(comp bash .purl)" = "pkg:deb/debian/bash@$bash_ver?arch=$bash_arch&distro=debian-12"
check "bash's version is the installed one" test "$(comp bash .version)" = "$bash_ver"
lic=$(comp bash '.licenses[0].license.name')
dep5_lic=$(in_ctr 'cat /usr/share/doc/bash/copyright' |
	awk '/^Files: *\*$/ { f = 1; next } /^$/ { f = 0 }
		f && /^License:/ { print $2; exit }')
check "bash's license ($lic) is what its DEP-5 copyright gives for Files: *" \
	test -n "$lic" -a "$lic" = "$dep5_lic"
list_hash=$(in_ctr 'cat /var/lib/dpkg/info/bash.list' | sha256sum | cut -d' ' -f1)
check "bash's hash is the SHA-256 of its dpkg file list" \
	test "$(comp bash '.hashes[0].content')" = "$list_hash"

before=$(sha256sum <"$sbom")
tmux_type '#sbom'
tmux_send Enter
check "#sbom refuses to overwrite without --force" \
	tmux_wait_for "^sbom: $sbom exists; use --force to overwrite it$" 60
check "the refused #sbom left the file alone" test "$(sha256sum <"$sbom")" = "$before"
tmux_type '#sbom --force'
tmux_send Enter
check "#sbom --force overwrites" tmux_wait_for "^Wrote $sbom: " 60
tmux_type '#sbom ../outside.json'
tmux_send Enter
check "a path outside the launch directory is refused in one line" \
	tmux_wait_for "^paks: host path '../outside.json' leads outside the launch directory" 60
check "nothing was written outside" test ! -e "$TEST_TMP/outside.json"
tmux_type '#sbom link/x.json'
tmux_send Enter
check "a path through a symlink out of the launch directory is refused" \
	tmux_wait_for "^paks: host path 'link/x.json' leads outside the launch directory" 60
check "nothing was written through the symlink" test ! -e "$elsewhere/x.json"
check "no temporary file is left in the launch directory" \
	test -z "$(find "$launch" -name '*paks-tmp*')"

# Change the packages: install a local .deb, remove a package of the image.
if podman_t cp "$TEST_TMP/paks-sbomtest.deb" "$container:/tmp/"; then
	tmux_type 'dpkg -i /tmp/paks-sbomtest.deb >/dev/null && dpkg --remove --force-remove-essential hostname >/dev/null 2>&1 && echo DPKG-DONE'
	tmux_send Enter
	tmux_wait_for '^DPKG-DONE' 60
fi
tmux_type '#sbom --diff diff.cdx.json'
tmux_send Enter
check "#sbom --diff says what it wrote" \
	tmux_wait_for "^Wrote $launch/diff.cdx.json: 1 components \(dpkg, added since the image\)$" 90
diff_sbom=$launch/diff.cdx.json
check "the --diff SBOM validates against the CycloneDX 1.5 schema" \
	validate "$diff_sbom"
check "#sbom --diff lists exactly the installed package" \
	test "$(jq -c '[.components[].name]' "$diff_sbom")" = '["paks-sbomtest"]'
check "its purl percent-encodes the epoch's ':'" \
	test "$(jq -r '.components[0].purl' "$diff_sbom")" = \
	"pkg:deb/debian/paks-sbomtest@1%3A2.0+x~1?arch=all&distro=debian-12"
check "#sbom --diff names exactly the removed package" \
	test "$(prop "$diff_sbom" paks:removed-since-image)" = hostname
check "the changed container says so" \
	test "$(prop "$diff_sbom" paks:container-changed-since-start)" = true
check "#sbom leaves no scratch container" \
	test -z "$(podman_t ps -a --format '{{.Names}}' | grep '^paks-pkgdiff-')"

tmux_type 'exit'
tmux_send Enter
tmux_wait_exit 60 >/dev/null
tmux_stop sbom

# --- busybox: no package database ---------------------------------------------

tmux_start sbom-bb "$PAKS" run "$IMG_BUSYBOX"
if shell_ready 90; then
	bb=${IMG_BUSYBOX##*/}
	bb=$launch/${bb%%:*}-latest.cdx.json
	tmux_type '#sbom'
	tmux_send Enter
	check "busybox: a one-line note says there is no package database" \
		tmux_wait_for '^sbom: no dpkg, apk or rpm package database in paks-[^ ]*; the SBOM lists no components$' 60
	check "busybox: #sbom still writes the SBOM" \
		tmux_wait_for "^Wrote $bb: 0 components \(no package database\)$" 60
	check "busybox: the SBOM validates against the CycloneDX 1.5 schema" \
		validate "$bb"
	check "busybox: the SBOM has no components" \
		test "$(jq '.components | length' "$bb")" = 0
	bb_ctr=$(prop "$bb" paks:container)
	[ -z "$bb_ctr" ] || cleanup_add podman_t rm -f -t 0 "$bb_ctr"
	tmux_type 'exit'
	tmux_send Enter
	tmux_wait_exit 60 >/dev/null
else
	not_ok "paks run started a busybox shell"
fi
finish
