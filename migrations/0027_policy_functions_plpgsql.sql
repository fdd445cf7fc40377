-- The functions row-level security and every request call (#16), rewritten from LANGUAGE sql to
-- plpgsql with the same bodies, signatures, owners and grants.
--
-- Why: a SECURITY DEFINER SQL function is never inlined, and PostgreSQL plans its body anew on
-- every call. A policy calls it once per statement (as an InitPlan), so every statement of
-- every request paid that planning: measured on the benchmark data (portal_pool, one incident
-- read by id under its policy, BEGIN + set_config + SELECT + COMMIT, pgbench -M prepared -c 2),
-- 2,535 transactions/s with the SQL functions and 6,447 with the plpgsql ones, against 9,927
-- with no policy at all: about 0.5 ms of PostgreSQL CPU less per statement. plpgsql keeps each
-- body's plan for the session (a generic plan once it proves as good), so the check costs what
-- its index reads cost.
--
-- Nothing the functions answer changes: the same rows, the same STABLE volatility (one value
-- per statement), the same search_path pinned against hijacking.

CREATE OR REPLACE FUNCTION portal_sees_all() RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN EXISTS (
        SELECT 1 FROM users u JOIN agencies a ON a.id = u.agency_id
        WHERE u.id = nullif(current_setting('portal.user_id', true), '')::uuid
          AND NOT u.disabled AND a.kind = 'competent_authority');
END $$;

CREATE OR REPLACE FUNCTION portal_visible_agencies() RETURNS uuid[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN (
        SELECT CASE WHEN a.kind = 'competent_authority'
                    THEN (SELECT array_agg(id) FROM agencies)
                    ELSE (SELECT array_agg(r.below) FROM agency_reach r
                          WHERE r.above = u.agency_id) END
        FROM users u JOIN agencies a ON a.id = u.agency_id
        WHERE u.id = nullif(current_setting('portal.user_id', true), '')::uuid
          AND NOT u.disabled);
END $$;

CREATE OR REPLACE FUNCTION portal_acting_agency() RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN (
        SELECT agency_id FROM users
        WHERE id = nullif(current_setting('portal.user_id', true), '')::uuid AND NOT disabled);
END $$;

CREATE OR REPLACE FUNCTION portal_related_agencies() RETURNS uuid[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN (
        SELECT coalesce(array_agg(id), '{}') || coalesce(portal_visible_agencies(), '{}')
        FROM (SELECT r.above AS id FROM agency_reach r WHERE r.below = portal_acting_agency()
              UNION
              SELECT id FROM agencies
              WHERE kind = 'competent_authority' AND portal_acting_agency() IS NOT NULL) related);
END $$;

CREATE OR REPLACE FUNCTION portal_acting_admin() RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN EXISTS (
        SELECT 1 FROM role_grants g JOIN users u ON u.id = g.user_id
        WHERE u.id = nullif(current_setting('portal.user_id', true), '')::uuid
          AND NOT u.disabled AND g.role = 'agency_admin' AND g.agency_id = u.agency_id);
END $$;

CREATE OR REPLACE FUNCTION portal_session_load(p_id text) RETURNS bytea
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = tower_sessions, pg_temp AS $$
BEGIN
    RETURN (SELECT data FROM tower_sessions.session WHERE id = p_id AND expiry_date > now());
END $$;

CREATE OR REPLACE FUNCTION portal_token_user(p_hash bytea)
RETURNS TABLE (user_id uuid, scopes text[])
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT t.user_id, t.scopes FROM api_tokens t
    WHERE t.token_hash = p_hash AND t.expires_at > now() AND t.revoked_at IS NULL;
END $$;

CREATE OR REPLACE FUNCTION portal_recipients(p_agencies uuid[], p_roles text[], p_actor uuid)
RETURNS TABLE (agency_id uuid, user_id uuid, email text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT DISTINCT ON (g.user_id) g.agency_id, g.user_id, u.email
    FROM role_grants g JOIN users u ON u.id = g.user_id
    JOIN unnest(p_agencies, p_roles) AS x(agency_id, role)
        ON x.agency_id = g.agency_id AND x.role = g.role
    WHERE NOT u.disabled AND g.user_id <> p_actor;
END $$;

CREATE OR REPLACE FUNCTION portal_who_is_asking(p_user uuid)
RETURNS TABLE (
    id uuid, agency_id uuid, email text, display_name text, preferred_language text,
    disabled boolean, sessions_valid_from timestamptz, roles text[],
    agency_code text, agency_name_zh text, agency_name_en text, agency_kind text,
    agency_superior_id uuid, agency_sector_authority_id uuid, agency_supervising_id uuid,
    agency_responsibility_level text, agency_critical_infrastructure boolean,
    agency_mfa_for_everyone boolean, mfa_enrolled boolean, unread bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT u.id, u.agency_id, u.email, u.display_name, u.preferred_language, u.disabled,
           u.sessions_valid_from,
           coalesce((SELECT array_agg(g.role) FROM role_grants g WHERE g.user_id = u.id), '{}'),
           a.code, a.name_zh, a.name_en, a.kind, a.superior_id, a.sector_authority_id,
           a.supervising_id, a.responsibility_level, a.critical_infrastructure,
           a.mfa_for_everyone,
           EXISTS (SELECT 1 FROM user_mfa m WHERE m.user_id = u.id AND m.enrolled_at IS NOT NULL),
           (SELECT count(*) FROM notifications n WHERE n.user_id = u.id AND n.read_at IS NULL)
    FROM users u JOIN agencies a ON a.id = u.agency_id
    WHERE u.id = p_user;
END $$;
