#!/bin/sh
# openapi-lint.sh [--install | [REDOCLY LINT OPTIONS] FILE]: lints an OpenAPI document with
# Redocly CLI (its built-in "recommended" ruleset), the version pinned below, installed on first
# use into build/tools/ (npm --prefix, nothing saved to a package.json, npm's cache reused) and
# kept there across runs. `--install` only installs (make openapi-tools; make test runs it).
# Needs node and npm (make deps provides them on Debian). Telemetry and update checks are off.
# Exit: the linter's (0 when no errors), 2 when it cannot be installed.
set -u
cd "$(dirname "$0")/.." || exit 2
PKG="@redocly/cli"
VERSION="1.34.20"
PREFIX=build/tools
BIN=$PREFIX/node_modules/.bin/redocly
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1

installed() {
	[ -x "$BIN" ] && [ "$(node -p "require('./$PREFIX/node_modules/$PKG/package.json').version" 2>/dev/null)" = "$VERSION" ]
}

if ! installed; then
	if ! command -v npm >/dev/null 2>&1; then
		echo "openapi-lint: npm not found; run make deps (node and npm)" >&2
		exit 2
	fi
	echo "openapi-lint: installing $PKG@$VERSION into $PREFIX" >&2
	mkdir -p "$PREFIX"
	npm install --prefix "$PREFIX" --no-save --no-audit --no-fund --loglevel=error \
		"$PKG@$VERSION" >&2 || { echo "openapi-lint: npm install failed" >&2; exit 2; }
	installed || { echo "openapi-lint: $BIN is not $PKG@$VERSION after install" >&2; exit 2; }
fi
[ "${1:-}" = "--install" ] && exit 0
[ $# -ge 1 ] || { echo "usage: openapi-lint.sh [--install | [OPTIONS] FILE]" >&2; exit 2; }
exec "$BIN" lint "$@"
