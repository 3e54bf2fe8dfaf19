#!/bin/sh
# browser-tools.sh [--install | --check]: what tests/browser/ops.mjs drives the dashboard with:
# puppeteer-core (pinned below; only the library: it downloads no browser) installed by npm into
# build/tools/browser/ on first use and kept, and Debian's chromium (make deps installs it).
# Its own prefix, apart from the OpenAPI linter's (scripts/openapi-lint.sh), because an npm
# install with --no-save prunes what another install put in the same prefix.
#   --install  installs puppeteer-core when missing (make browser-tools; make test runs it)
#   --check    says what is missing, installs nothing
# Prints the Chromium binary on success. Exit 0 when both are there, 2 otherwise (with the
# reason on stderr): the browser test then fails with that reason instead of passing.
set -u
cd "$(dirname "$0")/.." || exit 2
PKG="puppeteer-core"
VERSION="24.43.1"
PREFIX=build/tools/browser

installed() {
	[ "$(node -p "require('./$PREFIX/node_modules/$PKG/package.json').version" 2>/dev/null)" = "$VERSION" ]
}

find_chromium() {
	for c in "${SEAM_CHROMIUM:-}" chromium chromium-browser; do
		[ -n "$c" ] && command -v "$c" >/dev/null 2>&1 && { command -v "$c"; return 0; }
	done
	return 1
}

mode=${1:---check}
if ! command -v node >/dev/null 2>&1; then
	echo "browser-tools: node not found; run make deps (nodejs and npm)" >&2
	exit 2
fi
if ! installed; then
	if [ "$mode" != "--install" ]; then
		echo "browser-tools: $PKG@$VERSION is not in $PREFIX; run make browser-tools" >&2
		exit 2
	fi
	if ! command -v npm >/dev/null 2>&1; then
		echo "browser-tools: npm not found; run make deps (nodejs and npm)" >&2
		exit 2
	fi
	echo "browser-tools: installing $PKG@$VERSION into $PREFIX" >&2
	mkdir -p "$PREFIX"
	PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix "$PREFIX" --no-save --no-audit --no-fund \
		--loglevel=error "$PKG@$VERSION" >&2 || { echo "browser-tools: npm install failed" >&2; exit 2; }
	installed || { echo "browser-tools: $PKG@$VERSION is not in $PREFIX after install" >&2; exit 2; }
fi
if ! find_chromium; then
	echo "browser-tools: no chromium binary; run make deps (Debian's chromium) or set SEAM_CHROMIUM" >&2
	exit 2
fi
