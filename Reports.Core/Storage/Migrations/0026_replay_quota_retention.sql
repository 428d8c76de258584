-- migrate: no-transaction
-- Jobs a bulk replay made (replay_of set) are an operator's action, held back by the replay's own backpressure: they do
-- not count in their owner's quota of unfinished jobs, so a big replay never locks an owner out (429s, skipped schedule
-- fires). The quota's partial index leaves them out too. Rebuilt CONCURRENTLY under a temporary name, then renamed (the
-- rule in docs/configuration.md, "Migrations"); safe to run again.
DROP INDEX CONCURRENTLY IF EXISTS reports.jobs_owner_unfinished_0026;
CREATE INDEX CONCURRENTLY jobs_owner_unfinished_0026 ON reports.jobs (owner)
    WHERE status IN ('queued', 'waiting', 'retrying', 'running', 'cancelling') AND replay_of IS NULL;
DROP INDEX CONCURRENTLY IF EXISTS reports.jobs_owner_unfinished;
ALTER INDEX reports.jobs_owner_unfinished_0026 RENAME TO jobs_owner_unfinished;

-- Retention of replays and schedule history: finished replays (and their members, by cascade) and schedule changes
-- older than their retention are deleted by the retention sweep in batches, oldest first.
DROP INDEX CONCURRENTLY IF EXISTS reports.replays_finished;
CREATE INDEX CONCURRENTLY replays_finished ON reports.replays (finished_at) WHERE finished_at IS NOT NULL;
DROP INDEX CONCURRENTLY IF EXISTS reports.schedule_changes_changed;
CREATE INDEX CONCURRENTLY schedule_changes_changed ON reports.schedule_changes (changed_at);
