-- 009_tax: the tax flow's invoices (src/flows/tax.c, docs/tax.md): one row per placed order
-- whose tax seam committed in the engine (code <store>-<order uuid>: a retry adjusts the same
-- document), what the order charged and the difference, and the void of a canceled order.
CREATE TABLE tax_documents (
	store          TEXT NOT NULL,
	order_uuid     TEXT NOT NULL,
	code           TEXT NOT NULL,   -- the engine's document code
	state          TEXT NOT NULL,   -- committed | voided
	committed_tax  TEXT,            -- the engine's totalTax of the committed invoice
	charged_tax    TEXT,            -- what the order's tax adjustments came to
	difference     TEXT,            -- committed - charged (non-zero: the order was quoted an
	                                -- estimate, or its cart changed after the quote)
	correlation_id TEXT,
	created_at     BIGINT NOT NULL,
	updated_at     BIGINT NOT NULL,
	PRIMARY KEY (store, order_uuid)
);
