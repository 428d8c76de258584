-- A machine-readable code beside each job's error message (timeout, limit_exceeded, attempts_exhausted, ...).
ALTER TABLE reports.jobs ADD COLUMN error_code text;
