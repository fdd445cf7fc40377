-- The cost of asking who is asking (#16): the supervision chain as a maintained closure table
-- instead of a recursive query in every statement's policy, and who-is-asking (user, roles,
-- agency, MFA standing, unread count) in one owner's function instead of a transaction of
-- three queries per page.

-- Every pair (above, below) where `below` is `above` itself or reachable from it downwards
-- through a superior (上級機關), a sector authority (中央目的事業主管機關) or a supervising
-- agency (監督機關): what portal_visible_agencies walked recursively in each statement.
CREATE TABLE agency_reach (
    above uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    below uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    PRIMARY KEY (above, below)
);
CREATE INDEX agency_reach_below_idx ON agency_reach (below, above);
ALTER TABLE agency_reach ENABLE ROW LEVEL SECURITY;
-- No policy and no grant: only the owner's functions read it.

-- The register changes rarely (a registration, a new superior) and holds a few thousand
-- agencies, so the table is rebuilt whole, once per changing statement; the lock makes two
-- registrations at once rebuild one after the other.
CREATE FUNCTION portal_agency_reach_rebuild() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    LOCK TABLE agency_reach IN EXCLUSIVE MODE;
    DELETE FROM agency_reach;
    INSERT INTO agency_reach (above, below)
    WITH RECURSIVE reach(above, below) AS (
        SELECT id, id FROM agencies
        UNION
        SELECT r.above, a.id FROM reach r JOIN agencies a
            ON r.below = a.superior_id OR r.below = a.sector_authority_id OR r.below = a.supervising_id
    )
    SELECT above, below FROM reach;
    RETURN NULL;
END
$$;
CREATE TRIGGER agencies_reach
    AFTER INSERT OR DELETE OR UPDATE OF superior_id, sector_authority_id, supervising_id ON agencies
    FOR EACH STATEMENT EXECUTE FUNCTION portal_agency_reach_rebuild();
INSERT INTO agency_reach (above, below)
WITH RECURSIVE reach(above, below) AS (
    SELECT id, id FROM agencies
    UNION
    SELECT r.above, a.id FROM reach r JOIN agencies a
        ON r.below = a.superior_id OR r.below = a.sector_authority_id OR r.below = a.supervising_id
)
SELECT above, below FROM reach;

-- The same answers as before (0002, 0019), read from the closure.
CREATE OR REPLACE FUNCTION portal_visible_agencies() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT CASE WHEN a.kind = 'competent_authority'
                THEN (SELECT array_agg(id) FROM agencies)
                ELSE (SELECT array_agg(r.below) FROM agency_reach r WHERE r.above = u.agency_id) END
    FROM users u JOIN agencies a ON a.id = u.agency_id
    WHERE u.id = nullif(current_setting('portal.user_id', true), '')::uuid AND NOT u.disabled
$$;

CREATE OR REPLACE FUNCTION portal_related_agencies() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT coalesce(array_agg(id), '{}') || coalesce(portal_visible_agencies(), '{}')
    FROM (SELECT r.above AS id FROM agency_reach r WHERE r.below = portal_acting_agency()
          UNION
          SELECT id FROM agencies
          WHERE kind = 'competent_authority' AND portal_acting_agency() IS NOT NULL) related
$$;

-- Who is asking, in one statement and without a transaction: the signed-in user's own row and
-- roles, the agency, whether the user has enrolled a second factor and whether the agency asks
-- it of everyone, and the unread notifications (the bell). The application role may already
-- act as any user it names (portal.user_id), so answering for the user it names shows it
-- nothing more; no one else's rows are read.
CREATE FUNCTION portal_who_is_asking(p_user uuid)
RETURNS TABLE (
    id uuid, agency_id uuid, email text, display_name text, preferred_language text,
    disabled boolean, sessions_valid_from timestamptz, roles text[],
    agency_code text, agency_name_zh text, agency_name_en text, agency_kind text,
    agency_superior_id uuid, agency_sector_authority_id uuid, agency_supervising_id uuid,
    agency_responsibility_level text, agency_critical_infrastructure boolean,
    agency_mfa_for_everyone boolean, mfa_enrolled boolean, unread bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT u.id, u.agency_id, u.email, u.display_name, u.preferred_language, u.disabled,
           u.sessions_valid_from,
           coalesce((SELECT array_agg(g.role) FROM role_grants g WHERE g.user_id = u.id), '{}'),
           a.code, a.name_zh, a.name_en, a.kind, a.superior_id, a.sector_authority_id,
           a.supervising_id, a.responsibility_level, a.critical_infrastructure,
           a.mfa_for_everyone,
           EXISTS (SELECT 1 FROM user_mfa m WHERE m.user_id = u.id AND m.enrolled_at IS NOT NULL),
           (SELECT count(*) FROM notifications n WHERE n.user_id = u.id AND n.read_at IS NULL)
    FROM users u JOIN agencies a ON a.id = u.agency_id
    WHERE u.id = p_user
$$;
REVOKE ALL ON FUNCTION portal_who_is_asking(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION portal_who_is_asking(uuid) TO portal_app;

-- The register is open to every signed-in user (agencies_read, 0019); so is its closure, which
-- the portal reads for an agency's standing (itself, what is above it) and for the agencies
-- below a reviewer's.
GRANT SELECT ON agency_reach TO portal_app;
CREATE POLICY agency_reach_read ON agency_reach FOR SELECT
    USING ((SELECT portal_acting_agency()) IS NOT NULL);
