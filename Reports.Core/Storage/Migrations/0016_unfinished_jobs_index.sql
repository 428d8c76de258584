-- Every worker's sweeper looks for stranded jobs every few seconds: due retries, expired leases, queued jobs untouched
-- for long, cancels nobody confirmed. All are unfinished jobs, few beside the finished ones the table keeps, so one
-- partial index over those turns each pass from a scan of the whole table into a read of a handful of rows.
-- It replaces jobs_active_lease, which no query could use (each arm of the sweep filters on another column).
CREATE INDEX jobs_unfinished ON reports.jobs (status, updated_at) WHERE status IN ('queued', 'retrying', 'running', 'cancelling');
DROP INDEX reports.jobs_active_lease;
