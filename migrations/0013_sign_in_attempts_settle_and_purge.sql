-- An attempt is recorded as failed before its password is checked (so that concurrent guesses
-- are counted: src/services/auth.rs) and marked succeeded afterwards when the password was right.
GRANT UPDATE (succeeded) ON sign_in_attempts TO portal_app;

-- Attempts past the retention period are deleted by the jobs loop (src/jobs.rs); this index
-- lets it find them without reading the whole table.
CREATE INDEX sign_in_attempts_at_idx ON sign_in_attempts (at);
