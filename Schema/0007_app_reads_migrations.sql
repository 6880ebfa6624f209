-- The daemon's /readyz compares the applied migrations with Schema/; working as
-- muamala_app it could not read them, and never became ready.
GRANT SELECT ON schema_migrations TO muamala_app;
