#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Install the pinned CycloneDX validator (package.json + package-lock.json
# here) into a cache directory, by default /var/tmp/paks-npm, with `npm ci`.
# A second run with the same lock file does nothing.  Prints the directory.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${PAKS_NPM_CACHE:-/var/tmp/paks-npm}

command -v node >/dev/null 2>&1 || { echo "install.sh: node is not installed (contrib/install-deps.sh)" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || { echo "install.sh: npm is not installed (contrib/install-deps.sh)" >&2; exit 1; }

mkdir -p "$cache"
if ! cmp -s "$here/package-lock.json" "$cache/package-lock.json" ||
	[ ! -d "$cache/node_modules/@cyclonedx/cyclonedx-library" ]; then
	cp "$here/package.json" "$here/package-lock.json" "$cache/"
	(cd "$cache" && npm ci --ignore-scripts --no-audit --no-fund \
		--loglevel=error >/dev/null)
fi
cp "$here/validate.js" "$cache/"
echo "$cache"
