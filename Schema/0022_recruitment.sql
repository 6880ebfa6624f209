-- Recruitment: visa balances, visas, and cases whose subject is an establishment.
--
-- Until now every case was a worker's. A visa issue (طلب صرف) is the establishment's own
-- case: it waits for its fee and then issues visas. Such a case has no worker; its subject
-- is its establishment (the request's subject, `establishment:<id>`, which orders it and
-- names its event stream). A case has a worker exactly when its kind is a worker's.

ALTER TABLE cases ALTER COLUMN worker_id DROP NOT NULL;
ALTER TABLE cases DROP CONSTRAINT cases_kind_check;
ALTER TABLE cases ADD CONSTRAINT cases_kind_check CHECK (kind IN (
    'final_exit', 'transfer', 'dependent_transfer', 'branch_change', 'occupation_change', 'absence_report',
    'visa_issue'));
ALTER TABLE cases ADD CONSTRAINT cases_subject_check CHECK ((worker_id IS NULL) = (kind IN ('visa_issue')));
-- The states each kind may be in, restated whole with the new kind (a CHECK cannot be extended).
ALTER TABLE cases DROP CONSTRAINT cases_check;
ALTER TABLE cases ADD CONSTRAINT cases_check CHECK (
    (kind = 'final_exit'         AND state IN ('pending_employer', 'issued', 'used', 'cancelled', 'expired')) OR
    (kind = 'transfer'           AND state IN ('pending_worker', 'pending_current_employer', 'notice_period', 'awaiting_fee',
                                               'completed', 'rejected', 'lapsed', 'cancelled')) OR
    (kind = 'dependent_transfer' AND state IN ('pending_guardian', 'approved', 'completed', 'lapsed', 'rejected')) OR
    (kind = 'branch_change'      AND state IN ('pending_worker', 'completed', 'lapsed', 'rejected')) OR
    (kind = 'occupation_change'  AND state IN ('pending_worker', 'awaiting_fee', 'completed', 'lapsed', 'rejected')) OR
    (kind = 'absence_report'     AND state IN ('open', 'cancelled', 'final', 'cleared')) OR
    (kind = 'visa_issue'         AND state IN ('awaiting_fee', 'completed', 'lapsed')));

-- An establishment's open cases, loaded with it when it is a request's subject.
CREATE INDEX cases_open_establishment ON cases (establishment_id) WHERE open AND worker_id IS NULL;

-- The approved balance of visas, per establishment and occupation. `remaining` is what may
-- still be drawn; it never goes below zero, whatever writes it. `approved` counts every visa
-- ever approved (the limit of an establishment's first months). Both move by relative
-- updates, like the Nitaqat counts.
CREATE TABLE visa_balances (
    establishment_id text COLLATE "C" NOT NULL REFERENCES establishments (id),
    occupation       text NOT NULL,
    approved         integer NOT NULL DEFAULT 0 CHECK (approved >= 0),
    remaining        integer NOT NULL DEFAULT 0 CHECK (remaining >= 0 AND remaining <= approved),
    PRIMARY KEY (establishment_id, occupation)
);

-- Each visa: `issued → used | cancelled | expired`. The number is unique nationwide (the
-- primary key). A compensatory visa names the worker it replaces, and an establishment
-- replaces a worker once (another establishment he later left may replace him too). A
-- worker may arrive on several visas over the years (he leaves and comes back).
CREATE TABLE visas (
    id                 text COLLATE "C" PRIMARY KEY CHECK (id ~ '^[1-9][0-9]{0,8}-[1-9][0-9]{0,8}/[1-9][0-9]{0,8}$'),
    establishment_id   text COLLATE "C" NOT NULL REFERENCES establishments (id),
    case_id            uuid NOT NULL REFERENCES cases (id),
    occupation         text NOT NULL,
    nationality        text NOT NULL,
    state              text NOT NULL CHECK (state IN ('issued', 'used', 'cancelled', 'expired')),
    issued_on          date NOT NULL,
    expires_on         date NOT NULL CHECK (expires_on >= issued_on),
    fee                integer NOT NULL CHECK (fee >= 0),
    refund             integer CHECK (refund >= 0 AND refund <= fee),
    replaces_worker_id text COLLATE "C" REFERENCES workers (id),
    used_by_worker_id  text COLLATE "C" REFERENCES workers (id),
    ended_on           date,
    version            integer NOT NULL DEFAULT 1,
    CHECK ((state = 'used') = (used_by_worker_id IS NOT NULL)),
    CHECK (refund IS NULL OR state = 'cancelled'),
    UNIQUE (establishment_id, replaces_worker_id)
);

CREATE INDEX visas_establishment ON visas (establishment_id, id);
CREATE INDEX visas_case ON visas (case_id);
CREATE INDEX visas_replacing ON visas (replaces_worker_id) WHERE replaces_worker_id IS NOT NULL;
-- The yearly count of an establishment's compensatory visas.
CREATE INDEX visas_compensatory ON visas (establishment_id, issued_on) WHERE replaces_worker_id IS NOT NULL;

ALTER TABLE visa_balances ALTER COLUMN occupation SET STATISTICS 10;
ALTER TABLE visas ALTER COLUMN occupation SET STATISTICS 10;
ALTER TABLE visas ALTER COLUMN nationality SET STATISTICS 10;

GRANT SELECT, INSERT, UPDATE ON visa_balances, visas TO muamala_app;
