#!/bin/sh
# run-tests.sh SUITE BIN... : runs each cmocka test binary, keeps its output in build/logs/,
# prints one line per binary and appends "SUITE BIN passed failed skipped" to
# build/test-results.txt for the closing summary. A binary that dies without cmocka's summary
# (crash, sanitizer abort) counts as one failure.
suite=$1; shift
mkdir -p build/logs
rc=0
for bin in "$@"; do
	name=$(echo "$bin" | sed 's|^build/san/||; s|^build/||; s|/|_|g')
	log="build/logs/$suite-$name.log"
	start=$(date +%s)
	"$bin" >"$log" 2>&1
	st=$?
	secs=$(( $(date +%s) - start ))
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	p=${p:-0}; f=${f:-0}; s=${s:-0}
	if [ "$st" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	echo "$suite $bin $p $f $s" >> build/test-results.txt
	if [ "$f" != 0 ]; then
		rc=1
		printf '%-5s FAIL %-50s %s passed, %s failed (%ss)\n' "$suite" "$bin" "$p" "$f" "$secs"
		sed 's/^/    | /' "$log" | tail -60
	else
		printf '%-5s ok   %-50s %s passed%s (%ss)\n' "$suite" "$bin" "$p" \
			"$( [ "$s" != 0 ] && echo ", $s skipped")" "$secs"
		grep -h '^SKIP:' "$log" | sed 's/^/    /'
	fi
done
exit $rc
