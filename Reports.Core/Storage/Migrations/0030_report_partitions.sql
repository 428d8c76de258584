-- The key-range partitions of a large report, each a unit of work any worker of the job's queue may draw: its range,
-- its own checkpoint, lease and rows, and when its claim last moved. The job's worker lays them out and commits the
-- file once every one is done; the maintenance sweep forgets them once the job is final.
-- `partition_claims` numbers the claims of a job's partitions: each claim stages its blocks under an id of its own, so a
-- stale claim's late block never replaces the next one's (the job's attempt does the same for a file read whole).
CREATE TABLE IF NOT EXISTS reports.report_partitions (
    job_id uuid NOT NULL REFERENCES reports.jobs (id) ON DELETE CASCADE,
    number integer NOT NULL CHECK (number >= 0),
    range_from text,
    range_to text,
    checkpoint jsonb NOT NULL,
    rows_written bigint NOT NULL DEFAULT 0,
    done boolean NOT NULL DEFAULT false,
    token integer NOT NULL DEFAULT 0,
    lease_owner text,
    lease_expires_at timestamptz,
    progressed_at timestamptz,
    finished_by text,
    PRIMARY KEY (job_id, number)
);

ALTER TABLE reports.jobs ADD COLUMN IF NOT EXISTS partition_claims integer NOT NULL DEFAULT 0;
