-- migrate: no-transaction
-- Bulk replay (issue 23): a replay is a selection of dead letters (or of webhook deliveries that gave up), taken once
-- when the replay is created, and worked through in order at a bounded rate by one runner at a time (a lease on the
-- replay row, fenced by a counter that each claim bumps).
-- No transaction (the rule in docs/configuration.md, "Migrations"): the indexes on reports.jobs and
-- reports.webhook_deliveries are built CONCURRENTLY, so neither table is locked against writes while they build. Every
-- statement is safe to run again: a run that failed halfway is started over.
CREATE TABLE IF NOT EXISTS reports.replays (
    id                uuid PRIMARY KEY,
    kind              text        NOT NULL CHECK (kind IN ('jobs', 'webhooks')),
    status            text        NOT NULL CHECK (status IN ('running', 'paused', 'cancelled', 'completed')),
    filter            jsonb       NOT NULL,
    created_by        text        NOT NULL,
    selected          integer     NOT NULL,
    replayed          integer     NOT NULL DEFAULT 0,
    skipped           integer     NOT NULL DEFAULT 0,
    failed            integer     NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    finished_at       timestamptz,
    lease_owner       text,
    lease_expires_at  timestamptz,
    fence             bigint      NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS replays_created ON reports.replays (created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS replays_running ON reports.replays (lease_expires_at) WHERE status = 'running';

-- The members of a replay, in the order they are replayed; outcome is null until the runner reaches them.
CREATE TABLE IF NOT EXISTS reports.replay_items (
    replay_id    uuid        NOT NULL REFERENCES reports.replays (id) ON DELETE CASCADE,
    position     integer     NOT NULL,
    item_id      uuid        NOT NULL,
    outcome      text        CHECK (outcome IN ('replayed', 'skipped', 'failed')),
    replayed_as  uuid,
    done_at      timestamptz,
    PRIMARY KEY (replay_id, position)
);
CREATE INDEX IF NOT EXISTS replay_items_pending ON reports.replay_items (replay_id, position) WHERE outcome IS NULL;

-- A replayed dead letter is a new job that links to its original; the unique index is what makes a replay idempotent
-- by job: however many replays select a dead letter, at most one new job is ever made from it. (Each index is dropped
-- first: a concurrent build that failed leaves an invalid index behind, which IF NOT EXISTS would keep.)
ALTER TABLE reports.jobs ADD COLUMN IF NOT EXISTS replay_of uuid;
DROP INDEX CONCURRENTLY IF EXISTS reports.jobs_replay_of;
CREATE UNIQUE INDEX CONCURRENTLY jobs_replay_of ON reports.jobs (replay_of) WHERE replay_of IS NOT NULL;
DROP INDEX CONCURRENTLY IF EXISTS reports.jobs_dead_letters;
CREATE INDEX CONCURRENTLY jobs_dead_letters ON reports.jobs (finished_at, id) WHERE status = 'failed';

-- A delivery that gave up can be replayed: it keeps its id, and its retry window starts again from the replay.
ALTER TABLE reports.webhook_deliveries ADD COLUMN IF NOT EXISTS failed_at timestamptz;
ALTER TABLE reports.webhook_deliveries ADD COLUMN IF NOT EXISTS retry_from timestamptz;
ALTER TABLE reports.webhook_deliveries ADD COLUMN IF NOT EXISTS replays integer NOT NULL DEFAULT 0;
-- The attempts made before the last replay: the backoff after a replay starts again from its first step.
ALTER TABLE reports.webhook_deliveries ADD COLUMN IF NOT EXISTS attempts_before_replay integer NOT NULL DEFAULT 0;
UPDATE reports.webhook_deliveries SET failed_at = next_attempt_at WHERE status = 'failed' AND failed_at IS NULL;
DROP INDEX CONCURRENTLY IF EXISTS reports.webhook_deliveries_failed;
CREATE INDEX CONCURRENTLY webhook_deliveries_failed ON reports.webhook_deliveries (failed_at, id) WHERE status = 'failed';
