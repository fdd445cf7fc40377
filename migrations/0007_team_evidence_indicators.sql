-- Response team (通報應變小組) with CISO-approved versions, drills (演練), the team snapshot of an
-- incident, evidence (跡證) with content-addressed storage, malware submissions, indicators of
-- compromise, and each agency's log-keeping checklist. Every table carries the agency key.

-- Each change to the roster is a new version: proposed, then approved or rejected by the CISO.
-- The current roster is the approved version with the highest number; nothing is deleted.
CREATE TABLE team_versions (
    agency_id       uuid NOT NULL REFERENCES agencies(id),
    version         integer NOT NULL CHECK (version > 0),
    status          text NOT NULL CHECK (status IN ('proposed', 'approved', 'rejected')),
    members         jsonb NOT NULL,
    note            text NOT NULL DEFAULT '',
    proposed_by     uuid NOT NULL REFERENCES users(id),
    proposed_at     timestamptz NOT NULL DEFAULT now(),
    decided_by      uuid REFERENCES users(id),
    decided_at      timestamptz,
    decision_reason text,
    PRIMARY KEY (agency_id, version)
);
-- One open proposal at a time, so that the CISO decides on one composition, not a race.
CREATE UNIQUE INDEX team_versions_one_open ON team_versions (agency_id) WHERE status = 'proposed';

CREATE TABLE drills (
    id           uuid PRIMARY KEY,
    agency_id    uuid NOT NULL REFERENCES agencies(id),
    kind         text NOT NULL,
    held_on      date NOT NULL,
    scenario     text NOT NULL,
    participants jsonb NOT NULL,
    findings     text NOT NULL,
    follow_up    jsonb NOT NULL,
    recorded_by  uuid NOT NULL REFERENCES users(id),
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX drills_agency_idx ON drills (agency_id, kind, held_on DESC);

-- The roster as it stood when the team was activated for an incident, adjusted per incident.
CREATE TABLE incident_teams (
    incident_id  uuid PRIMARY KEY REFERENCES incidents(id),
    agency_id    uuid NOT NULL REFERENCES agencies(id),
    from_version integer,
    members      jsonb NOT NULL,
    activated_by uuid NOT NULL REFERENCES users(id),
    activated_at timestamptz NOT NULL DEFAULT now(),
    updated_by   uuid REFERENCES users(id),
    updated_at   timestamptz
);

CREATE TABLE isolation_measures (
    incident_id uuid NOT NULL REFERENCES incidents(id),
    agency_id   uuid NOT NULL REFERENCES agencies(id),
    measure     text NOT NULL,
    taken_at    timestamptz NOT NULL,
    taken_by    text NOT NULL,
    note        text NOT NULL DEFAULT '',
    recorded_by uuid NOT NULL REFERENCES users(id),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (incident_id, measure)
);

CREATE TABLE recovery_plans (
    incident_id uuid PRIMARY KEY REFERENCES incidents(id),
    agency_id   uuid NOT NULL REFERENCES agencies(id),
    path        text NOT NULL,
    steps_done  jsonb NOT NULL DEFAULT '[]',
    updated_by  uuid NOT NULL REFERENCES users(id),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Uploaded files, content-addressed per agency (sharing a blob across agencies would tell one
-- agency that another holds the same file). Chunks are written as the upload streams in, under
-- the upload's id; the blob row names the upload that holds the bytes of that hash.
CREATE TABLE evidence_chunks (
    upload_id uuid NOT NULL,
    seq       integer NOT NULL,
    agency_id uuid NOT NULL REFERENCES agencies(id),
    data      bytea NOT NULL,
    PRIMARY KEY (upload_id, seq)
);
ALTER TABLE evidence_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

CREATE TABLE evidence_blobs (
    agency_id  uuid NOT NULL REFERENCES agencies(id),
    sha256     text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size       bigint NOT NULL CHECK (size >= 0),
    upload_id  uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, sha256)
);

CREATE TABLE evidence_items (
    id             uuid PRIMARY KEY,
    incident_id    uuid NOT NULL REFERENCES incidents(id),
    agency_id      uuid NOT NULL REFERENCES agencies(id),
    kind           text NOT NULL,
    description    text NOT NULL,
    source_system  text NOT NULL,
    collected_by   text NOT NULL,
    collected_at   timestamptz NOT NULL,
    sha256         text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size           bigint CHECK (size >= 0),
    -- true: the bytes are in evidence_blobs; false: registered only, kept where `kept_at` says.
    stored         boolean NOT NULL,
    kept_at        text NOT NULL DEFAULT '',
    file_name      text NOT NULL DEFAULT '',
    content_type   text NOT NULL DEFAULT '',
    holder         text NOT NULL,
    recorded_by    uuid NOT NULL REFERENCES users(id),
    recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX evidence_items_incident_idx ON evidence_items (incident_id, recorded_at);

CREATE TABLE malware_submissions (
    id           uuid PRIMARY KEY,
    incident_id  uuid NOT NULL REFERENCES incidents(id),
    agency_id    uuid NOT NULL REFERENCES agencies(id),
    evidence_id  uuid REFERENCES evidence_items(id),
    target       text NOT NULL,
    submitted_on date NOT NULL,
    reference    text NOT NULL DEFAULT '',
    recorded_by  uuid NOT NULL REFERENCES users(id),
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX malware_submissions_incident_idx ON malware_submissions (incident_id);

CREATE TABLE indicators (
    id          uuid PRIMARY KEY,
    incident_id uuid NOT NULL REFERENCES incidents(id),
    agency_id   uuid NOT NULL REFERENCES agencies(id),
    kind        text NOT NULL,
    value       text NOT NULL,
    note        text NOT NULL DEFAULT '',
    first_seen  timestamptz,
    last_seen   timestamptz,
    created_by  uuid NOT NULL REFERENCES users(id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (incident_id, kind, value)
);
-- The correlation page groups by the indicator across incidents.
CREATE INDEX indicators_value_idx ON indicators (kind, value);

CREATE TABLE log_duty (
    agency_id        uuid PRIMARY KEY REFERENCES agencies(id),
    protection_level text NOT NULL,
    done             jsonb NOT NULL DEFAULT '[]',
    note             text NOT NULL DEFAULT '',
    updated_by       uuid NOT NULL REFERENCES users(id),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Row-level security: read what the acting user may see (own agency, agencies below it, all for
-- the competent authority); write only the acting user's own agency's rows.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['team_versions', 'drills', 'incident_teams', 'isolation_measures',
        'recovery_plans', 'evidence_chunks', 'evidence_blobs', 'evidence_items',
        'malware_submissions', 'indicators', 'log_duty']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I FOR SELECT USING ((SELECT portal_sees_all()) '
            'OR agency_id = ANY ((SELECT portal_visible_agencies())::uuid[]))', t || '_read', t);
        EXECUTE format('CREATE POLICY %I ON %I FOR INSERT WITH CHECK '
            '(agency_id = (SELECT portal_acting_agency()))', t || '_insert', t);
        EXECUTE format('CREATE POLICY %I ON %I FOR UPDATE USING '
            '(agency_id = (SELECT portal_acting_agency())) '
            'WITH CHECK (agency_id = (SELECT portal_acting_agency()))', t || '_update', t);
        EXECUTE format('GRANT SELECT, INSERT ON %I TO portal_app', t);
    END LOOP;
END $$;

GRANT UPDATE (status, decided_by, decided_at, decision_reason) ON team_versions TO portal_app;
GRANT UPDATE (members, updated_by, updated_at) ON incident_teams TO portal_app;
GRANT UPDATE (taken_at, taken_by, note, recorded_by, recorded_at) ON isolation_measures TO portal_app;
GRANT UPDATE (path, steps_done, updated_by, updated_at) ON recovery_plans TO portal_app;
GRANT UPDATE (holder) ON evidence_items TO portal_app;
GRANT UPDATE (note, first_seen, last_seen) ON indicators TO portal_app;
GRANT UPDATE (protection_level, done, note, updated_by, updated_at) ON log_duty TO portal_app;
-- An upload whose bytes turn out to be stored already drops its own chunks.
GRANT DELETE ON evidence_chunks TO portal_app;
CREATE POLICY evidence_chunks_delete ON evidence_chunks FOR DELETE
    USING (agency_id = (SELECT portal_acting_agency()));

-- Agency-level reminders (a drill overdue), sent once per due date by whichever process claims
-- them. Only the scheduler (owner) touches this table.
CREATE TABLE agency_reminders (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id uuid NOT NULL REFERENCES agencies(id),
    kind      text NOT NULL,
    due_on    date NOT NULL,
    sent_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (agency_id, kind, due_on)
);
