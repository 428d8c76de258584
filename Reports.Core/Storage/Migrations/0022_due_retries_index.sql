-- The sweeper's due retries: status = 'retrying' AND next_attempt_at <= now, earliest first. Through jobs_unfinished
-- (status, updated_at) a pass read every retrying job, due or waiting out a backoff of hours; this partial index reads
-- only the due ones, in the order the sweep takes them.
CREATE INDEX jobs_due_retries ON reports.jobs (next_attempt_at) WHERE status = 'retrying';
