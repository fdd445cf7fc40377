-- Incidents, their append-only hash-chained timeline, and row-level security keyed on the
-- acting user, so that a query that forgets its WHERE still cannot see another agency's data.

-- The role the application acts as. It owns nothing and cannot bypass row-level security.
-- Roles are cluster-wide, so another database on the server may have created it already.
DO $$
BEGIN
    CREATE ROLE portal_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
DO $$
BEGIN
    EXECUTE format('GRANT portal_app TO %I', current_user);
EXCEPTION WHEN OTHERS THEN NULL;
END $$;

-- Sessions (tower-sessions' table, created here so that the application role need not own it).
CREATE SCHEMA IF NOT EXISTS tower_sessions;
CREATE TABLE IF NOT EXISTS tower_sessions.session (
    id          text PRIMARY KEY NOT NULL,
    data        bytea NOT NULL,
    expiry_date timestamptz NOT NULL
);

CREATE TABLE incident_counters (
    agency_id uuid NOT NULL REFERENCES agencies (id),
    year      integer NOT NULL,
    last      integer NOT NULL,
    PRIMARY KEY (agency_id, year)
);

CREATE TABLE incidents (
    id                       uuid PRIMARY KEY,
    agency_id                uuid NOT NULL REFERENCES agencies (id),
    number                   text NOT NULL,
    title                    text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    category                 text NOT NULL CHECK (category IN ('web_attack', 'intrusion', 'dos', 'equipment', 'other')),
    subcategory              text NOT NULL DEFAULT '',
    summary                  text NOT NULL DEFAULT '',
    contact                  text NOT NULL DEFAULT '',
    affected_systems         text NOT NULL DEFAULT '',
    impacts                  jsonb NOT NULL,
    proposed_level           smallint NOT NULL CHECK (proposed_level BETWEEN 1 AND 4),
    level                    smallint NOT NULL CHECK (level BETWEEN 1 AND 4),
    personal_data            boolean NOT NULL,
    aware_at                 timestamptz NOT NULL,
    occurred_at              timestamptz,
    reported_at              timestamptz NOT NULL,
    other_means_reported_at  timestamptz,
    other_means_reason       text NOT NULL DEFAULT '',
    escalation_target_id     uuid REFERENCES agencies (id),
    status                   text NOT NULL CHECK (status IN ('report', 'response_team', 'containment', 'root_cause', 'improvement', 'closed')),
    -- What is on record for the stages (the domain's IncidentRecord).
    record                   jsonb NOT NULL,
    reviewed_at              timestamptz,
    review_relayed_at        timestamptz,
    containment_completed_at timestamptz,
    report_submitted_at      timestamptz,
    report_extended_until    timestamptz,
    homeland_relayed_at      timestamptz,
    -- Deadlines as the domain computed them at the last change, for sorting and indexes.
    report_due               timestamptz,
    review_due               timestamptz,
    relay_due                timestamptz,
    containment_due          timestamptz,
    report_submission_due    timestamptz,
    next_due                 timestamptz,
    created_by               uuid REFERENCES users (id),
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX incidents_number_key ON incidents (number);
CREATE INDEX incidents_agency_idx ON incidents (agency_id, next_due NULLS LAST, id);
CREATE INDEX incidents_review_queue_idx ON incidents (review_due) WHERE reviewed_at IS NULL;
CREATE INDEX incidents_major_idx ON incidents (agency_id, level) WHERE level >= 3;
CREATE INDEX incidents_awaiting_commander_idx ON incidents (agency_id) WHERE status = 'root_cause';

CREATE TABLE timeline_entries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id     uuid NOT NULL REFERENCES incidents (id),
    agency_id       uuid NOT NULL REFERENCES agencies (id),
    seq             integer NOT NULL,
    at              timestamptz NOT NULL,
    actor_id        uuid REFERENCES users (id),
    actor_agency_id uuid REFERENCES agencies (id),
    kind            text NOT NULL,
    -- The entry's JSON exactly as hashed (text, not jsonb, which would reorder it).
    body            text NOT NULL,
    prev_hash       bytea NOT NULL,
    hash            bytea NOT NULL,
    UNIQUE (incident_id, seq)
);

-- Who may see an agency's data (SPEC 1): its own users, every agency above it, the competent
-- authority. Computed from the acting user set per transaction (`portal.user_id`); with no
-- acting user it is empty, so nothing is visible.
CREATE FUNCTION portal_visible_agencies() RETURNS uuid[]
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE me AS (
        SELECT u.agency_id, a.kind
        FROM users u JOIN agencies a ON a.id = u.agency_id
        WHERE u.id = nullif(current_setting('portal.user_id', true), '')::uuid AND NOT u.disabled
    ), below(id) AS (
        SELECT agency_id FROM me
        UNION
        SELECT a.id FROM agencies a JOIN below b
            ON b.id = a.superior_id OR b.id = a.sector_authority_id OR b.id = a.supervising_id
    )
    SELECT CASE WHEN (SELECT kind FROM me) = 'competent_authority'
                THEN (SELECT array_agg(id) FROM agencies)
                ELSE (SELECT array_agg(id) FROM below) END
$$;

CREATE FUNCTION portal_acting_agency() RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT agency_id FROM users
    WHERE id = nullif(current_setting('portal.user_id', true), '')::uuid AND NOT disabled
$$;

ALTER TABLE incidents ENABLE ROW LEVEL SECURITY;
CREATE POLICY incidents_visible ON incidents
    USING (agency_id = ANY ((SELECT portal_visible_agencies())::uuid[]))
    WITH CHECK (agency_id = ANY ((SELECT portal_visible_agencies())::uuid[]));

ALTER TABLE timeline_entries ENABLE ROW LEVEL SECURITY;
CREATE POLICY timeline_visible ON timeline_entries
    USING (agency_id = ANY ((SELECT portal_visible_agencies())::uuid[]))
    WITH CHECK (agency_id = ANY ((SELECT portal_visible_agencies())::uuid[]));

ALTER TABLE incident_counters ENABLE ROW LEVEL SECURITY;
CREATE POLICY counters_own ON incident_counters
    USING (agency_id = (SELECT portal_acting_agency()))
    WITH CHECK (agency_id = (SELECT portal_acting_agency()));

-- What the application role may do. The timeline gets no UPDATE or DELETE: it is append-only.
GRANT USAGE ON SCHEMA public, tower_sessions TO portal_app;
GRANT SELECT, INSERT, UPDATE ON agencies, users TO portal_app;
GRANT SELECT, INSERT, DELETE ON role_grants TO portal_app;
GRANT SELECT, INSERT ON sign_in_attempts TO portal_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON tower_sessions.session TO portal_app;
GRANT SELECT, INSERT, UPDATE ON incidents, incident_counters TO portal_app;
GRANT SELECT, INSERT ON timeline_entries TO portal_app;
GRANT EXECUTE ON FUNCTION portal_visible_agencies(), portal_acting_agency() TO portal_app;
