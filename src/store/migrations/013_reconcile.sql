-- 013_reconcile: reconciliation runs (src/flows/reconcile*.c, docs/reconciliation.md): what
-- each system said about each order of a store and a window, and every drift found, with the
-- fix seam applied (a job) or what a person should check.

CREATE TABLE reconciliation_runs (
	id             TEXT PRIMARY KEY,
	store          TEXT NOT NULL,
	state          TEXT NOT NULL,   -- queued | running | done | failed
	phase          TEXT,            -- psp | orders | finishing
	since          BIGINT NOT NULL, -- window on Drupal's placed time (ms), [since, until)
	until          BIGINT NOT NULL,
	fix            INTEGER NOT NULL DEFAULT 0, -- apply the deterministic fixes
	dry_run        INTEGER NOT NULL DEFAULT 0, -- with fix: say what would be done, do nothing
	trigger        TEXT NOT NULL,   -- ctl | api | schedule
	orders_checked INTEGER NOT NULL DEFAULT 0,
	psp_payments   INTEGER NOT NULL DEFAULT 0,
	drift          INTEGER NOT NULL DEFAULT 0, -- items found
	fixed          INTEGER NOT NULL DEFAULT 0, -- items whose fix was enqueued
	unreadable     TEXT,            -- JSON array of {"system", "error"}: not compared, not drift
	error          TEXT,            -- why the run failed
	correlation_id TEXT,
	created_at     BIGINT NOT NULL,
	started_at     BIGINT,
	updated_at     BIGINT NOT NULL,
	finished_at    BIGINT
);
CREATE INDEX reconciliation_runs_store ON reconciliation_runs (store, created_at);

-- One drift: an order (or a PSP payment) whose systems disagree.
CREATE TABLE reconciliation_items (
	run_id         TEXT NOT NULL,
	seq            INTEGER NOT NULL,
	kind           TEXT NOT NULL,   -- stable drift kind (docs/reconciliation.md)
	order_uuid     TEXT,
	order_number   TEXT,
	remote_id      TEXT,            -- the PSP payment, for payment drift
	detail         TEXT NOT NULL,   -- JSON: what each system said
	action         TEXT,            -- the fix (export, cancel_in_erp, apply_psp_state) or NULL:
	                                -- a person decides (check says what to look at)
	check_text     TEXT,
	fix_state      TEXT,            -- NULL | planned (dry run) | enqueued | pending (a job
	                                -- already on it) | failed
	job_id         TEXT,
	PRIMARY KEY (run_id, seq)
);

-- The PSP's payments of a run's window, spilled to the store while the run reads them so a
-- window of any size costs bounded memory; deleted when the run ends.
CREATE TABLE reconciliation_psp (
	run_id         TEXT NOT NULL,
	remote_id      TEXT NOT NULL,
	order_uuid     TEXT,
	status         TEXT,
	currency       TEXT,
	amount_minor   BIGINT,
	received_minor BIGINT,
	refunded_minor BIGINT,
	charge_id      TEXT,
	PRIMARY KEY (run_id, remote_id)
);
CREATE INDEX reconciliation_psp_order ON reconciliation_psp (run_id, order_uuid);
