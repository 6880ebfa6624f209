-- Identifiers compare as bytes.
--
-- National IDs, establishment numbers, stream and subject keys are codes, not words: their
-- order is the order of their bytes whatever the cluster's locale. Under a locale such as
-- C.UTF-8 or en_US.UTF-8, PostgreSQL 15 compares every text key through the C library's
-- collation routines instead of memcmp, at every step down every index on these columns.
-- Measured on the bench's drain (BENCHMARKS.md): the stream-head load took 2.2 ms per batch
-- under C.UTF-8 and 1.2 ms under "C", and the whole drain went from 13,966 to 16,538
-- decided/s. Names and other words keep the database's collation.
--
-- Indexes on these columns are rebuilt; on a large database this takes a lock per table for
-- as long as its indexes take to build.

ALTER TABLE establishments
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN unified_number TYPE text COLLATE "C",
    ALTER COLUMN cr_number TYPE text COLLATE "C";

ALTER TABLE workers
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN establishment_id TYPE text COLLATE "C",
    ALTER COLUMN guardian_id TYPE text COLLATE "C";

ALTER TABLE permits
    ALTER COLUMN worker_id TYPE text COLLATE "C",
    ALTER COLUMN establishment_id TYPE text COLLATE "C";

ALTER TABLE cases
    ALTER COLUMN worker_id TYPE text COLLATE "C",
    ALTER COLUMN establishment_id TYPE text COLLATE "C",
    ALTER COLUMN counterpart_id TYPE text COLLATE "C",
    ALTER COLUMN kind TYPE text COLLATE "C";

ALTER TABLE certificates
    ALTER COLUMN establishment_id TYPE text COLLATE "C";

ALTER TABLE streams
    ALTER COLUMN stream TYPE text COLLATE "C";

ALTER TABLE events
    ALTER COLUMN stream TYPE text COLLATE "C",
    ALTER COLUMN establishment_id TYPE text COLLATE "C",
    ALTER COLUMN actor_id TYPE text COLLATE "C";

ALTER TABLE requests
    ALTER COLUMN subject TYPE text COLLATE "C",
    ALTER COLUMN establishment_id TYPE text COLLATE "C",
    ALTER COLUMN actor_id TYPE text COLLATE "C";

ALTER TABLE request_history
    ALTER COLUMN subject TYPE text COLLATE "C",
    ALTER COLUMN establishment_id TYPE text COLLATE "C",
    ALTER COLUMN actor_id TYPE text COLLATE "C";

ALTER TABLE idempotency_keys
    ALTER COLUMN actor_id TYPE text COLLATE "C",
    ALTER COLUMN key TYPE text COLLATE "C";

ALTER TABLE grants
    ALTER COLUMN establishment_id TYPE text COLLATE "C";

ALTER TABLE users
    ALTER COLUMN person_id TYPE text COLLATE "C",
    ALTER COLUMN unified_number TYPE text COLLATE "C";
