-- Readiness (#15): /readyz tells whether the schema is the one the running build expects, so
-- the serving role may read which migrations were applied (not change them).
GRANT SELECT ON _sqlx_migrations TO portal_app;
