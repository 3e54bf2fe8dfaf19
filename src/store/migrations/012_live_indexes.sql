-- 012_live_indexes: the jobs indexes that serve leasing, bulkheads, the reaper and dead-letter
-- listings cover only the states those look for. A succeeded job (most rows) leaves them when
-- it completes and an enqueue writes one index entry less: less b-tree work on the group
-- committer's path (docs/performance.md). Queries name the state as a literal so SQLite can
-- prove a partial index applies (a term of the query equal to a term of the index's OR).
DROP INDEX jobs_flow_state_run_at;
CREATE INDEX jobs_flow_state_run_at ON jobs (flow, state, run_at)
	WHERE state = 'queued' OR state = 'running' OR state = 'dead';
DROP INDEX jobs_state_lease;
CREATE INDEX jobs_state_lease ON jobs (state, lease_expires_at)
	WHERE state = 'running' OR state = 'dead';
