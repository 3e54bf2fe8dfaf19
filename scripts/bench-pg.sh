#!/bin/sh
# bench-pg.sh [ARGS...]: build/bench/queue on PostgreSQL. Starts a private PostgreSQL 15 cluster
# (scripts/pg-test.sh) in a new directory under /tmp, runs the queue benchmark on its scratch
# database (pgbench's ceiling on the same cluster in the same run), then stops the cluster by
# its PID and removes it, also when the run fails or is interrupted. ARGS go to the benchmark.
set -u
dir=$(mktemp -d /tmp/seam-pgbench-XXXXXX) || exit 1
stop() { sh scripts/pg-test.sh stop "$dir"; }
trap 'stop; exit 130' INT TERM
url=$(sh scripts/pg-test.sh start "$dir") || { echo "bench-pg: PostgreSQL did not start" >&2; stop; exit 1; }
build/bench/queue --store "$url" "$@"
rc=$?
stop
exit $rc
