-- 001_core: the foundation tables.
--
-- Portable SQL subset (see src/store/store.h and docs/store.md): TEXT / BIGINT columns,
-- application-made ids (UUIDv7 text), times as BIGINT milliseconds since the Unix epoch.
-- The runner wraps this file in one transaction and records it in seam_migrations; it must
-- not contain BEGIN or COMMIT. Once released, a migration is never edited: add a new one.

-- API clients. The key itself is never stored: prefix is its public head (for lookup, safe to
-- show), hash the hex SHA-256 of the whole key. scopes is comma-separated ("orders:read,...").
CREATE TABLE api_keys (
	id           TEXT PRIMARY KEY,
	name         TEXT NOT NULL UNIQUE,
	prefix       TEXT NOT NULL UNIQUE,
	hash         TEXT NOT NULL,
	scopes       TEXT NOT NULL,
	created_at   BIGINT NOT NULL,
	revoked_at   BIGINT,
	last_used_at BIGINT
);

-- Runtime settings that operators change while seam runs (flow pause state, ...).
CREATE TABLE settings (
	key        TEXT PRIMARY KEY,
	value      TEXT NOT NULL,
	updated_at BIGINT NOT NULL
);

-- The cross-system timeline: every step's outcome for an entity (order, payment, product ...),
-- with the correlation id that ties it to logs, jobs and upstream calls.
CREATE TABLE timeline (
	id             TEXT PRIMARY KEY,
	entity_type    TEXT NOT NULL,
	entity_id      TEXT NOT NULL,
	correlation_id TEXT,
	system         TEXT NOT NULL,
	event          TEXT NOT NULL,
	detail         TEXT,
	created_at     BIGINT NOT NULL
);
CREATE INDEX timeline_entity ON timeline (entity_type, entity_id, created_at);
CREATE INDEX timeline_correlation ON timeline (correlation_id);
