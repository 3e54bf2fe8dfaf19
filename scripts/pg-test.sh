#!/bin/sh
# pg-test.sh start DIR | stop DIR | url DIR: a PostgreSQL 15 cluster of its own for the tests
# (Debian's postgresql-15, installed by make deps), in DIR (made by start, removed by stop).
#
#   start  initdb (trust on the Unix socket only, superuser "seam", UTF8) into DIR/data,
#          then postgres listening on no TCP port, only on a socket in DIR; waits until it
#          answers, creates the database "seam_test", prints the URL (as `url` does).
#          As root the server runs as the user postgres (it refuses root); DIR is theirs.
#   stop   ends the server by the PID it wrote (DIR/data/postmaster.pid): SIGINT (a fast
#          shutdown), up to 15 s, then SIGKILL; removes DIR.
#   url    postgresql://seam@/seam_test?host=DIR
#
# Nothing else on the machine is touched: no system cluster, no port, no service.
# Exit: 0, 1 when the server does not come up (its log is printed), 2 usage.
set -eu
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
[ $# -eq 2 ] || { echo "usage: pg-test.sh start|stop|url DIR" >&2; exit 2; }
cmd=$1
dir=$2

as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

case $cmd in
url)
	echo "postgresql://seam@/seam_test?host=$dir"
	;;
start)
	[ -x "$PGBIN/initdb" ] || { echo "pg-test.sh: no $PGBIN/initdb (make deps installs postgresql-15)" >&2; exit 1; }
	mkdir -p "$dir"
	[ "$(id -u)" = 0 ] && chown postgres "$dir"
	as_owner "$PGBIN/initdb" -D "$dir/data" -U seam -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	as_owner sh -c "exec '$PGBIN/postgres' -D '$dir/data' -k '$dir' -c listen_addresses='' \
		-c max_connections=200 -c shared_buffers=64MB -c fsync=on -c synchronous_commit=on \
		>'$dir/server.log' 2>&1 &"
	i=0
	until "$PGBIN/pg_isready" -q -h "$dir" -U seam -d postgres; do
		i=$((i + 1))
		if [ $i -gt 150 ]; then
			echo "pg-test.sh: the server did not come up:" >&2
			cat "$dir/server.log" >&2
			exit 1
		fi
		sleep 0.1
	done
	"$PGBIN/createdb" -h "$dir" -U seam seam_test
	echo "postgresql://seam@/seam_test?host=$dir"
	;;
stop)
	pidf=$dir/data/postmaster.pid
	if [ -f "$pidf" ]; then
		pid=$(head -1 "$pidf")
		kill -INT "$pid" 2>/dev/null || true
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 150 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -rf "$dir"
	;;
*)
	echo "usage: pg-test.sh start|stop|url DIR" >&2
	exit 2
	;;
esac
