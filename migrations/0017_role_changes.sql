-- Role changes (issue #14): every grant and removal an administrator makes is recorded; a grant
-- waits here until a second person (another administrator or the agency's CISO) confirms it.
CREATE TABLE role_changes (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id    uuid NOT NULL REFERENCES agencies (id),
    user_id      uuid NOT NULL REFERENCES users (id),
    granted      text[] NOT NULL DEFAULT '{}',
    removed      text[] NOT NULL DEFAULT '{}',
    requested_by uuid NOT NULL REFERENCES users (id),
    requested_at timestamptz NOT NULL DEFAULT now(),
    -- pending → confirmed | rejected | withdrawn (a newer request replaced it); removals: applied.
    state        text NOT NULL CHECK (state IN ('pending', 'confirmed', 'rejected', 'withdrawn', 'applied')),
    decided_by   uuid REFERENCES users (id),
    decided_at   timestamptz,
    CHECK (decided_by IS NULL OR decided_by <> requested_by)
);
CREATE INDEX role_changes_agency ON role_changes (agency_id, state, requested_at);

ALTER TABLE role_changes ENABLE ROW LEVEL SECURITY;
CREATE POLICY role_changes_own_agency ON role_changes
    USING (agency_id = (SELECT portal_acting_agency()))
    WITH CHECK (agency_id = (SELECT portal_acting_agency()));
GRANT SELECT, INSERT ON role_changes TO portal_app;
GRANT UPDATE (state, decided_by, decided_at) ON role_changes TO portal_app;
