#!/bin/sh
# demo.sh: the main job. Starts the upstream simulators (seam-sim -c examples/sim.yaml) and
# seam serve (examples/seam.yaml, embedded SQLite under .seam-demo/), prints where everything
# listens and a walk-through whose commands work when pasted as written (from the repository
# root, in a second terminal), and runs until Ctrl-C / SIGTERM, then stops both by their PIDs.
#
# Every run starts from a clean state: the simulators keep their data in memory and seed the
# same data again (seed 42), so seam's store (.seam-demo/seam.db) is removed first. Keeping it
# would leave seam with ERP numbers of sales orders the fresh ERP double does not have.
set -u
BIN=${SEAM_BIN:-build/seam}
SIM=${SEAM_SIM_BIN:-build/seam-sim}
CFG=examples/seam.yaml
mkdir -p .seam-demo
rm -f .seam-demo/seam.db .seam-demo/seam.db-wal .seam-demo/seam.db-shm
: >.seam-demo/seam.log
SIM_PID=""
SEAM_PID=""
cleanup() {
	[ -n "$SEAM_PID" ] && kill -TERM "$SEAM_PID" 2>/dev/null && wait "$SEAM_PID" 2>/dev/null
	[ -n "$SIM_PID" ] && kill -TERM "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	echo "demo: stopped"
}
trap 'cleanup; exit 0' INT TERM

"$SIM" -c examples/sim.yaml >.seam-demo/sim.log 2>&1 &
SIM_PID=$!
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ "$(grep -c '^sim:' .seam-demo/sim.log)" -ge 5 ] && break
	sleep 0.3
done
if ! kill -0 "$SIM_PID" 2>/dev/null; then
	echo "demo: seam-sim did not start (ports 8101-8105 taken?):"; tail -5 .seam-demo/sim.log
	SIM_PID=""; cleanup; exit 1
fi
grep '^sim:' .seam-demo/sim.log

"$BIN" check -c "$CFG" || { cleanup; exit 2; }
"$BIN" serve -c "$CFG" 2>>.seam-demo/seam.log &
SEAM_PID=$!
for i in 1 2 3 4 5 6 7 8 9 10; do
	curl -fs http://127.0.0.1:8080/healthz >/dev/null 2>&1 && break
	sleep 0.3
done
if ! kill -0 "$SEAM_PID" 2>/dev/null; then
	echo "demo: seam serve did not start:"; tail -5 .seam-demo/seam.log; SEAM_PID=""; cleanup; exit 1
fi
cat <<MSG

seam is serving on http://127.0.0.1:8080 (logs: .seam-demo/seam.log, store: .seam-demo/seam.db)
This demo starts from scratch each time: the simulators seed the same data again and seam's
store is removed first. Its two stores, us and eu, share one Drupal (the double on :8101) and
each exports only its own commerce_store's orders, to its own ERP company (the double on :8102).
The pollers export the seeded order history within a few seconds of start.
Paste these in a second terminal, from this directory:

  curl http://127.0.0.1:8080/healthz
  curl -s http://127.0.0.1:8080/metrics | grep seam_order_

1. Orders: 5 in the US store (charging California's 7.25% tax at checkout, as the tax engine
   commits it) and 3 in the EU store (priced in EUR); each lands in its store's ERP company
   once. Orders 101-105 are the US ones.
  curl -s -XPOST -d '{"count":5,"store":"us","items":2,"tax":"0.0725"}' http://127.0.0.1:8101/_sim/drupal/orders
  curl -s -XPOST -d '{"count":3,"store":"eu","items":2}' http://127.0.0.1:8101/_sim/drupal/orders
  sleep 2; $BIN ctl -c $CFG trace 101
  curl -s http://127.0.0.1:8102/_sim/erp/stats

2. A payment: a new US order paid through the PSP double (Stripe-signed webhooks to seam, each
   delivered 3 times), then the order's story found by the payment id.
  O=\$(curl -s -XPOST -d '{"count":1,"store":"us","items":1,"tax":"0.0725"}' http://127.0.0.1:8101/_sim/drupal/orders)
  UUID=\$(echo "\$O" | sed 's/.*"uuid": *"\([^"]*\)".*/\1/'); TOTAL=\$(echo "\$O" | sed 's/.*"number": *"\([^"]*\)".*/\1/')
  P=\$(curl -s -XPOST -d "{\"provider\":\"stripe\",\"store\":\"us\",\"order_uuid\":\"\$UUID\",\"amount\":\"\$TOTAL\",\"currency\":\"USD\"}" http://127.0.0.1:8104/_sim/psp/payments)
  PI=\$(echo "\$P" | sed 's/.*"id": *"\([^"]*\)".*/\1/'); echo "\$PI"
  curl -s -XPOST -d '{"type":"capture","copies":3}' http://127.0.0.1:8104/_sim/psp/payments/\$PI/events
  sleep 3; $BIN ctl -c $CFG trace \$PI

3. A dead letter and its replay: the ERP double refuses every new sales order with a permanent
   422, so the next order's export goes straight to the dead letters; clear the fault, replay.
  curl -s -XPOST -d '{"kind":"error","status":422,"method":"POST","path":"/api/v2.0/companies"}' http://127.0.0.1:8102/_sim/faults; echo
  F=\$(curl -s -XPOST -d '{"count":1,"store":"us","items":1,"tax":"0.0725"}' http://127.0.0.1:8101/_sim/drupal/orders | sed 's/.*"order_number": *"\([^"]*\)".*/\1/'); echo "\$F"
  sleep 2; $BIN ctl -c $CFG dlq list
  curl -s -XDELETE http://127.0.0.1:8102/_sim/faults
  $BIN ctl -c $CFG dlq replay --flow orders
  sleep 2; $BIN ctl -c $CFG trace \$F

4. The same over REST v1 (paging, ETag, Idempotency-Key): the curl lines in README.md, "REST v1".

5. The catalog: the first poll of the PIM double (:8103) made its 200 product models Drupal
   products (one variation per variant) within seconds of start. A product renamed in the PIM
   reaches Drupal through the PIM's signed event; a full rebuild compares everything with what
   Drupal holds, after a dry run that shows the plan.
  $BIN ctl -c $CFG sync list --store us
  curl -s -XPOST -d '{"upsert":[{"code":"model_0001","values":{"name":[{"locale":"en_US","scope":null,"data":"Renamed in the PIM"}]}}]}' http://127.0.0.1:8103/_sim/pim/models; echo
  sleep 2; $BIN ctl -c $CFG trace model_0001
  $BIN ctl -c $CFG sync catalog --store us --full --dry-run
  $BIN ctl -c $CFG sync catalog --store us --full

6. Prices and stock: seam subscribed to the ERP double's webhooks (:8102) at start, and its
   first poll put every item's stock and WEB price into Drupal. A change in the ERP reaches
   Drupal through a notification (the ERP's 5 s window, then seam's 2 s); checkout reads the
   cache, never the ERP.
  curl -s -XPOST -d '{"number":"SKU-000001","inventory":3}' http://127.0.0.1:8102/_sim/erp/items; echo
  K=\$($BIN ctl -c $CFG keys create --name checkout --scopes catalog:read 2>/dev/null); sleep 8
  curl -s -H "Authorization: Bearer \$K" 'http://127.0.0.1:8080/v1/availability?store=us&sku=SKU-000001,SKU-000002'; echo
  curl -s -H "Authorization: Bearer \$K" 'http://127.0.0.1:8080/v1/prices?store=us&sku=SKU-000001'; echo
  $BIN ctl -c $CFG sync stock --store us --dry-run

7. Tax: a quote from the tax double (:8105), the same cart again from seam's cache, then an
   estimate from the rate table while the engine is down; every placed US order's tax is
   committed once as an invoice (us-<order uuid>).
  T=\$($BIN ctl -c $CFG keys create --name shop --scopes tax:quote 2>/dev/null)
  Q='{"store":"us","currency":"USD","ship_to":{"country":"US","region":"CA"},"lines":[{"id":"1","quantity":"2","amount":"39.98"}]}'
  curl -s -H "Authorization: Bearer \$T" -H 'Content-Type: application/json' -d "\$Q" http://127.0.0.1:8080/v1/tax/quote; echo
  curl -s -H "Authorization: Bearer \$T" -H 'Content-Type: application/json' -d "\$Q" http://127.0.0.1:8080/v1/tax/quote; echo
  curl -s -XPOST -d '{"kind":"outage"}' http://127.0.0.1:8105/_sim/faults; echo
  curl -s -H "Authorization: Bearer \$T" -H 'Content-Type: application/json' -d '{"store":"us","currency":"USD","ship_to":{"country":"US","region":"NY"},"lines":[{"id":"1","quantity":"1","amount":"100.00"}]}' http://127.0.0.1:8080/v1/tax/quote; echo
  curl -s -XDELETE http://127.0.0.1:8105/_sim/faults
  curl -s http://127.0.0.1:8105/_sim/tax/stats; echo

8. Reconciliation: a payment captured at the PSP double whose webhook is held back (it never
   reaches seam). A run compares Drupal, the PSP's API, the ERP and seam's records per order and
   reports it; --fix applies the PSP's state through the payment flow; the next run finds no
   drift (docs/reconciliation.md).
  O=\$(curl -s -XPOST -d '{"count":1,"store":"us","items":1,"tax":"0.0725"}' http://127.0.0.1:8101/_sim/drupal/orders)
  UUID=\$(echo "\$O" | sed 's/.*"uuid": *"\([^"]*\)".*/\1/'); TOTAL=\$(echo "\$O" | sed 's/.*"number": *"\([^"]*\)".*/\1/')
  P=\$(curl -s -XPOST -d "{\"provider\":\"stripe\",\"store\":\"us\",\"order_uuid\":\"\$UUID\",\"amount\":\"\$TOTAL\",\"currency\":\"USD\"}" http://127.0.0.1:8104/_sim/psp/payments)
  PI=\$(echo "\$P" | sed 's/.*"id": *"\([^"]*\)".*/\1/'); echo "\$PI"
  curl -s -XPOST -d '{"type":"capture","hold":true}' http://127.0.0.1:8104/_sim/psp/payments/\$PI/events; echo
  sleep 2; $BIN ctl -c $CFG reconcile --store us --since 1h
  $BIN ctl -c $CFG reconcile --store us --since 1h --fix
  sleep 3; $BIN ctl -c $CFG reconcile --store us --since 1h

9. The dashboard: open http://127.0.0.1:8080/ops/ in a browser and log in with this key
   (overview, flows, jobs, dead letters, quarantine, an order's story, reconciliation runs).
  $BIN ctl -c $CFG keys create --name oncall --scopes ops:admin

Press Ctrl-C to stop.
MSG
wait "$SEAM_PID"
cleanup
