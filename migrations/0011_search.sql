-- Search (`/search`): substring matching (ILIKE '%…%', Chinese has no spaces to split words at)
-- over the incident number, title, summary and affected systems and the indicators' values,
-- served by pg_trgm's GIN trigram indexes for searches of three characters or more. pg_trgm
-- builds trigrams of letters and digits as the database's LC_CTYPE sees them: under C.UTF-8 (the
-- machine's server) Chinese characters count, under C (the private cluster's `initdb
-- --no-locale`) only ASCII does, so there Chinese searches are answered correctly, unindexed.
--
-- pg_trgm is a trusted extension: the migrating role needs only CREATE on the database (its
-- owner, or a superuser such as `postgres` on the test server and in the private cluster). Where
-- it cannot be created, search still works, unindexed, and this says so in a warning.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'pg_trgm cannot be created (%); search runs without trigram indexes', SQLERRM;
END $$;

-- The affected systems are part of the stage record (JSON); this column holds their names, one a
-- line, kept by PostgreSQL itself. It replaces the text column of that name, which was never
-- written.
CREATE FUNCTION portal_affected_system_names(record jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(string_agg(name #>> '{}', E'\n'), '')
    FROM jsonb_path_query(record, 'lax $.affected_systems[*].name') AS name
$$;

ALTER TABLE incidents DROP COLUMN affected_systems;
ALTER TABLE incidents ADD COLUMN affected_systems text NOT NULL
    GENERATED ALWAYS AS (portal_affected_system_names(record)) STORED;

DO $$
DECLARE ops text;
BEGIN
    SELECT format('%I.gin_trgm_ops', n.nspname) INTO ops
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_trgm';
    IF ops IS NULL THEN
        RETURN;
    END IF;
    EXECUTE format('CREATE INDEX incidents_number_trgm_idx ON incidents USING gin (number %s)', ops);
    EXECUTE format('CREATE INDEX incidents_title_trgm_idx ON incidents USING gin (title %s)', ops);
    EXECUTE format('CREATE INDEX incidents_summary_trgm_idx ON incidents USING gin (summary %s)', ops);
    EXECUTE format('CREATE INDEX incidents_affected_systems_trgm_idx ON incidents USING gin (affected_systems %s)', ops);
    EXECUTE format('CREATE INDEX indicators_value_trgm_idx ON indicators USING gin (value %s)', ops);
END $$;
