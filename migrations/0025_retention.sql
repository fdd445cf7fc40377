-- Retention, legal hold and personal-data redaction (#15; 檔案法, 個人資料保護法).
--
-- A closed incident's record is kept for the period the competent authority sets per record
-- type (domain::retention); past it, and with no legal hold in force, the scheduler purges it.
-- A purge or a redaction rewrites timeline bodies, which the chain's links cover: the rewrite is
-- made only together with an attestation entry appended to the same chain (linked under the
-- timeline key like every entry) that lists each rewritten entry's original link and the
-- SHA-256 of its new body, so `verify-timeline` still checks every entry and the checkpoints.

ALTER TABLE incidents
    ADD COLUMN closed_at timestamptz,
    -- The record was purged at the end of its retention period: only the register line remains.
    ADD COLUMN purged_at timestamptz,
    -- The stored evidence files were purged at the end of theirs.
    ADD COLUMN evidence_purged_at timestamptz;
UPDATE incidents i SET closed_at = coalesce(
    (SELECT max(t.at) FROM timeline_entries t WHERE t.incident_id = i.id), i.updated_at)
WHERE status = 'closed';
CREATE INDEX incidents_retention_idx ON incidents (closed_at)
    WHERE status = 'closed' AND purged_at IS NULL;

-- One period per record type, set by the competent authority (portal-wide: the records law's
-- retention schedule is the competent authority's to approve for the incident records).
CREATE TABLE retention_periods (
    record_type text PRIMARY KEY CHECK (record_type IN ('incident_record', 'evidence_file')),
    years       smallint NOT NULL CHECK (years BETWEEN 1 AND 100),
    set_by      uuid REFERENCES users (id),
    set_at      timestamptz NOT NULL DEFAULT now()
);
INSERT INTO retention_periods (record_type, years) VALUES ('incident_record', 10), ('evidence_file', 5);
GRANT SELECT, UPDATE (years, set_by, set_at) ON retention_periods TO portal_app;
ALTER TABLE retention_periods ENABLE ROW LEVEL SECURITY;
CREATE POLICY retention_periods_read ON retention_periods FOR SELECT USING (portal_user_id() IS NOT NULL);
CREATE POLICY retention_periods_set ON retention_periods FOR UPDATE
    USING ((SELECT portal_sees_all())) WITH CHECK ((SELECT portal_sees_all()));

-- Legal holds: placed by the incident's agency or an agency that supervises it, with a reason;
-- released the same way. A hold in force blocks every purge of the incident.
CREATE TABLE legal_holds (
    id               uuid PRIMARY KEY,
    incident_id      uuid NOT NULL REFERENCES incidents (id),
    agency_id        uuid NOT NULL REFERENCES agencies (id),
    reason           text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    placed_by        uuid NOT NULL REFERENCES users (id),
    placed_by_agency uuid NOT NULL REFERENCES agencies (id),
    placed_at        timestamptz NOT NULL DEFAULT now(),
    released_by      uuid REFERENCES users (id),
    released_at      timestamptz,
    release_reason   text
);
CREATE INDEX legal_holds_incident_idx ON legal_holds (incident_id, placed_at);
CREATE UNIQUE INDEX legal_holds_one_in_force ON legal_holds (incident_id) WHERE released_at IS NULL;
ALTER TABLE legal_holds ENABLE ROW LEVEL SECURITY;
CREATE POLICY legal_holds_read ON legal_holds FOR SELECT
    USING ((SELECT portal_sees_all()) OR agency_id = ANY ((SELECT portal_visible_agencies())::uuid[]));
CREATE POLICY legal_holds_place ON legal_holds FOR INSERT
    WITH CHECK (placed_by = (SELECT portal_user_id())
                AND placed_by_agency = (SELECT portal_acting_agency())
                AND ((SELECT portal_sees_all()) OR agency_id = ANY ((SELECT portal_visible_agencies())::uuid[])));
CREATE POLICY legal_holds_release ON legal_holds FOR UPDATE
    USING ((SELECT portal_sees_all()) OR agency_id = ANY ((SELECT portal_visible_agencies())::uuid[]))
    WITH CHECK (released_by = (SELECT portal_user_id()));
GRANT SELECT, INSERT, UPDATE (released_by, released_at, release_reason) ON legal_holds TO portal_app;

-- Rewritten timeline entries: `rewritten_by` is the seq of the attestation entry that lists
-- the rewrite. The trigger holds every UPDATE to that: only the body and the pointer change
-- (the owner's re-linking of plain chains, `relink_plain`, aside), and the body only as an
-- attestation later in the same chain says, under the acting agency's own incidents.
ALTER TABLE timeline_entries ADD COLUMN rewritten_by integer;

CREATE FUNCTION portal_timeline_rewrite() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    listed jsonb;
BEGIN
    IF (to_jsonb(NEW) - ARRAY['body', 'rewritten_by', 'prev_hash', 'hash', 'link_version'])
           IS DISTINCT FROM (to_jsonb(OLD) - ARRAY['body', 'rewritten_by', 'prev_hash', 'hash', 'link_version'])
       OR (portal_user_id() IS NOT NULL AND (NEW.prev_hash, NEW.hash, NEW.link_version)
           IS DISTINCT FROM (OLD.prev_hash, OLD.hash, OLD.link_version)) THEN
        RAISE EXCEPTION 'a timeline entry is never changed, only its body rewritten by an attestation'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF portal_user_id() IS NOT NULL AND OLD.agency_id IS DISTINCT FROM portal_acting_agency() THEN
        RAISE EXCEPTION 'only the incident''s own agency rewrites its timeline'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.body IS DISTINCT FROM OLD.body OR NEW.rewritten_by IS DISTINCT FROM OLD.rewritten_by THEN
        SELECT t.body::jsonb -> 'rewritten' INTO listed FROM timeline_entries t
        WHERE t.incident_id = NEW.incident_id AND t.seq = NEW.rewritten_by AND t.seq > NEW.seq
          AND t.kind IN ('record_purged', 'personal_data_redacted');
        IF listed IS NULL OR NOT listed @> jsonb_build_array(jsonb_build_object(
               'seq', NEW.seq,
               'link', encode(OLD.hash, 'hex'),
               'body_sha256', encode(sha256(convert_to(NEW.body, 'UTF8')), 'hex'))) THEN
            RAISE EXCEPTION 'a timeline body is rewritten only as an attestation later in its chain lists it'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER timeline_entries_rewrite BEFORE UPDATE ON timeline_entries
    FOR EACH ROW EXECUTE FUNCTION portal_timeline_rewrite();
GRANT UPDATE (body, rewritten_by) ON timeline_entries TO portal_app;

-- A redaction also reaches the copies of the text outside the record: the evidence register's
-- descriptions and names, the indicators' notes (already writable: UPDATE (note)).
GRANT UPDATE (description, collected_by, kept_at) ON evidence_items TO portal_app;
GRANT UPDATE (description, owner) ON tracking_items TO portal_app;
