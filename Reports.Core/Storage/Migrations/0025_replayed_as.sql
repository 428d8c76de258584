-- migrate: no-transaction
-- A dead letter that was run again records the job it became. A bulk replay takes a dead letter with one conditional
-- UPDATE (status 'failed', replayed_as null) in the transaction that inserts the copy, and the one-job retry takes it with
-- its own conditional UPDATE (failed → queued, replayed_as null): the row lock decides which one runs it, never both.
-- No transaction: each statement commits on its own, so reports.jobs is locked only for the instant the column is added.
-- Safe to run again (a failed run is retried whole).
ALTER TABLE reports.jobs ADD COLUMN IF NOT EXISTS replayed_as uuid;

-- Dead letters a bulk replay copied before this column existed.
UPDATE reports.jobs AS o SET replayed_as = c.id
FROM reports.jobs AS c
WHERE c.replay_of = o.id AND o.replayed_as IS NULL;
