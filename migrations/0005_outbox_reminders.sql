-- E-mail goes through an outbox (survives restarts, retried with backoff); reminders are
-- claimed with FOR UPDATE SKIP LOCKED so that several portal processes send each one once.
CREATE TABLE outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id       uuid NOT NULL REFERENCES agencies (id),
    user_id         uuid REFERENCES users (id),
    to_address      text NOT NULL,
    subject         text NOT NULL,
    body            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    last_error      text
);
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at) WHERE sent_at IS NULL;
CREATE INDEX outbox_agency_idx ON outbox (agency_id, created_at DESC);

CREATE TABLE reminders (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id   uuid NOT NULL REFERENCES agencies (id),
    incident_id uuid NOT NULL REFERENCES incidents (id),
    kind        text NOT NULL,
    due_at      timestamptz NOT NULL,
    fire_at     timestamptz NOT NULL,
    sent_at     timestamptz,
    UNIQUE (incident_id, kind, due_at)
);
CREATE INDEX reminders_due_idx ON reminders (fire_at) WHERE sent_at IS NULL;

-- The deadlines the scheduler looks for, open ones only.
CREATE INDEX incidents_containment_open_idx ON incidents (containment_due) WHERE containment_completed_at IS NULL;
CREATE INDEX incidents_report_open_idx ON incidents (report_submission_due) WHERE report_submitted_at IS NULL;

-- An agency administrator sees their agency's mail; the scheduler runs as the owner.
ALTER TABLE outbox ENABLE ROW LEVEL SECURITY;
CREATE POLICY outbox_send ON outbox FOR INSERT WITH CHECK (true);
CREATE POLICY outbox_own_agency ON outbox FOR SELECT USING (agency_id = (SELECT portal_acting_agency()));
ALTER TABLE reminders ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON outbox TO portal_app;
