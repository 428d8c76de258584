-- Jobs, their outbox, and the bookkeeping that makes every accepted report run exactly once.
CREATE SCHEMA IF NOT EXISTS reports;

CREATE TABLE reports.jobs (
    id                uuid PRIMARY KEY,
    owner             text        NOT NULL,
    report_type       text        NOT NULL,
    format            text        NOT NULL,
    parameters        jsonb       NOT NULL,
    parameters_hash   text        NOT NULL,
    queue             text        NOT NULL,
    status            text        NOT NULL,
    attempt           integer     NOT NULL DEFAULT 0,   -- the fencing token: bumped by each claim
    max_attempts      integer     NOT NULL,
    lease_owner       text,
    lease_expires_at  timestamptz,
    next_attempt_at   timestamptz,
    checkpoint        jsonb,
    rows_written      bigint      NOT NULL DEFAULT 0,
    rows_total        bigint,
    size_bytes        bigint,
    sha256            text,
    blob_name         text,
    content_type      text,
    file_name         text,
    error             text,
    trace_parent      text,
    idempotency_key   text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    started_at        timestamptz,
    finished_at       timestamptz,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT jobs_status_check CHECK (status IN
        ('queued', 'running', 'retrying', 'succeeded', 'failed', 'cancelling', 'cancelled', 'expired')),
    CONSTRAINT jobs_idempotency_unique UNIQUE (owner, idempotency_key)
);

CREATE INDEX jobs_owner_created ON reports.jobs (owner, created_at DESC, id DESC);
CREATE INDEX jobs_active_lease ON reports.jobs (lease_expires_at) WHERE status IN ('running', 'retrying', 'queued');

-- Jobs accepted but not yet on their queue; the relay publishes and deletes them.
CREATE TABLE reports.outbox (
    id          bigserial PRIMARY KEY,
    job_id      uuid        NOT NULL,
    queue       text        NOT NULL,
    trace_parent text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
