-- The audit log (#14 item 7): every grant, removal, disable, enable, token issue and revoke, MFA
-- change and every view or download of a 密件 report, one keyed hash chain per agency (HMAC
-- under the timeline key, which the database does not hold: db::audit), append-only.
CREATE TABLE audit_log (
    agency_id  uuid NOT NULL REFERENCES agencies (id),
    seq        bigint NOT NULL,
    at         timestamptz NOT NULL DEFAULT now(),
    actor_id   uuid REFERENCES users (id),
    subject_id uuid REFERENCES users (id),
    incident_id uuid REFERENCES incidents (id),
    kind       text NOT NULL CHECK (kind ~ '^[a-z_]{3,40}$'),
    detail     text NOT NULL DEFAULT '' CHECK (length(detail) <= 2000),
    prev_hash  bytea NOT NULL,
    hash       bytea NOT NULL,
    PRIMARY KEY (agency_id, seq)
);
CREATE INDEX audit_log_at_idx ON audit_log (agency_id, at DESC);

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_log_read ON audit_log FOR SELECT
    USING ((SELECT portal_sees_all()) OR agency_id = ANY ((SELECT portal_visible_agencies())::uuid[]));
-- An entry belongs to the agency where it happened: the acting user's, or for a 密件 report the
-- incident's (a supervising agency's view is logged in the incident's agency's chain).
CREATE POLICY audit_log_append ON audit_log FOR INSERT
    WITH CHECK (agency_id = (SELECT portal_acting_agency())
                OR agency_id = ANY ((SELECT portal_visible_agencies())::uuid[])
                OR (SELECT portal_sees_all()));
GRANT SELECT, INSERT ON audit_log TO portal_app;
