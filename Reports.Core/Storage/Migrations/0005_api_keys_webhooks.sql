-- API keys: stored only as a SHA-256 hash of the secret part, found by a short public prefix.
CREATE TABLE reports.api_keys (
    id            uuid PRIMARY KEY,
    prefix        text        NOT NULL UNIQUE,
    secret_hash   bytea       NOT NULL,
    owner         text        NOT NULL,
    role          text        NOT NULL CHECK (role IN ('user', 'admin')),
    name          text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    last_used_at  timestamptz
);
CREATE INDEX api_keys_owner ON reports.api_keys (owner);

-- Per-owner settings: the secret that signs this owner's webhooks (rotatable).
CREATE TABLE reports.owners (
    owner                text PRIMARY KEY,
    webhook_secret       text        NOT NULL,
    secret_rotated_at    timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE reports.jobs ADD COLUMN webhook_url text;
CREATE INDEX jobs_owner_status ON reports.jobs (owner, status);

-- Webhook deliveries: written in the same statement that makes a job final (the outbox of notifications),
-- then sent, retried with backoff, and kept as the record a client can inspect.
CREATE TABLE reports.webhook_deliveries (
    id                uuid PRIMARY KEY,
    job_id            uuid        NOT NULL REFERENCES reports.jobs (id) ON DELETE CASCADE,
    url               text        NOT NULL,
    event             text        NOT NULL,
    job_attempt       integer     NOT NULL,
    status            text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts          integer     NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz NOT NULL DEFAULT now(),
    last_status_code  integer,
    last_error        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    delivered_at      timestamptz,
    CONSTRAINT webhook_deliveries_once UNIQUE (job_id, job_attempt, event)
);
CREATE INDEX webhook_deliveries_due ON reports.webhook_deliveries (next_attempt_at) WHERE status = 'pending';
