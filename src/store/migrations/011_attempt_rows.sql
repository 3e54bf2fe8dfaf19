-- 011_attempt_rows: an attempt row is written when an attempt ends other than in success (retry,
-- deferred, dead, lease expired, canceled) and for operator actions; the attempt that is running
-- and the one that succeeded are the job row itself (state, attempts, started_at, finished_at,
-- lease_owner), so a job that succeeds on its first try costs one UPDATE to lease and one to
-- complete, no attempt row (docs/queue.md, "Attempts").
ALTER TABLE jobs ADD COLUMN started_at BIGINT;               -- when the current or last lease began

-- Stores migrated from before: the running and succeeded attempts move onto their job.
UPDATE jobs SET started_at = (
	SELECT MAX(a.started_at) FROM job_attempts a
	WHERE a.job_id = jobs.id AND a.outcome IN ('running', 'succeeded'))
WHERE state IN ('running', 'succeeded');
UPDATE jobs SET lease_owner = (
	SELECT a.lease_owner FROM job_attempts a
	WHERE a.job_id = jobs.id AND a.outcome = 'succeeded' ORDER BY a.started_at DESC LIMIT 1)
WHERE state = 'succeeded' AND lease_owner IS NULL;
DELETE FROM job_attempts WHERE outcome IN ('running', 'succeeded');

-- Every attempt, as the table held them before: the rows, then the running or succeeded attempt
-- from its job (its id is the job's). Readers of a job's history (seam ctl jobs show, GET
-- /v1/jobs/{id}) read this.
CREATE VIEW job_attempt_log AS
	SELECT id, job_id, attempt, started_at, finished_at, outcome, error, lease_owner
	FROM job_attempts
	UNION ALL
	SELECT id, id, attempts, started_at,
	       CASE WHEN state = 'succeeded' THEN finished_at END, state, NULL, lease_owner
	FROM jobs WHERE state IN ('running', 'succeeded');
