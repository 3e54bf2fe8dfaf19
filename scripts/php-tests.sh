#!/bin/sh
# php-tests.sh: checks the storefront module drupal/seam_bridge without Drupal.
#  1. php -l on every PHP file under drupal/ (.php .module .install .inc);
#  2. PHPUnit (Debian's phpunit) on drupal/seam_bridge/tests/src/Unit, the pure classes.
# Prints PHPUnit's summary, appends "php seam_bridge <passed> <failed> <skipped>" to
# build/test-results.txt (lint errors count as failures; a run without a summary counts one
# failure) and exits non-zero on any failure. Without php or phpunit: "SKIP: ..." and exit 0.
cd "$(dirname "$0")/.." || exit 1
if ! command -v php >/dev/null 2>&1; then
	echo "SKIP: php not installed"; exit 0
fi
PHPUNIT=${PHPUNIT:-$(command -v phpunit || true)}
if [ -z "$PHPUNIT" ]; then
	echo "SKIP: php not installed (no phpunit)"; exit 0
fi
mkdir -p build/logs
log=build/logs/php-seam_bridge.log

lint_bad=0
lint_ok=0
for f in $(find drupal -type f \( -name '*.php' -o -name '*.module' -o -name '*.install' -o -name '*.inc' \) | sort); do
	if out=$(php -l "$f" 2>&1); then
		lint_ok=$((lint_ok + 1))
	else
		lint_bad=$((lint_bad + 1))
		echo "php -l FAILED: $f"; echo "$out" | sed 's/^/    | /'
	fi
done
echo "php -l: $lint_ok files ok, $lint_bad with errors"

"$PHPUNIT" -c drupal/seam_bridge/phpunit.xml.dist >"$log" 2>&1
st=$?
cat "$log"
p=0; f=0; s=0
if ok=$(grep -E '^OK \([0-9]+ tests?' "$log" | tail -1) && [ -n "$ok" ]; then
	p=$(echo "$ok" | sed 's/^OK (\([0-9]*\) test.*/\1/')
elif sum=$(grep -E '^Tests: [0-9]+' "$log" | tail -1) && [ -n "$sum" ]; then
	n() { echo "$sum" | sed -n "s/.*$1: \([0-9]*\).*/\1/p"; }
	t=$(n Tests); fl=$(n Failures); er=$(n Errors); sk=$(n Skipped); in=$(n Incomplete)
	t=${t:-0}; fl=${fl:-0}; er=${er:-0}; sk=${sk:-0}; in=${in:-0}
	f=$((fl + er)); s=$((sk + in)); p=$((t - f - s))
fi
if [ "$st" != 0 ] && [ "$f" = 0 ]; then f=1; fi
f=$((f + lint_bad))
echo "php seam_bridge $p $f $s" >> build/test-results.txt
echo "php seam_bridge: $p passed, $f failed$( [ "$s" != 0 ] && echo ", $s skipped")"
[ "$f" = 0 ]
