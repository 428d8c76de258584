-- Notifications of finished reports: one in-app row for the owner, one email row per recipient. Written in the same
-- statement that makes a job final (like webhook deliveries), so none is lost and none is created twice.
ALTER TABLE reports.jobs ADD COLUMN email_recipients text[] NOT NULL DEFAULT '{}';

CREATE TABLE reports.notifications (
    id               uuid PRIMARY KEY,
    owner            text        NOT NULL,
    job_id           uuid        NOT NULL REFERENCES reports.jobs (id) ON DELETE CASCADE,
    job_attempt      integer     NOT NULL,
    event            text        NOT NULL,
    channel          text        NOT NULL CHECK (channel IN ('in-app', 'email')),
    recipient        text        NOT NULL DEFAULT '',
    status           text        NOT NULL CHECK (status IN ('unread', 'read', 'pending', 'sent', 'failed')),
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    read_at          timestamptz,
    CONSTRAINT notifications_once UNIQUE (job_id, job_attempt, event, channel, recipient)
);
CREATE INDEX notifications_owner ON reports.notifications (owner, created_at DESC);
CREATE INDEX notifications_due ON reports.notifications (next_attempt_at) WHERE status = 'pending';
