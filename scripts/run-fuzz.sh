#!/bin/sh
# run-fuzz.sh BIN... : runs each libFuzzer target (build/fuzz/fuzz_*) for FUZZ_SECONDS (10)
# seconds, FUZZ_JOBS (2) at a time, starting from a scratch copy of fuzz/corpus/<target>/ (the
# repository's corpus is never written: libFuzzer adds new inputs to the first directory it is
# given, which is the copy). Each target is one test: a crash, leak, sanitizer report, hang
# (FUZZ_TIMEOUT, 10 s per input) or a failed check in the target fails it. Output is kept in
# build/logs/fuzz-<target>.log, a crashing input in build/fuzz/run/<target>/crash-*; one line
# "fuzz BIN passed failed 0" per target goes to build/test-results.txt, as run-tests.sh does.
secs=${FUZZ_SECONDS:-10}
jobs=${FUZZ_JOBS:-2}

if [ "$1" = "--one" ]; then
	bin=$2
	t=$(basename "$bin")
	run=build/fuzz/run/$t
	rm -rf "$run"
	mkdir -p "$run/corpus" build/logs
	if [ -d "fuzz/corpus/$t" ]; then
		cp -R "fuzz/corpus/$t/." "$run/corpus/"
	fi
	start=$(date +%s)
	"$bin" -max_total_time="$secs" -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$PWD/$run/" "$run/corpus" \
		>"build/logs/fuzz-$t.log" 2>&1
	echo "$? $(( $(date +%s) - start ))" >"$run/result"
	exit 0
fi

if [ "$#" = 0 ]; then
	echo "fuzz: no targets" >&2
	exit 1
fi
mkdir -p build/logs
for b in "$@"; do
	rm -f "build/fuzz/run/$(basename "$b")/result"
done
# shellcheck disable=SC2016
printf '%s\n' "$@" | xargs -P "$jobs" -I{} sh "$0" --one {}

rc=0
for b in "$@"; do
	t=$(basename "$b")
	log=build/logs/fuzz-$t.log
	res=$(cat "build/fuzz/run/$t/result" 2>/dev/null || echo "1 0")
	st=${res% *}
	secs_taken=${res#* }
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(sed -n 's/^stat::.*//; s/^#[0-9]*.*DONE *cov: \([0-9]*\).*/\1/p' "$log" | tail -1)
	if [ "$st" = 0 ]; then
		echo "fuzz $b 1 0 0" >>build/test-results.txt
		printf '%-5s ok   %-50s %s runs, %s edges (%ss)\n' fuzz "$b" "${runs:-?}" "${cov:-?}" "$secs_taken"
	else
		rc=1
		echo "fuzz $b 0 1 0" >>build/test-results.txt
		printf '%-5s FAIL %-50s exit %s (%ss); input in build/fuzz/run/%s/\n' fuzz "$b" "$st" \
			"$secs_taken" "$t"
		grep -v '^#[0-9]' "$log" | tail -40 | sed 's/^/    | /'
	fi
done
exit $rc
