-- In-portal notifications: who must hear about an incident event, one row per recipient.
CREATE TABLE notifications (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id   uuid NOT NULL REFERENCES agencies (id),
    user_id     uuid NOT NULL REFERENCES users (id),
    incident_id uuid NOT NULL REFERENCES incidents (id),
    kind        text NOT NULL,
    number      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    read_at     timestamptz
);
CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;

-- Anyone acting may notify (the domain decides who); only the recipient reads or marks read.
ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
CREATE POLICY notifications_send ON notifications FOR INSERT WITH CHECK (true);
CREATE POLICY notifications_read ON notifications FOR SELECT
    USING (user_id = nullif(current_setting('portal.user_id', true), '')::uuid);
CREATE POLICY notifications_mark ON notifications FOR UPDATE
    USING (user_id = nullif(current_setting('portal.user_id', true), '')::uuid);
GRANT SELECT, INSERT ON notifications TO portal_app;
GRANT UPDATE (read_at) ON notifications TO portal_app;
