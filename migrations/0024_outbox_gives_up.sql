-- The outbox (#15): a message claimed by a node is leased (next_attempt_at moves past the send),
-- so no transaction is held across an SMTP conversation; after the configured number of
-- attempts it is given up on, marked failed and shown as such on the outbox page.
ALTER TABLE outbox ADD COLUMN failed_at timestamptz;
DROP INDEX outbox_due_idx;
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
