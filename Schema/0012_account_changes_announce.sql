-- Daemons cache what a bearer token stands for (`PrincipalCache`, up to 30 s). Every change
-- that can alter it — a grant added, changed or removed, a token revoked or deleted, an
-- account disabled, enabled or deleted — announces itself on `muamala_accounts` when its
-- transaction commits, and each daemon's listener empties its cache. The database does
-- it, so no code path (the CLI, a later API, an operator's SQL) can forget to.
-- A new token or a new account changes nothing cached, and announces nothing.
CREATE FUNCTION announce_account_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('muamala_accounts', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER grants_announce AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON grants
    FOR EACH STATEMENT EXECUTE FUNCTION announce_account_change();
CREATE TRIGGER tokens_announce AFTER UPDATE OR DELETE OR TRUNCATE ON tokens
    FOR EACH STATEMENT EXECUTE FUNCTION announce_account_change();
CREATE TRIGGER users_announce AFTER UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION announce_account_change();
