-- migrate: no-transaction
-- A job records the version of its report's definition it was accepted with (16 hex digits of the SHA-256 of the
-- definition's canonical form). A worker whose catalog holds another version fails the job with 'definition_changed'
-- instead of running a definition the caller never saw. Null for jobs accepted before this column, and for replayed
-- dead letters (an operator's rerun takes the definition of the day): not checked. Safe to run again.
ALTER TABLE reports.jobs ADD COLUMN IF NOT EXISTS definition_version text;
