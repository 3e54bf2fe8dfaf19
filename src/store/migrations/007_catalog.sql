-- 007_catalog: the catalog flow (src/flows/catalog.c, docs/catalog.md): its runs, the
-- high-water marks of the incremental sync, what seam wrote to Drupal per product and SKU, and
-- the plans of dry runs.

-- One row per run (a poll, a full rebuild, a dry run). The run walks the PIM page by page;
-- resume_href is the next page to read, committed with the jobs of the page before it, so a
-- crash resumes there. mark is the newest PIM `updated` the run saw (Akeneo's
-- "YYYY-MM-DD hh:mm:ss" UTC form): it becomes the cursor once every product job of the run
-- has finished. The counters are what the run's product jobs did.
CREATE TABLE catalog_runs (
	id             TEXT PRIMARY KEY,
	store          TEXT NOT NULL,
	channel        TEXT NOT NULL,
	mode           TEXT NOT NULL,   -- incremental | full
	dry_run        INTEGER NOT NULL DEFAULT 0,
	state          TEXT NOT NULL,   -- queued | running | done | failed | canceled
	phase          TEXT NOT NULL,   -- models | products | apply | sweep | done
	since          TEXT,            -- the updated filter used (NULL: everything)
	resume_href    TEXT,            -- next page of the current phase (NULL: its first)
	mark           TEXT,            -- newest PIM updated seen
	total          BIGINT,          -- products the PIM said it has (NULL: unknown)
	seen           BIGINT NOT NULL DEFAULT 0,  -- PIM products read
	enqueued       BIGINT NOT NULL DEFAULT 0,  -- product jobs the run made
	finished       BIGINT NOT NULL DEFAULT 0,  -- of those, finished (any outcome)
	created        BIGINT NOT NULL DEFAULT 0,
	updated        BIGINT NOT NULL DEFAULT 0,
	unchanged      BIGINT NOT NULL DEFAULT 0,
	unpublished    BIGINT NOT NULL DEFAULT 0,
	quarantined    BIGINT NOT NULL DEFAULT 0,
	failed         BIGINT NOT NULL DEFAULT 0,
	error          TEXT,
	correlation_id TEXT,
	created_at     BIGINT NOT NULL,
	updated_at     BIGINT NOT NULL,
	finished_at    BIGINT
);
CREATE INDEX catalog_runs_store ON catalog_runs (store, created_at);

-- The subjects a run made jobs for, and what each job did (NULL: not finished yet). A
-- subject is counted once per run however many of its records the run saw; the run is
-- finished when every row has an outcome, and a full rebuild unpublishes the Drupal products
-- whose subject has no row here. The run's counters are kept in step with these rows (each
-- outcome is set once: the update that sets it also bumps its counter).
CREATE TABLE catalog_run_items (
	run_id         TEXT NOT NULL,
	pim_id         TEXT NOT NULL,
	outcome        TEXT,            -- created | updated | unchanged | quarantined | failed |
	                                -- removed | stale
	PRIMARY KEY (run_id, pim_id)
);

-- The incremental sync's high-water mark per store and channel.
CREATE TABLE catalog_cursors (
	store          TEXT NOT NULL,
	channel        TEXT NOT NULL,
	mark           TEXT NOT NULL,   -- "YYYY-MM-DD hh:mm:ss" UTC
	run_id         TEXT,            -- the run that advanced it
	updated_at     BIGINT NOT NULL,
	PRIMARY KEY (store, channel)
);

-- One row per subject (a Drupal product: a PIM product model, or a simple product).
CREATE TABLE catalog_items (
	store          TEXT NOT NULL,
	pim_id         TEXT NOT NULL,   -- model code or product uuid (Drupal: seam_pim_id)
	drupal_uuid    TEXT,
	hash           TEXT,            -- SHA-256 of the last write plan applied
	pim_updated    TEXT,            -- newest PIM updated applied (RFC 3339)
	state          TEXT NOT NULL,   -- applied | quarantined | unpublished | removed
	reason         TEXT,            -- why quarantined
	last_run       TEXT,            -- the last run that saw it in the PIM
	correlation_id TEXT,
	updated_at     BIGINT NOT NULL,
	PRIMARY KEY (store, pim_id)
);

-- SKU -> the subject that owns it (duplicate SKUs and variants moved between models).
CREATE TABLE catalog_skus (
	store          TEXT NOT NULL,
	sku            TEXT NOT NULL,
	pim_id         TEXT NOT NULL,
	pim_uuid       TEXT,
	drupal_uuid    TEXT,
	updated_at     BIGINT NOT NULL,
	PRIMARY KEY (store, sku)
);
CREATE INDEX catalog_skus_subject ON catalog_skus (store, pim_id);

-- What a dry run would do, in order.
CREATE TABLE catalog_plan (
	run_id         TEXT NOT NULL,
	seq            BIGINT NOT NULL,
	action         TEXT NOT NULL,   -- create | update | unpublish
	entity         TEXT NOT NULL,   -- product | variation
	item_key       TEXT NOT NULL,   -- pim id or SKU
	diff           TEXT,            -- JSON: {"field": {"from": x, "to": y}}
	PRIMARY KEY (run_id, seq)
);
