-- MFA secrets under row-level security (#14): every path to them now acts for a user (the one
-- whose password was just proven, or the signed-in one), so a row is reachable by its own user
-- and, to see whether they enrolled and to reset it, by an administrator of their agency.
CREATE FUNCTION portal_acting_admin() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT EXISTS (
        SELECT 1 FROM role_grants g JOIN users u ON u.id = g.user_id
        WHERE u.id = nullif(current_setting('portal.user_id', true), '')::uuid AND NOT u.disabled
          AND g.role = 'agency_admin' AND g.agency_id = u.agency_id)
$$;
GRANT EXECUTE ON FUNCTION portal_acting_admin() TO portal_app;

ALTER TABLE user_mfa ENABLE ROW LEVEL SECURITY;
CREATE POLICY user_mfa_own ON user_mfa
    USING (user_id = (SELECT portal_user_id())
           OR (agency_id = (SELECT portal_acting_agency()) AND (SELECT portal_acting_admin())))
    WITH CHECK (user_id = (SELECT portal_user_id()));

ALTER TABLE mfa_recovery_codes ENABLE ROW LEVEL SECURITY;
CREATE POLICY mfa_recovery_codes_own ON mfa_recovery_codes
    USING (user_id = (SELECT portal_user_id())
           OR (agency_id = (SELECT portal_acting_agency()) AND (SELECT portal_acting_admin())))
    WITH CHECK (user_id = (SELECT portal_user_id()));
