#!/bin/sh
# demo.sh: the main job. Starts the upstream simulators (seam sim -c examples/sim.yaml) and
# seam serve (examples/seam.yaml, embedded SQLite under .seam-demo/), prints where everything
# listens, and runs until Ctrl-C / SIGTERM, then stops both by their PIDs.
set -u
BIN=${SEAM_BIN:-build/seam}
mkdir -p .seam-demo
SIM_PID=""
SEAM_PID=""
cleanup() {
	[ -n "$SEAM_PID" ] && kill -TERM "$SEAM_PID" 2>/dev/null && wait "$SEAM_PID" 2>/dev/null
	[ -n "$SIM_PID" ] && kill -TERM "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	echo "demo: stopped"
}
trap 'cleanup; exit 0' INT TERM

if [ -f examples/sim.yaml ]; then
	"$BIN" sim -c examples/sim.yaml >.seam-demo/sim.log 2>&1 &
	SIM_PID=$!
	sleep 1
	if kill -0 "$SIM_PID" 2>/dev/null; then
		grep '^sim:' .seam-demo/sim.log
	else
		echo "demo: seam sim did not start (see .seam-demo/sim.log); continuing without it"
		SIM_PID=""
	fi
fi

"$BIN" check -c examples/seam.yaml || exit 2
"$BIN" serve -c examples/seam.yaml 2>>.seam-demo/seam.log &
SEAM_PID=$!
for i in 1 2 3 4 5 6 7 8 9 10; do
	curl -fs http://127.0.0.1:8080/healthz >/dev/null 2>&1 && break
	sleep 0.3
done
if ! kill -0 "$SEAM_PID" 2>/dev/null; then
	echo "demo: seam serve did not start:"; tail -5 .seam-demo/seam.log; cleanup; exit 1
fi
cat <<MSG

seam is serving on http://127.0.0.1:8080 (logs: .seam-demo/seam.log, store: .seam-demo/seam.db)
  curl http://127.0.0.1:8080/healthz
  curl http://127.0.0.1:8080/metrics

Try the flows against the simulators:
  # place 5 orders in the storefront double: seam exports them to the ERP double
  curl -s -XPOST -d '{"count":5,"store":"us","items":2}' http://127.0.0.1:8101/_sim/drupal/orders
  $BIN ctl -c examples/seam.yaml trace 101          # the first one's story
  # pay for an order through the PSP double (Stripe-signed webhooks to seam)
  curl -s -XPOST -d '{"provider":"stripe","store":"us","order_uuid":"<uuid from above>","amount":"<total>","currency":"USD"}' \\
       http://127.0.0.1:8104/_sim/psp/payments      # -> {"id":"pi_..."}
  curl -s -XPOST -d '{"type":"capture","copies":3}' http://127.0.0.1:8104/_sim/psp/payments/<pi_...>/events
  # make the ERP fail a fifth of its calls and watch retries, then the dead letters
  curl -s -XPOST -d '{"kind":"error","rate":0.2,"status":503}' http://127.0.0.1:8102/_sim/faults
  $BIN ctl -c examples/seam.yaml jobs list --flow orders
  $BIN ctl -c examples/seam.yaml dlq list
Press Ctrl-C to stop.
MSG
wait "$SEAM_PID"
cleanup
