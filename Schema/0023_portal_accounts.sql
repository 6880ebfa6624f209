-- Portal accounts as e-services: a person registers (account.register), owners come from
-- the commercial registration (establishment_owners), owners appoint delegates and agents
-- act under a power of attorney (authorizations). The engine writes all three, in the
-- transaction that completes the request, like every other aggregate.

-- A registered person: role 'person'. Such an account acts, request by request, as owner,
-- delegate, agent or worker by the rights it holds (never recorded as 'person' on a request
-- about an establishment). A person registers once: disabled or not, a second registration
-- is refused by the engine and, should two race, by this index.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('owner', 'delegate', 'agent', 'worker', 'staff', 'system', 'person'));
-- The business day it registered (the engine's, simulated or not).
ALTER TABLE users ADD COLUMN registered_on date;
ALTER TABLE users ADD CONSTRAINT users_person_check CHECK (role <> 'person' OR (person_id IS NOT NULL AND registered_on IS NOT NULL));
-- A request is recorded as a person's own (role 'person') only for his own account services.
ALTER TABLE requests DROP CONSTRAINT requests_actor_role_check;
ALTER TABLE requests ADD CONSTRAINT requests_actor_role_check
    CHECK (actor_role IN ('owner', 'delegate', 'agent', 'worker', 'staff', 'system', 'person'));
CREATE UNIQUE INDEX users_registered_person ON users (person_id) WHERE role = 'person';
-- (A registration announces nothing: daemons never remember a signed-in person who has not
-- registered, so his next request finds his new account.)

-- The owners of each establishment, as its commercial registration names them. An owner of
-- any establishment of a unified number acts for every establishment of it.
CREATE TABLE establishment_owners (
    establishment_id text COLLATE "C" NOT NULL REFERENCES establishments (id),
    person_id        text COLLATE "C" NOT NULL,
    PRIMARY KEY (establishment_id, person_id)
);
CREATE INDEX establishment_owners_person ON establishment_owners (person_id);
-- A change of one person's rights names him, so that daemons forget him alone (payload
-- `person:<id>`; an empty payload, as before, means anyone's).
CREATE FUNCTION announce_person_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('muamala_accounts', 'person:' || (CASE WHEN TG_OP = 'DELETE' THEN OLD.person_id ELSE NEW.person_id END));
    IF TG_OP = 'UPDATE' AND OLD.person_id IS DISTINCT FROM NEW.person_id THEN
        PERFORM pg_notify('muamala_accounts', 'person:' || OLD.person_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER establishment_owners_announce AFTER INSERT OR UPDATE OR DELETE ON establishment_owners
    FOR EACH ROW EXECUTE FUNCTION announce_person_change();
CREATE TRIGGER establishment_owners_announce_truncate AFTER TRUNCATE ON establishment_owners
    FOR EACH STATEMENT EXECUTE FUNCTION announce_account_change();

-- A delegate's grant (by an owner) or an agent's power of attorney, on one establishment:
-- `active → revoked | expired`. At most one active of each kind per person and
-- establishment: a new grant or power of attorney replaces the old one in place.
CREATE TABLE authorizations (
    id               uuid PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('delegate', 'agent')),
    person_id        text COLLATE "C" NOT NULL,
    establishment_id text COLLATE "C" NOT NULL REFERENCES establishments (id),
    -- Service codes, or '*' for every service the role may use.
    services         text[] NOT NULL CHECK (cardinality(services) > 0),
    -- The last day it holds (a delegate's is optional; a power of attorney always ends).
    ends_on          date,
    poa_number       text,
    poa_authority    text,
    granted_by       text NOT NULL,
    state            text NOT NULL CHECK (state IN ('active', 'revoked', 'expired')),
    granted_on       date NOT NULL,
    ended_on         date,
    version          integer NOT NULL DEFAULT 1,
    CHECK (kind <> 'agent' OR (poa_number IS NOT NULL AND poa_authority IS NOT NULL AND ends_on IS NOT NULL)),
    CHECK ((state = 'active') = (ended_on IS NULL))
);
CREATE UNIQUE INDEX authorizations_active ON authorizations (person_id, establishment_id, kind) WHERE state = 'active';
CREATE INDEX authorizations_establishment ON authorizations (establishment_id) WHERE state = 'active';
CREATE TRIGGER authorizations_announce AFTER INSERT OR UPDATE OR DELETE ON authorizations
    FOR EACH ROW EXECUTE FUNCTION announce_person_change();
CREATE TRIGGER authorizations_announce_truncate AFTER TRUNCATE ON authorizations
    FOR EACH STATEMENT EXECUTE FUNCTION announce_account_change();

-- The daemon's role may add registered people's accounts, and nothing else: not staff, not
-- system, not an owner of a unified number (row security; the tables' owner is not bound).
GRANT SELECT, INSERT ON users TO muamala_app;
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_read ON users FOR SELECT TO muamala_app USING (true);
CREATE POLICY users_register ON users FOR INSERT TO muamala_app WITH CHECK (role = 'person' AND unified_number IS NULL);

-- An establishment moving to another unified number changes who owns it.
CREATE TRIGGER establishments_company_announce AFTER UPDATE OF unified_number ON establishments
    FOR EACH ROW WHEN (OLD.unified_number IS DISTINCT FROM NEW.unified_number) EXECUTE FUNCTION announce_account_change();
GRANT SELECT, INSERT, DELETE ON establishment_owners TO muamala_app;
GRANT SELECT, INSERT, UPDATE ON authorizations TO muamala_app;
