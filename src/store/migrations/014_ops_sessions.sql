-- 014_ops_sessions: the operator dashboard's sessions (src/auth/sessions.h, docs/dashboard.md).
--
-- One row per login at /ops/. The session id (the HttpOnly cookie's value) is never stored:
-- id_hash is its hex SHA-256. key_name is the API key the session acts as (api_keys.name,
-- unique and never reused): its scopes and its revocation are read from api_keys on every
-- request, so revoking the key ends its sessions. csrf_token must accompany every unsafe
-- request the session makes (X-CSRF-Token). Rows past expires_at are refused and deleted by
-- the next login (one indexed range delete).
CREATE TABLE ops_sessions (
	id_hash    TEXT PRIMARY KEY,
	key_name   TEXT NOT NULL,
	csrf_token TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX ops_sessions_expires ON ops_sessions (expires_at);
