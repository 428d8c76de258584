-- migrate: no-transaction
-- A replay whose runner waits for the queues to drain (backpressure) says since when. One replay of each kind steps at a
-- time; a held one does not count, so a replay into a queue that is backed up (or waits for its processing window) never
-- keeps the others from running. A nullable column without a default: no rewrite, an instant lock. Safe to run again.
ALTER TABLE reports.replays ADD COLUMN IF NOT EXISTS held_since timestamptz;
