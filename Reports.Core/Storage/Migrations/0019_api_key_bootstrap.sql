-- The key that came from Reports:Auth:BootstrapAdminKey is marked, so that a changed or removed setting revokes it
-- at the next start. Keys registered before this migration are found by the name the API gave them.
ALTER TABLE reports.api_keys ADD COLUMN bootstrap boolean NOT NULL DEFAULT false;
UPDATE reports.api_keys SET bootstrap = true WHERE name = 'bootstrap admin key';
