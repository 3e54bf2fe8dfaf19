#!/bin/sh
# build.sh [TARGET...]: builds the libFuzzer targets into build/fuzz/ (all fuzz/fuzz_*.c when
# none is named). Run from the repository root. The Makefile does the work: every src/ object
# is compiled once by clang with libFuzzer coverage and ASan+UBSan into build/fuzz/libseam.a,
# and each target is linked against it, so a new fuzz/fuzz_*.c needs no edit anywhere.
set -eu
if [ "$#" = 0 ]; then
	set -- $(ls fuzz/fuzz_*.c | sed 's|^fuzz/||; s|\.c$||')
fi
bins=""
for t in "$@"; do
	bins="$bins build/fuzz/${t%.c}"
done
# shellcheck disable=SC2086
exec make --no-print-directory -j"${JOBS:-2}" $bins
