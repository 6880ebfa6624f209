-- Muamala's database roles and its one clock.
--
-- muamala_app is the role the daemon works as (it connects as it, or SET ROLE to it; see
-- MUAMALA_DATABASE_ROLE). Each migration grants it exactly what the daemon needs; in
-- particular it may append to the history but never change it.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'muamala_app') THEN
        CREATE ROLE muamala_app NOLOGIN;
    END IF;
EXCEPTION
    -- Roles belong to the whole cluster: another database's migration may create it first.
    WHEN duplicate_object OR unique_violation THEN NULL;
    WHEN insufficient_privilege THEN
        RAISE NOTICE 'cannot create role muamala_app here; create it by hand and rerun';
END
$$;

GRANT USAGE ON SCHEMA public TO muamala_app;

-- The time every daemon reads. 'system': the real clock (production). 'simulated': the time
-- below, moved forward only by staff (muamala clock set|advance), for demos, replays and
-- acceptance tests. Daemons refuse to start when their mode disagrees with this row.
CREATE TABLE clock (
    singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    mode          text NOT NULL DEFAULT 'system' CHECK (mode IN ('system', 'simulated')),
    simulated_now timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_by    text,
    CHECK (mode = 'system' OR simulated_now IS NOT NULL)
);
INSERT INTO clock (mode) VALUES ('system');

GRANT SELECT ON clock TO muamala_app;
