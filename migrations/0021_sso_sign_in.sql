-- SSO (#14 item 9): the agency of an account found by its verified e-mail decides whether it
-- may sign in by SSO (PORTAL_OIDC_AGENCIES); before sign-in there is no acting user to read the
-- register with, so the code of one agency is answered by the owner.
CREATE FUNCTION portal_agency_code(p_agency uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT code FROM agencies WHERE id = p_agency
$$;
GRANT EXECUTE ON FUNCTION portal_agency_code(uuid) TO portal_app;
