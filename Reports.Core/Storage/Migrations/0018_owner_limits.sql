-- Limits nobody can go around, and a sweeper that neither hides a backlog's age nor floods the streams.

-- The active-job quota is counted at every create (API, idempotent or not, and scheduler) under a per-owner lock:
-- this index makes that count a read of the owner's unfinished jobs only, however many finished ones it keeps.
CREATE INDEX jobs_owner_unfinished ON reports.jobs (owner) WHERE status IN ('queued', 'retrying', 'running', 'cancelling');

-- When the sweeper last put a queued job back on the outbox. It used to move updated_at, which is the time the job
-- entered the queue (what the operations page ages it from): now that stays, and this says when to publish again.
ALTER TABLE reports.jobs ADD COLUMN republished_at timestamptz;
CREATE INDEX jobs_queued_published ON reports.jobs (greatest(updated_at, republished_at), id) WHERE status = 'queued';
-- A queued job whose outbox row still waits is not put on the outbox again (the sweeper asks per job).
CREATE INDEX outbox_job ON reports.outbox (job_id);

-- Retention claims the files it deletes until this time, in a short transaction of its own, so no row stays locked
-- while blob storage is called over the network; a cleaner that dies leaves the claim to run out.
ALTER TABLE reports.jobs ADD COLUMN expiry_claimed_until timestamptz;

-- Fire times a schedule did not fire because its owner was at the active-job quota: counted and shown, never silent.
ALTER TABLE reports.schedules ADD COLUMN skipped_fires bigint NOT NULL DEFAULT 0;
ALTER TABLE reports.schedules ADD COLUMN last_skipped_fire_at timestamptz;
