-- 004_orders: what seam knows of each storefront order it exports, and the poller's cursors.

-- One row per (store, order). The ERP number is the cross-reference written back to Drupal;
-- state follows the export: seen -> exported -> written_back (-> canceled_in_erp).
CREATE TABLE orders (
	store          TEXT NOT NULL,
	order_uuid     TEXT NOT NULL,
	order_number   TEXT,
	order_state    TEXT,            -- Drupal's state as last seen
	placed_at      BIGINT,          -- Drupal's placed time (ms)
	export_state   TEXT NOT NULL,   -- seen | exported | written_back | canceled_in_erp
	erp_number     TEXT,
	erp_id         TEXT,
	total          TEXT,            -- decimal string
	currency       TEXT,
	correlation_id TEXT,
	first_seen_at  BIGINT NOT NULL,
	exported_at    BIGINT,
	updated_at     BIGINT NOT NULL,
	PRIMARY KEY (store, order_uuid)
);
CREATE INDEX orders_number ON orders (order_number);
CREATE INDEX orders_export ON orders (store, export_state, placed_at);

-- Poller cursors: the newest `placed` time seen per store and feed.
CREATE TABLE cursors (
	name           TEXT PRIMARY KEY,
	value          TEXT NOT NULL,
	updated_at     BIGINT NOT NULL
);
