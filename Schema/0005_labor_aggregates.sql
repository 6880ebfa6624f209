-- The state of the labor e-services: establishments, workers, permits, cases and
-- certificates. Every table carries establishment_id (to distribute by it one day) and a
-- version (optimistic concurrency). The rules that must never break are enforced here too,
-- even against SQL that bypasses the application.

CREATE TABLE establishments (
    id                text PRIMARY KEY,
    unified_number    text NOT NULL CHECK (unified_number ~ '^7[0-9]{9}$'),
    cr_number         text NOT NULL UNIQUE CHECK (cr_number ~ '^[0-9]{10}$'),
    name_ar           text NOT NULL,
    name_en           text NOT NULL,
    activity          text NOT NULL,
    status            text NOT NULL CHECK (status IN ('active', 'suspended', 'closed')),
    cr_expires_on     date NOT NULL,
    owner_full_time   boolean NOT NULL DEFAULT false,
    suspended_until   date,
    malicious_reports integer NOT NULL DEFAULT 0,
    opened_on         date NOT NULL,
    -- Nitaqat counts, moved by relative updates so concurrent hires never collide.
    headcount         integer NOT NULL DEFAULT 0 CHECK (headcount >= 0),
    saudi_count       integer NOT NULL DEFAULT 0 CHECK (saudi_count >= 0 AND saudi_count <= headcount),
    saudi_weight      double precision NOT NULL DEFAULT 0,
    expired_permits   integer NOT NULL DEFAULT 0 CHECK (expired_permits >= 0),
    version           integer NOT NULL DEFAULT 1
);

CREATE INDEX establishments_company ON establishments (unified_number);

CREATE TABLE workers (
    id                      text PRIMARY KEY CHECK (id ~ '^[12][0-9]{9}$'),
    name                    text NOT NULL,
    nationality             text NOT NULL,
    birth_date              date NOT NULL,
    establishment_id        text REFERENCES establishments (id),
    occupation              text NOT NULL,
    wage                    integer NOT NULL CHECK (wage >= 0),
    part_time               boolean NOT NULL DEFAULT false,
    disabled                boolean NOT NULL DEFAULT false,
    employment              text NOT NULL CHECK (employment IN ('employed', 'absconded', 'departed', 'removed', 'dependent')),
    arrived_on              date,
    contract_ends_on        date,
    iqama_expires_on        date,
    transfer_count          integer NOT NULL DEFAULT 0,
    generic_title_corrected boolean NOT NULL DEFAULT false,
    guardian_id             text REFERENCES workers (id),
    version                 integer NOT NULL DEFAULT 1,
    CHECK (employment <> 'employed' OR establishment_id IS NOT NULL)
);

CREATE INDEX workers_establishment ON workers (establishment_id);
CREATE INDEX workers_guardian ON workers (guardian_id) WHERE guardian_id IS NOT NULL;

CREATE TABLE permits (
    id               uuid PRIMARY KEY,
    worker_id        text NOT NULL REFERENCES workers (id),
    establishment_id text NOT NULL REFERENCES establishments (id),
    kind             text NOT NULL CHECK (kind IN ('regular', 'temporary')),
    state            text NOT NULL CHECK (state IN ('invoiced', 'active', 'expired', 'void')),
    valid_from       date NOT NULL,
    expires_on       date NOT NULL CHECK (expires_on >= valid_from),
    months           integer NOT NULL CHECK (months > 0),
    levy             integer NOT NULL CHECK (levy >= 0),
    fee              integer NOT NULL CHECK (fee >= 0),
    extensions       integer NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    version          integer NOT NULL DEFAULT 1
);

-- One valid permit per worker: at most one that is not expired or void.
CREATE UNIQUE INDEX permits_one_valid ON permits (worker_id) WHERE state IN ('invoiced', 'active');
-- The current permit is the newest one.
CREATE INDEX permits_worker ON permits (worker_id, updated_at DESC);
CREATE INDEX permits_establishment ON permits (establishment_id) WHERE state = 'expired';

-- Cases of the worker workflows. `open` follows from the state; one open case of each kind
-- per worker (one open absence report, one open transfer, one unused final exit, …).
CREATE TABLE cases (
    id               uuid PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('final_exit', 'transfer', 'dependent_transfer', 'branch_change',
                                                   'occupation_change', 'absence_report')),
    worker_id        text NOT NULL REFERENCES workers (id),
    establishment_id text NOT NULL REFERENCES establishments (id),
    counterpart_id   text REFERENCES establishments (id),
    state            text NOT NULL,
    opened_at        timestamptz NOT NULL,
    opened_on        date NOT NULL,
    deadline         date,
    details          jsonb NOT NULL DEFAULT '{}',
    closed_at        timestamptz,
    version          integer NOT NULL DEFAULT 1,
    open             boolean GENERATED ALWAYS AS (state NOT IN ('completed', 'rejected', 'lapsed', 'cancelled', 'used',
                                                                'expired', 'final', 'cleared', 'refused')) STORED,
    CHECK (
        (kind = 'final_exit'         AND state IN ('pending_employer', 'issued', 'used', 'cancelled', 'expired')) OR
        (kind = 'transfer'           AND state IN ('pending_worker', 'pending_current_employer', 'notice_period', 'awaiting_fee',
                                                   'completed', 'rejected', 'lapsed', 'cancelled')) OR
        (kind = 'dependent_transfer' AND state IN ('pending_guardian', 'approved', 'completed', 'lapsed', 'rejected')) OR
        (kind = 'branch_change'      AND state IN ('pending_worker', 'completed', 'lapsed', 'rejected')) OR
        (kind = 'occupation_change'  AND state IN ('pending_worker', 'awaiting_fee', 'completed', 'lapsed', 'rejected')) OR
        (kind = 'absence_report'     AND state IN ('open', 'cancelled', 'final', 'cleared'))
    )
);

CREATE UNIQUE INDEX cases_one_open_per_kind ON cases (worker_id, kind) WHERE open;
CREATE INDEX cases_open_worker ON cases (worker_id) WHERE open;
CREATE INDEX cases_establishment ON cases (establishment_id, opened_at DESC);

CREATE TABLE certificates (
    id                  uuid PRIMARY KEY,
    establishment_id    text NOT NULL REFERENCES establishments (id),
    kind                text NOT NULL DEFAULT 'saudization' CHECK (kind IN ('saudization')),
    band                text NOT NULL CHECK (band IN ('low_green', 'medium_green', 'high_green', 'platinum')),
    saudization_percent double precision NOT NULL,
    issued_on           date NOT NULL,
    valid_until         date NOT NULL,
    request_id          uuid
);

CREATE INDEX certificates_establishment ON certificates (establishment_id, issued_on DESC);

GRANT SELECT, INSERT, UPDATE ON establishments, workers, permits, cases, certificates TO muamala_app;
