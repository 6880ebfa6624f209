-- Seasonal workers out of the Nitaqat counts.
--
-- DOMAIN.md: a temporary work permit is for seasonal work and "does not count in Nitaqat".
-- Until now every employed worker was counted, seasonal or not. From this version on, issuing
-- a temporary permit takes its worker out of the employer's counts, and the worker's
-- departure, removal or transfer no longer subtracts them (Domain: `Nitaqat.counts`): a
-- temporary permit that is not void names a worker outside the counts.
--
-- Workers who hold such a permit already were counted when they were registered. They leave
-- the counts here, once, so that their way out leaves the counts right. A Saudi is never
-- issued a temporary permit, so only the headcount moves, not the Saudi count or weight.
-- The counts are moved by relative updates everywhere (no version bump), and so here.
UPDATE establishments e
SET headcount = e.headcount - s.seasonal
FROM (
    SELECT w.establishment_id, count(*)::int AS seasonal
    FROM workers w
    JOIN LATERAL (
        -- The worker's current permit: the newest one.
        SELECT p.kind, p.state FROM permits p WHERE p.worker_id = w.id ORDER BY p.updated_at DESC LIMIT 1
    ) current ON true
    WHERE w.employment = 'employed' AND current.kind = 'temporary' AND current.state <> 'void'
    GROUP BY w.establishment_id
) s
WHERE e.id = s.establishment_id;
