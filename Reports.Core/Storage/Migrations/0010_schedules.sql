-- Schedules: reports produced on a cron expression in a time zone, each fire time at most once.
CREATE TABLE reports.schedules (
    id               uuid PRIMARY KEY,
    owner            text        NOT NULL,
    name             text        NOT NULL,
    report_type      text        NOT NULL,
    format           text        NOT NULL,
    parameters       jsonb       NOT NULL,   -- may hold relative dates ("-1 month start"), resolved at each fire time
    cron             text        NOT NULL,
    time_zone        text        NOT NULL,
    paused           boolean     NOT NULL DEFAULT false,
    missed_policy    text        NOT NULL DEFAULT 'fire-once' CHECK (missed_policy IN ('fire-once', 'skip')),
    webhook_url      text,
    email_recipients text[]      NOT NULL DEFAULT '{}',
    next_fire_at     timestamptz,
    last_fire_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX schedules_due ON reports.schedules (next_fire_at) WHERE NOT paused;
CREATE INDEX schedules_owner ON reports.schedules (owner, created_at DESC);

ALTER TABLE reports.jobs ADD COLUMN schedule_id uuid REFERENCES reports.schedules (id) ON DELETE SET NULL;
ALTER TABLE reports.jobs ADD COLUMN fire_time timestamptz;
-- A fire time creates at most one job, however many schedulers run.
CREATE UNIQUE INDEX jobs_schedule_fire_time ON reports.jobs (schedule_id, fire_time) WHERE schedule_id IS NOT NULL;

-- When a finished report's file is deleted (retention); set when it succeeds.
ALTER TABLE reports.jobs ADD COLUMN expires_at timestamptz;
CREATE INDEX jobs_expiring ON reports.jobs (expires_at) WHERE status = 'succeeded';
