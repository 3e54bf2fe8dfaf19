-- 008_stock: the prices-and-stock flow (src/flows/stock.c, docs/stock.md): the canonical cache
-- of the ERP's stock and prices that checkout reads, what seam last wrote to Drupal per SKU,
-- the poll's cursors and the ERP webhook subscriptions seam keeps alive.

-- The newest stock seam accepted per store, SKU and location ('' when the ERP has one), with
-- the ERP's time of the value (lastModifiedDateTime, ms). A value older than the one here is
-- dropped (newest wins), so a slow poll never overwrites a newer notification.
CREATE TABLE stock_levels (
	store          TEXT NOT NULL,
	sku            TEXT NOT NULL,
	location       TEXT NOT NULL DEFAULT '',
	quantity       TEXT NOT NULL,   -- decimal text
	source_ms      BIGINT NOT NULL, -- the ERP's time of the value
	received_at    BIGINT NOT NULL, -- when seam accepted it
	via            TEXT NOT NULL,   -- push | poll | full
	PRIMARY KEY (store, sku, location)
);

-- The newest price records per store: the item's unit price (source_id 'item:<item id>') and
-- each sales price of the ERP's price lists (source_id its id), with what they apply to.
CREATE TABLE price_levels (
	store          TEXT NOT NULL,
	source_id      TEXT NOT NULL,
	sku            TEXT NOT NULL,
	currency       TEXT NOT NULL,   -- ISO code ('' never: LCY is resolved on the way in)
	price_list     TEXT NOT NULL,   -- '' = everyone (unit price, All Customers); else the
	                                -- customer price group
	min_qty        TEXT NOT NULL,   -- decimal text
	amount         TEXT NOT NULL,   -- decimal text, as the ERP sent it
	starts         TEXT,            -- YYYY-MM-DD or NULL (open)
	ends           TEXT,
	source_ms      BIGINT NOT NULL,
	received_at    BIGINT NOT NULL,
	via            TEXT NOT NULL,
	PRIMARY KEY (store, source_id)
);
CREATE INDEX price_levels_sku ON price_levels (store, sku);

-- What seam last wrote to Drupal per SKU (and the source times of those values): the write
-- job compares with it, so a value already written is not written again.
CREATE TABLE stock_written (
	store          TEXT NOT NULL,
	sku            TEXT NOT NULL,
	variation_uuid TEXT,
	stock          TEXT,            -- decimal text written to seam_stock
	stock_ms       BIGINT,          -- source_ms of that value
	price          TEXT,            -- "<amount> <currency>"
	list_price     TEXT,
	price_ms       BIGINT,
	written_at     BIGINT NOT NULL,
	PRIMARY KEY (store, sku)
);

-- The incremental poll's high-water mark per store and ERP resource (items, salesPrices).
CREATE TABLE stock_cursors (
	store          TEXT NOT NULL,
	resource       TEXT NOT NULL,
	mark_ms        BIGINT NOT NULL,
	updated_at     BIGINT NOT NULL,
	PRIMARY KEY (store, resource)
);

-- The ERP webhook subscriptions seam made, per store and resource.
CREATE TABLE erp_subscriptions (
	store          TEXT NOT NULL,
	resource       TEXT NOT NULL,
	subscription_id TEXT NOT NULL,
	etag           TEXT,
	expires_at     BIGINT NOT NULL,
	created_at     BIGINT NOT NULL,
	renewed_at     BIGINT,
	PRIMARY KEY (store, resource)
);

-- One row per poll (scheduled, or `seam ctl sync stock|prices`): what it read and did, for
-- progress and the summary. A dry run writes nothing (not even the cache) and keeps its plan.
CREATE TABLE stock_runs (
	id             TEXT PRIMARY KEY,
	store          TEXT NOT NULL,
	what           TEXT NOT NULL,   -- stock | prices | both
	mode           TEXT NOT NULL,   -- incremental | full | collection
	dry_run        INTEGER NOT NULL DEFAULT 0,
	state          TEXT NOT NULL,   -- queued | running | done | failed
	since_ms       BIGINT,          -- the lastModifiedDateTime filter (NULL: everything)
	seen           BIGINT NOT NULL DEFAULT 0,  -- ERP records read
	accepted       BIGINT NOT NULL DEFAULT 0,  -- newer than the cache: taken
	older          BIGINT NOT NULL DEFAULT 0,  -- the cache had newer: dropped
	same           BIGINT NOT NULL DEFAULT 0,
	invalid        BIGINT NOT NULL DEFAULT 0,  -- quarantined
	writes         BIGINT NOT NULL DEFAULT 0,  -- Drupal writes scheduled (dry run: planned)
	error          TEXT,
	correlation_id TEXT,
	created_at     BIGINT NOT NULL,
	updated_at     BIGINT NOT NULL,
	finished_at    BIGINT
);
CREATE INDEX stock_runs_store ON stock_runs (store, created_at);

-- What a dry run would change in Drupal, per SKU and field.
CREATE TABLE stock_plan (
	run_id         TEXT NOT NULL,
	sku            TEXT NOT NULL,
	field          TEXT NOT NULL,   -- price | list_price | seam_stock
	from_value     TEXT,
	to_value       TEXT,
	PRIMARY KEY (run_id, sku, field)
);
