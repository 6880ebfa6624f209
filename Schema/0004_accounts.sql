-- Portal accounts and who may act for which establishment. Tokens are random, shown once,
-- and stored only as SHA-256 hashes.

CREATE TABLE users (
    id             uuid PRIMARY KEY,
    -- The person behind the account (national ID or iqama), when there is one.
    person_id      text,
    name           text NOT NULL,
    role           text NOT NULL CHECK (role IN ('owner', 'delegate', 'agent', 'worker', 'staff', 'system')),
    -- Owners act for every establishment of their unified number.
    unified_number text,
    created_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    disabled_at    timestamptz,
    CHECK (role <> 'owner' OR unified_number IS NOT NULL),
    CHECK (role <> 'worker' OR person_id IS NOT NULL)
);

CREATE UNIQUE INDEX users_person_role ON users (person_id, role) WHERE person_id IS NOT NULL AND disabled_at IS NULL;

-- Delegates: the services granted on each establishment ('*' for all). Agents: the
-- establishments named in the power of attorney (services '*').
CREATE TABLE grants (
    user_id          uuid NOT NULL REFERENCES users (id),
    establishment_id text NOT NULL,
    services         text[] NOT NULL,
    granted_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (user_id, establishment_id)
);

CREATE TABLE tokens (
    hash       bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id),
    label      text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    revoked_at timestamptz
);

CREATE INDEX tokens_user ON tokens (user_id);

GRANT SELECT ON users, grants, tokens TO muamala_app;
