-- One row per attempt of a job, with the worker that ran it, its timings and how it ended: what an operator reads
-- to see why a job failed. Written by a trigger on the jobs table, so every claim, takeover and outcome is recorded
-- in the same transaction as the change itself, whichever code path made it.
CREATE TABLE reports.job_attempts (
    job_id       uuid        NOT NULL REFERENCES reports.jobs (id) ON DELETE CASCADE,
    attempt      integer     NOT NULL,
    worker       text,
    started_at   timestamptz NOT NULL,
    ended_at     timestamptz,
    outcome      text,        -- succeeded, failed, retrying, cancelled, released (given back), lease_lost (taken over)
    error_code   text,
    error        text,
    rows_written bigint,
    PRIMARY KEY (job_id, attempt)
);

CREATE FUNCTION reports.record_job_attempt() RETURNS trigger LANGUAGE plpgsql AS $$
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
            outcome = CASE NEW.status WHEN 'queued' THEN 'released' ELSE NEW.status END,
            error_code = NEW.error_code, error = NEW.error, rows_written = NEW.rows_written
        WHERE job_id = NEW.id AND attempt = NEW.attempt AND ended_at IS NULL;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_record_attempt AFTER UPDATE ON reports.jobs
    FOR EACH ROW WHEN (NEW.attempt <> OLD.attempt OR NEW.status <> OLD.status)
    EXECUTE FUNCTION reports.record_job_attempt();

-- The operations page counts jobs finished per minute and per state over the last hour.
CREATE INDEX jobs_finished_at ON reports.jobs (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX jobs_created_at ON reports.jobs (created_at);
