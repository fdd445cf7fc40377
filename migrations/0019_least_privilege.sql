-- Least privilege (#14): row-level security on the accounts side (users, role grants, agencies,
-- tokens, sessions), and write policies that allow only what the portal does.

-- The functions the policies call read users and agencies. With row-level security on those
-- tables they run as the owner, so a policy on users does not recurse into itself; a fixed
-- search_path keeps a planted function from being called in their place.
ALTER FUNCTION portal_acting_agency() SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION portal_sees_all() SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION portal_visible_agencies() SECURITY DEFINER SET search_path = public, pg_temp;

CREATE FUNCTION portal_user_id() RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('portal.user_id', true), '')::uuid
$$;

-- The acting agency's own agencies (itself and below, as for incidents) and those above it
-- (superior, sector authority, supervising agency, up the register) and the competent
-- authority: its pages name the reviewers of the agencies that supervise it.
CREATE FUNCTION portal_related_agencies() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH RECURSIVE up(id) AS (
        SELECT portal_acting_agency()
        UNION
        SELECT x FROM up JOIN agencies a ON a.id = up.id,
            LATERAL unnest(ARRAY[a.superior_id, a.sector_authority_id, a.supervising_id]) AS x
        WHERE x IS NOT NULL
    )
    SELECT coalesce(array_agg(id), '{}') || coalesce(portal_visible_agencies(), '{}')
    FROM (SELECT id FROM up WHERE id IS NOT NULL
          UNION
          SELECT id FROM agencies
          WHERE kind = 'competent_authority' AND portal_acting_agency() IS NOT NULL) related
$$;
GRANT EXECUTE ON FUNCTION portal_user_id(), portal_related_agencies() TO portal_app;

-- Users (password hashes): a signed-in user sees the people of the agencies related to theirs
-- (the competent authority everyone); writes stay in the acting user's own agency, or are the
-- user's own (language, password). Nobody is visible without an acting user.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_read ON users FOR SELECT
    USING (id = (SELECT portal_user_id()) OR (SELECT portal_sees_all())
           OR agency_id = ANY ((SELECT portal_related_agencies())::uuid[]));
CREATE POLICY users_add ON users FOR INSERT
    WITH CHECK (agency_id = (SELECT portal_acting_agency()) OR (SELECT portal_sees_all()));
CREATE POLICY users_change ON users FOR UPDATE
    USING (id = (SELECT portal_user_id()) OR agency_id = (SELECT portal_acting_agency()))
    WITH CHECK (id = (SELECT portal_user_id()) OR agency_id = (SELECT portal_acting_agency()));

ALTER TABLE role_grants ENABLE ROW LEVEL SECURITY;
CREATE POLICY role_grants_read ON role_grants FOR SELECT
    USING ((SELECT portal_sees_all()) OR agency_id = ANY ((SELECT portal_related_agencies())::uuid[]));
CREATE POLICY role_grants_add ON role_grants FOR INSERT
    WITH CHECK (agency_id = (SELECT portal_acting_agency()) OR (SELECT portal_sees_all()));
CREATE POLICY role_grants_remove ON role_grants FOR DELETE
    USING (agency_id = (SELECT portal_acting_agency()));

-- The agency register is readable by every signed-in user (notification and escalation
-- targets); an agency's own admin edits it, the competent authority registers agencies.
ALTER TABLE agencies ENABLE ROW LEVEL SECURITY;
CREATE POLICY agencies_read ON agencies FOR SELECT
    USING ((SELECT portal_acting_agency()) IS NOT NULL);
CREATE POLICY agencies_register ON agencies FOR INSERT
    WITH CHECK ((SELECT portal_sees_all()));
CREATE POLICY agencies_change ON agencies FOR UPDATE
    USING (id = (SELECT portal_acting_agency()) OR (SELECT portal_sees_all()))
    WITH CHECK (id = (SELECT portal_acting_agency()) OR (SELECT portal_sees_all()));

-- Tokens: the owner's, and the agency admin's listing of the agency's.
ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;
CREATE POLICY api_tokens_own_agency ON api_tokens
    USING (user_id = (SELECT portal_user_id()) OR agency_id = (SELECT portal_acting_agency()))
    WITH CHECK (user_id = (SELECT portal_user_id()) OR agency_id = (SELECT portal_acting_agency()));

-- Before anyone is signed in there is no acting user, so what sign-in needs is answered by
-- these functions, each for exactly one presented secret or address: the credentials for one
-- e-mail address, the owner of one token.
CREATE FUNCTION portal_sign_in_credentials(p_email text)
RETURNS TABLE (id uuid, agency_id uuid, password_hash text, disabled boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT id, agency_id, password_hash, disabled FROM users WHERE lower(email) = lower(p_email)
$$;
CREATE FUNCTION portal_token_user(p_hash bytea)
RETURNS TABLE (user_id uuid, scopes text[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT user_id, scopes FROM api_tokens
    WHERE token_hash = p_hash AND expires_at > now() AND revoked_at IS NULL
$$;
GRANT EXECUTE ON FUNCTION portal_sign_in_credentials(text), portal_token_user(bytea) TO portal_app;

-- Who must be told is the domain's answer (agency and role pairs, domain::notifications); the
-- addresses of those people are looked up whatever agency they are in, since an escalation
-- target need not be related to the acting agency in the register.
CREATE FUNCTION portal_recipients(p_agencies uuid[], p_roles text[], p_actor uuid)
RETURNS TABLE (agency_id uuid, user_id uuid, email text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT DISTINCT ON (g.user_id) g.agency_id, g.user_id, u.email
    FROM role_grants g JOIN users u ON u.id = g.user_id
    JOIN unnest(p_agencies, p_roles) AS x(agency_id, role)
        ON x.agency_id = g.agency_id AND x.role = g.role
    WHERE NOT u.disabled AND g.user_id <> p_actor
$$;
GRANT EXECUTE ON FUNCTION portal_recipients(uuid[], text[], uuid) TO portal_app;

-- Sessions: the application role cannot read the table at all (no one can list session ids);
-- it loads, saves and deletes one session whose id it presents.
ALTER TABLE tower_sessions.session ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON tower_sessions.session FROM portal_app;
CREATE FUNCTION portal_session_load(p_id text) RETURNS bytea
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = tower_sessions, pg_temp AS $$
    SELECT data FROM tower_sessions.session WHERE id = p_id AND expiry_date > now()
$$;
CREATE FUNCTION portal_session_save(p_id text, p_data bytea, p_expiry timestamptz, p_new boolean)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = tower_sessions, pg_temp AS $$
BEGIN
    IF p_new THEN
        INSERT INTO tower_sessions.session (id, data, expiry_date) VALUES (p_id, p_data, p_expiry)
        ON CONFLICT (id) DO NOTHING;
        RETURN FOUND;
    END IF;
    INSERT INTO tower_sessions.session (id, data, expiry_date) VALUES (p_id, p_data, p_expiry)
    ON CONFLICT (id) DO UPDATE SET data = excluded.data, expiry_date = excluded.expiry_date;
    RETURN true;
END $$;
CREATE FUNCTION portal_session_delete(p_id text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = tower_sessions, pg_temp AS $$
    DELETE FROM tower_sessions.session WHERE id = p_id
$$;
REVOKE ALL ON FUNCTION portal_session_load(text), portal_session_save(text, bytea, timestamptz, boolean),
    portal_session_delete(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION portal_session_load(text), portal_session_save(text, bytea, timestamptz, boolean),
    portal_session_delete(text) TO portal_app;

-- A user's sessions begun before this moment are over (a password change ends the others).
ALTER TABLE users ADD COLUMN sessions_valid_from timestamptz;

-- Incidents: every agency that may see an incident may read it, but only the incident's own
-- agency files it. A supervising agency's actions (level review and re-check, the review relay,
-- the extension decision, comments, the relay to homeland security) do save the incident row,
-- so its UPDATE is allowed, but a trigger holds it to the oversight part of the row: the level
-- and its review, the schedule derived from it, and the record's reviews, review_relays,
-- extension_requests and supervisor_comments (domain::incident::review and work::comment).
DROP POLICY incidents_visible ON incidents;
CREATE POLICY incidents_read ON incidents FOR SELECT
    USING ((SELECT portal_sees_all()) OR agency_id = ANY ((SELECT portal_visible_agencies())::uuid[]));
CREATE POLICY incidents_file ON incidents FOR INSERT
    WITH CHECK (agency_id = (SELECT portal_acting_agency()));
CREATE POLICY incidents_change ON incidents FOR UPDATE
    USING ((SELECT portal_sees_all()) OR agency_id = ANY ((SELECT portal_visible_agencies())::uuid[]))
    WITH CHECK ((SELECT portal_sees_all()) OR agency_id = ANY ((SELECT portal_visible_agencies())::uuid[]));

CREATE FUNCTION portal_incident_oversight_write() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    oversight_columns text[] := ARRAY['level', 'status', 'record', 'reviewed_at', 'review_relayed_at',
        'homeland_relayed_at', 'report_extended_until', 'report_due', 'review_due', 'relay_due',
        'containment_due', 'report_submission_due', 'next_due', 'reminder_at', 'awaiting_commander',
        'updated_at',
        -- Generated from the record after this trigger; the record itself is checked below.
        'affected_systems'];
    oversight_keys text[] := ARRAY['reviews', 'review_relays', 'extension_requests',
        'supervisor_comments'];
BEGIN
    -- The owner pool (migrations, jobs) has no acting user and is not held by this rule.
    IF portal_user_id() IS NULL OR OLD.agency_id = portal_acting_agency() THEN
        RETURN NEW;
    END IF;
    -- The competent authority keeps the register: an agency it moves takes its open
    -- incidents' escalation target along (services::admin, retarget_open_incidents).
    IF portal_sees_all() THEN
        oversight_columns := array_append(oversight_columns, 'escalation_target_id');
    END IF;
    IF (to_jsonb(NEW) - oversight_columns) IS DISTINCT FROM (to_jsonb(OLD) - oversight_columns)
       OR (NEW.record - oversight_keys) IS DISTINCT FROM (OLD.record - oversight_keys) THEN
        RAISE EXCEPTION 'a supervising agency writes only the oversight part of an incident'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER incidents_oversight_write BEFORE UPDATE ON incidents
    FOR EACH ROW EXECUTE FUNCTION portal_incident_oversight_write();
