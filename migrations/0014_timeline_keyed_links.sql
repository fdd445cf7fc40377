-- The timeline's links become HMAC-SHA-256 under a key kept outside the database (issue #14):
-- a plain SHA-256 chain can be recomputed by anyone who can write the table. Rows already here
-- are plain-linked (1); the portal re-links them under the key once, at start-up, because the
-- key is not in the database and so cannot be used here. New rows say how they are linked (2);
-- no default, so that nothing inserts a row without choosing.
ALTER TABLE timeline_entries ADD COLUMN link_version smallint NOT NULL DEFAULT 1
    CHECK (link_version IN (1, 2));
ALTER TABLE timeline_entries ALTER COLUMN link_version DROP DEFAULT;
