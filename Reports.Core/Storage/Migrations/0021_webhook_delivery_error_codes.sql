-- A failed delivery stores a stable code and a fixed text for it, never an exception's text (hosts, ports, internal
-- messages). Errors stored before are replaced by a text that says nothing of them.
ALTER TABLE reports.webhook_deliveries ADD COLUMN last_error_code text;

UPDATE reports.webhook_deliveries
SET last_error = 'The delivery failed.', last_error_code = 'unknown'
WHERE last_error IS NOT NULL;
