-- migrate: no-transaction
-- No transaction (the rule in docs/configuration.md, "Migrations"): reports.jobs is locked ACCESS EXCLUSIVE only for the
-- instants of ADD COLUMN and of swapping its status check (added NOT VALID, then validated without blocking writes), and
-- its indexes are rebuilt CONCURRENTLY under a temporary name, then renamed. Every statement is safe to run again.
-- Schedules you can audit: every change a caller makes to a schedule (created, updated, paused, resumed, deleted), who
-- made it and when, written in the transaction of the change. No foreign key: a deleted schedule keeps its history,
-- and the owner column keeps it readable by that owner only.
CREATE TABLE IF NOT EXISTS reports.schedule_changes (
    id          bigserial   PRIMARY KEY,
    schedule_id uuid        NOT NULL,
    owner       text        NOT NULL,
    action      text        NOT NULL CHECK (action IN ('created', 'updated', 'paused', 'resumed', 'deleted')),
    changes     jsonb       NOT NULL,   -- {"field": {"old": …, "new": …}} for the fields that changed
    actor       text        NOT NULL,   -- the caller's owner name
    actor_key   uuid,                   -- the caller's API key id
    changed_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS schedule_changes_schedule ON reports.schedule_changes (schedule_id, id DESC);

-- Processing windows: a job whose queue or report type is outside its hours waits ('waiting', with the reason and
-- next_attempt_at = when the window opens), holding no worker slot and no message; the sweeper queues it again then.
ALTER TABLE reports.jobs DROP CONSTRAINT IF EXISTS jobs_status_check, ADD CONSTRAINT jobs_status_check CHECK (status IN
    ('queued', 'waiting', 'running', 'retrying', 'succeeded', 'failed', 'cancelling', 'cancelled', 'expired')) NOT VALID;
ALTER TABLE reports.jobs VALIDATE CONSTRAINT jobs_status_check;
ALTER TABLE reports.jobs ADD COLUMN IF NOT EXISTS wait_reason text;

-- The sweeper takes due waits with due retries, from one index range.
DROP INDEX CONCURRENTLY IF EXISTS reports.jobs_due_retries_0024;
CREATE INDEX CONCURRENTLY jobs_due_retries_0024 ON reports.jobs (next_attempt_at) WHERE status IN ('retrying', 'waiting');
DROP INDEX CONCURRENTLY IF EXISTS reports.jobs_due_retries;
ALTER INDEX reports.jobs_due_retries_0024 RENAME TO jobs_due_retries;

-- A waiting job counts in its owner's active-job quota like a queued one.
DROP INDEX CONCURRENTLY IF EXISTS reports.jobs_owner_unfinished_0024;
CREATE INDEX CONCURRENTLY jobs_owner_unfinished_0024 ON reports.jobs (owner) WHERE status IN ('queued', 'waiting', 'retrying', 'running', 'cancelling');
DROP INDEX CONCURRENTLY IF EXISTS reports.jobs_owner_unfinished;
ALTER INDEX reports.jobs_owner_unfinished_0024 RENAME TO jobs_owner_unfinished;

-- A running job goes to 'waiting' only when its lease expired (its worker died) and the job was then found outside its
-- window: that attempt's outcome is lease_lost, as for a takeover.
CREATE OR REPLACE FUNCTION reports.record_job_attempt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.attempt > OLD.attempt THEN
        -- A claim. If the previous attempt was still open, its worker lost the lease and another took the job over.
        UPDATE reports.job_attempts SET ended_at = NEW.updated_at, outcome = 'lease_lost', rows_written = OLD.rows_written
        WHERE job_id = NEW.id AND attempt = OLD.attempt AND ended_at IS NULL;
        INSERT INTO reports.job_attempts (job_id, attempt, worker, started_at)
        VALUES (NEW.id, NEW.attempt, NEW.lease_owner, NEW.updated_at)
        ON CONFLICT DO NOTHING;
    ELSIF OLD.status IN ('running', 'cancelling') AND NEW.status NOT IN ('running', 'cancelling') THEN
        UPDATE reports.job_attempts
        SET ended_at = NEW.updated_at,
            outcome = CASE NEW.status WHEN 'queued' THEN 'released' WHEN 'waiting' THEN 'lease_lost' ELSE NEW.status END,
            error_code = NEW.error_code, error = NEW.error, rows_written = NEW.rows_written
        WHERE job_id = NEW.id AND attempt = NEW.attempt AND ended_at IS NULL;
    END IF;
    RETURN NULL;
END $$;
