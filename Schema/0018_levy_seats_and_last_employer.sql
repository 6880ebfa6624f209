-- The small-establishment levy exemption by the order expatriates joined, and the employer a
-- worker had before the employment ended.
--
-- DOMAIN.md: small establishments "are exempt for up to 4 expatriates". Until now the
-- exemption was all or nothing: when a fifth expatriate joined, the first four lost it. From
-- this version on an expatriate who joins while one of the establishment's seats is free
-- takes it (`workers.levy_exempt`, counted in `establishments.levy_exempt_expats`, moved by
-- relative updates like the headcount), and keeps it until he leaves the counts (Domain:
-- `Nitaqat.joining`).
--
-- A worker whose employment ended (departed, absconded, removed) keeps his last employer in
-- `last_establishment_id`: an absconded worker's final exit is recorded against it.
ALTER TABLE workers
    ADD COLUMN last_establishment_id text REFERENCES establishments (id),
    ADD COLUMN levy_exempt boolean NOT NULL DEFAULT false;
ALTER TABLE establishments
    ADD COLUMN levy_exempt_expats integer NOT NULL DEFAULT 0 CHECK (levy_exempt_expats >= 0);

-- Light statistics, as for the other columns of these tables (`0015`).
ALTER TABLE workers ALTER COLUMN last_establishment_id SET STATISTICS 10;
ALTER TABLE workers ALTER COLUMN levy_exempt SET STATISTICS 10;
ALTER TABLE establishments ALTER COLUMN levy_exempt_expats SET STATISTICS 10;

-- Seats for the expatriates counted today: the first four of each establishment by arrival
-- (the order they joined is not recorded before this version; the rulebook's four in force
-- when this was written). Counted: employed, and not on a temporary permit that is not void.
WITH counted AS (
    SELECT w.id, w.establishment_id,
           row_number() OVER (PARTITION BY w.establishment_id ORDER BY w.arrived_on NULLS LAST, w.id) AS place
    FROM workers w
    LEFT JOIN LATERAL (
        SELECT p.kind, p.state FROM permits p WHERE p.worker_id = w.id ORDER BY p.updated_at DESC LIMIT 1
    ) current ON true
    WHERE w.employment = 'employed' AND w.id LIKE '2%'
      AND NOT (current.kind IS NOT DISTINCT FROM 'temporary' AND current.state IS DISTINCT FROM 'void')
)
UPDATE workers w SET levy_exempt = true
FROM counted c
WHERE w.id = c.id AND c.place <= 4;

UPDATE establishments e SET levy_exempt_expats = s.seats
FROM (SELECT establishment_id, count(*)::int AS seats FROM workers WHERE levy_exempt GROUP BY establishment_id) s
WHERE e.id = s.establishment_id;

-- The last employer of workers who were absconded by a final absence report.
UPDATE workers w SET last_establishment_id = r.establishment_id
FROM (
    SELECT DISTINCT ON (worker_id) worker_id, establishment_id
    FROM cases WHERE kind = 'absence_report' AND state = 'final'
    ORDER BY worker_id, opened_at DESC
) r
WHERE w.id = r.worker_id AND w.employment = 'absconded';
