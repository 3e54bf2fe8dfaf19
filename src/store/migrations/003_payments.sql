-- 003_payments: the webhook inbox, quarantine, and the payment flow's cross-references.

-- Every verified inbound event, stored before it is acknowledged (rule 1). The unique key is
-- the provider's own event identity, so a redelivery finds its row and does no new work.
CREATE TABLE inbox (
	id             TEXT PRIMARY KEY,
	provider       TEXT NOT NULL,   -- stripe | adyen | standard | drupal
	source         TEXT NOT NULL,   -- the store or Standard Webhooks source of the path
	event_id       TEXT NOT NULL,
	event_type     TEXT,
	body           TEXT NOT NULL,   -- the raw bytes as received (for replay and audit)
	headers        TEXT NOT NULL,   -- JSON of the safe headers only
	correlation_id TEXT,
	job_id         TEXT,
	received_at    BIGINT NOT NULL,
	UNIQUE (provider, source, event_id)
);
CREATE INDEX inbox_received ON inbox (received_at);

-- Authentic events seam cannot use (malformed JSON, missing ids, unknown currency, ...):
-- kept with the reason and visible to operators, never silently dropped (rule 4).
CREATE TABLE quarantine (
	id             TEXT PRIMARY KEY,
	provider       TEXT NOT NULL,
	source         TEXT NOT NULL,
	event_id       TEXT,
	reason         TEXT NOT NULL,
	body           TEXT NOT NULL,
	headers        TEXT NOT NULL,
	correlation_id TEXT,
	received_at    BIGINT NOT NULL,
	resolved_at    BIGINT
);
CREATE INDEX quarantine_received ON quarantine (received_at);

-- The provider's payment (remote id) and the Drupal payment and order it maps to.
CREATE TABLE payment_refs (
	provider       TEXT NOT NULL,
	remote_id      TEXT NOT NULL,
	store          TEXT NOT NULL,
	order_uuid     TEXT,
	payment_uuid   TEXT,
	state          TEXT,            -- last payment_default state seam saw or applied
	amount         TEXT,            -- decimal string
	refunded       TEXT,            -- decimal string
	currency       TEXT,
	updated_at     BIGINT NOT NULL,
	PRIMARY KEY (provider, remote_id)
);
CREATE INDEX payment_refs_order ON payment_refs (order_uuid);

-- Canonical payment events seen per remote payment: the provider's history, from which the
-- out-of-order resolver derives the state a payment must end in.
CREATE TABLE payment_events (
	provider       TEXT NOT NULL,
	event_id       TEXT NOT NULL,
	remote_id      TEXT NOT NULL,
	type           TEXT NOT NULL,   -- canonical: authorized, captured, refunded, ...
	amount_minor   BIGINT NOT NULL, -- -1 when the event carries no amount
	currency       TEXT,
	cumulative     INTEGER NOT NULL,
	captured_total BIGINT NOT NULL, -- refunds: the provider's captured total, -1 unknown
	occurred_at    BIGINT,
	outcome        TEXT NOT NULL,   -- plan | none | record_only (seam_payment_action_e names)
	detail         TEXT,
	created_at     BIGINT NOT NULL,
	PRIMARY KEY (provider, event_id)
);
CREATE INDEX payment_events_remote ON payment_events (provider, remote_id, created_at);
