#!/bin/sh
# e2e-pg.sh BIN...: the end-to-end tests named on a PostgreSQL store. Starts a private
# PostgreSQL 15 cluster (scripts/pg-test.sh) in a new directory under /tmp, runs each test with
# SEAM_TEST_PG set (the harness gives every seam it starts a database of its own there; a test
# that is about the engine reads it too), then stops the cluster by its PID and removes it,
# also when a test fails or the run is interrupted. Results go to the summary as suite e2e-pg.
set -u
dir=$(mktemp -d /tmp/seam-pg-XXXXXX) || exit 1
stop() { sh scripts/pg-test.sh stop "$dir"; }
trap 'stop; exit 130' INT TERM
if ! sh scripts/pg-test.sh start "$dir" >/dev/null; then
	echo "e2e-pg: PostgreSQL did not start; the tests on it count as failed" >&2
	for bin in "$@"; do echo "e2e-pg $bin 0 1 0" >>build/test-results.txt; done
	stop
	exit 1
fi
SEAM_TEST_PG=$dir sh scripts/run-tests.sh e2e-pg "$@"
rc=$?
stop
exit $rc
