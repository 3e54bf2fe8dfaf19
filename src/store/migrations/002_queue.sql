-- 002_queue: the durable job engine (src/queue/queue.h explains states, leases and retries).
--
-- jobs          one row per unit of work; dead letters are jobs in state 'dead'.
-- job_attempts  one row per run (and per operator action), so every attempt's error is kept.
-- flows         kill switch (paused) and bulkhead (max_concurrency, 0 = unlimited) per flow;
--               every flow that has jobs has a row (enqueue upserts it).
-- schedules     recurring jobs; next_run_at is claimed with a conditional UPDATE.

CREATE TABLE jobs (
	id               TEXT PRIMARY KEY,
	kind             TEXT NOT NULL,
	flow             TEXT NOT NULL,
	dedup_key        TEXT,
	payload          TEXT NOT NULL,
	state            TEXT NOT NULL,
	attempts         INTEGER NOT NULL DEFAULT 0,
	max_attempts     INTEGER NOT NULL,
	run_at           BIGINT NOT NULL,
	lease_owner      TEXT,
	lease_expires_at BIGINT,
	correlation_id   TEXT,
	last_error       TEXT,
	created_at       BIGINT NOT NULL,
	updated_at       BIGINT NOT NULL,
	finished_at      BIGINT,
	CONSTRAINT jobs_state_ck CHECK (state IN ('queued', 'running', 'succeeded', 'dead', 'canceled')),
	CONSTRAINT jobs_flow_dedup_uq UNIQUE (flow, dedup_key)
);
-- Leasing (next runnable per flow), running counts per flow (bulkheads), depth gauges.
CREATE INDEX jobs_flow_state_run_at ON jobs (flow, state, run_at);
-- Lease reaper (running and expired), dead-letter listing.
CREATE INDEX jobs_state_lease ON jobs (state, lease_expires_at);
-- Tracing one correlation id across jobs.
CREATE INDEX jobs_correlation ON jobs (correlation_id);

CREATE TABLE job_attempts (
	id          TEXT PRIMARY KEY,
	job_id      TEXT NOT NULL,
	attempt     INTEGER NOT NULL,
	started_at  BIGINT NOT NULL,
	finished_at BIGINT,
	outcome     TEXT NOT NULL,
	error       TEXT,
	lease_owner TEXT
);
CREATE INDEX job_attempts_job ON job_attempts (job_id, started_at);

CREATE TABLE flows (
	name            TEXT PRIMARY KEY,
	paused          INTEGER NOT NULL DEFAULT 0,
	max_concurrency INTEGER NOT NULL DEFAULT 0,
	updated_at      BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE schedules (
	name        TEXT PRIMARY KEY,
	flow        TEXT NOT NULL,
	kind        TEXT NOT NULL,
	interval_ms BIGINT NOT NULL,
	next_run_at BIGINT NOT NULL,
	payload     TEXT NOT NULL,
	updated_at  BIGINT NOT NULL
);
