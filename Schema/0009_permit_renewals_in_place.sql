-- A renewal rewrites its permit in place.
--
-- Renewals are most of all requests (seed: two thirds), and each one updates its worker's
-- permit row. The index on (worker_id, updated_at) changed with every such update, so none
-- could be a HOT update: each wrote a new entry into all three of the table's indexes. The
-- current permit is found among a worker's few permits (one or two), so the index needs
-- only the worker; sorting those rows by updated_at costs nothing. With no indexed column
-- changed, and room left on each page for the new version, a renewal touches the heap
-- page alone.
DROP INDEX permits_worker;
CREATE INDEX permits_worker ON permits (worker_id);
ALTER TABLE permits SET (fillfactor = 85);
