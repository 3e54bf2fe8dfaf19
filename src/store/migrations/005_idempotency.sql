-- 005_idempotency: Idempotency-Key on the unsafe methods of /v1 (src/api/idempotency.h).
--
-- One row per (API key name, Idempotency-Key). fingerprint is the hex SHA-256 of the request
-- (method, path, body): the same key with another fingerprint is refused. state 'running'
-- while the first request is being handled, with locked_until as its lease (a crashed request
-- stops blocking the key once it passes); 'done' with the stored answer (status, content type,
-- the headers that matter as a JSON object, the body) once the handler answered. Rows are
-- deleted once expires_at (created_at + idempotency.ttl) has passed.
CREATE TABLE idempotency_keys (
	api_key      TEXT NOT NULL,
	idem_key     TEXT NOT NULL,
	fingerprint  TEXT NOT NULL,
	state        TEXT NOT NULL,
	status       INTEGER,
	content_type TEXT,
	headers      TEXT,
	body         TEXT,
	created_at   BIGINT NOT NULL,
	locked_until BIGINT NOT NULL,
	expires_at   BIGINT NOT NULL,
	PRIMARY KEY (api_key, idem_key),
	CONSTRAINT idempotency_state_ck CHECK (state IN ('running', 'done'))
);
CREATE INDEX idempotency_expires ON idempotency_keys (expires_at);
