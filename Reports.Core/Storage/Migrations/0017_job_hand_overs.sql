-- attempt is the fencing token: every claim bumps it, including the claim that follows a hand-over (a release on
-- shutdown or scale-in, or a restart after storage lost the job's blocks). Hand-overs are not failures, so they are
-- counted apart: the attempts a job has used against max_attempts are attempt - released.
ALTER TABLE reports.jobs ADD COLUMN released integer NOT NULL DEFAULT 0;
