-- migrate: no-transaction
-- A worker claims jobs ahead of its free slots (read-ahead). When it dies, or loses PostgreSQL for longer than a lease,
-- the jobs it had claimed but not started are taken over like the one it was running. `entered_attempt` is the last
-- attempt that entered a job slot (written shortly after it did, unless the job ended first): a takeover of an attempt
-- that never did counts as released, not against max_attempts. At most max_attempts takeovers of a job count so
-- (`unstarted_takeovers`), so a job that kills its worker before its entry is written still runs out of attempts.
-- Adding the columns is instant (no rewrite); the attempts running now count as entered. Safe to run again.
ALTER TABLE reports.jobs ADD COLUMN IF NOT EXISTS entered_attempt integer;
ALTER TABLE reports.jobs ADD COLUMN IF NOT EXISTS unstarted_takeovers integer NOT NULL DEFAULT 0;
UPDATE reports.jobs SET entered_attempt = attempt WHERE status IN ('running', 'cancelling') AND entered_attempt IS NULL;

-- An attempt taken over is recorded as released when the takeover counted it so, otherwise as lease_lost; so is one
-- the sweep puts back on the queue, or to wait for its window, after its lease ran out (before, every sweep back on the
-- queue was recorded as released).
CREATE OR REPLACE FUNCTION reports.record_job_attempt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.attempt > OLD.attempt THEN
        -- A claim. If the previous attempt was still open, its worker lost the lease and another took the job over.
        UPDATE reports.job_attempts
        SET ended_at = NEW.updated_at, outcome = CASE WHEN NEW.released > OLD.released THEN 'released' ELSE 'lease_lost' END,
            rows_written = OLD.rows_written
        WHERE job_id = NEW.id AND attempt = OLD.attempt AND ended_at IS NULL;
        INSERT INTO reports.job_attempts (job_id, attempt, worker, started_at)
        VALUES (NEW.id, NEW.attempt, NEW.lease_owner, NEW.updated_at)
        ON CONFLICT DO NOTHING;
    ELSIF OLD.status IN ('running', 'cancelling') AND NEW.status NOT IN ('running', 'cancelling') THEN
        UPDATE reports.job_attempts
        SET ended_at = NEW.updated_at,
            outcome = CASE
                WHEN NEW.status IN ('queued', 'waiting') AND NEW.released > OLD.released THEN 'released'
                WHEN NEW.status IN ('queued', 'waiting') THEN 'lease_lost'
                ELSE NEW.status END,
            error_code = NEW.error_code, error = NEW.error, rows_written = NEW.rows_written
        WHERE job_id = NEW.id AND attempt = NEW.attempt AND ended_at IS NULL;
    END IF;
    RETURN NULL;
END $$;
