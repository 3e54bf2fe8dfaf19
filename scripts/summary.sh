#!/bin/sh
# Prints the closing line CI reads: "N passed, N failed" (and skipped when any).
f=$1
[ -f "$f" ] || { echo "0 passed, 1 failed"; exit 1; }
awk '{p+=$3; f+=$4; s+=$5} END {
	if (s > 0) printf "%d passed, %d failed, %d skipped\n", p, f, s;
	else printf "%d passed, %d failed\n", p, f }' "$f"
