-- The competent authority sees every agency's incidents. Testing each row against an array of
-- every agency made its queries slow at national scale; a single yes/no per statement does not.
CREATE FUNCTION portal_sees_all() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM users u JOIN agencies a ON a.id = u.agency_id
        WHERE u.id = nullif(current_setting('portal.user_id', true), '')::uuid
          AND NOT u.disabled AND a.kind = 'competent_authority')
$$;
GRANT EXECUTE ON FUNCTION portal_sees_all() TO portal_app;

DROP POLICY incidents_visible ON incidents;
CREATE POLICY incidents_visible ON incidents
    USING ((SELECT portal_sees_all()) OR agency_id = ANY ((SELECT portal_visible_agencies())::uuid[]))
    WITH CHECK ((SELECT portal_sees_all()) OR agency_id = ANY ((SELECT portal_visible_agencies())::uuid[]));

DROP POLICY timeline_visible ON timeline_entries;
CREATE POLICY timeline_visible ON timeline_entries
    USING ((SELECT portal_sees_all()) OR agency_id = ANY ((SELECT portal_visible_agencies())::uuid[]))
    WITH CHECK ((SELECT portal_sees_all()) OR agency_id = ANY ((SELECT portal_visible_agencies())::uuid[]));

-- The level-3/4 board: open incidents by nearest deadline.
CREATE INDEX incidents_major_open_idx ON incidents (next_due, id) WHERE level >= 3 AND status <> 'closed';
