-- The queue's dead rows are vacuumed by autovacuum alone (the daemon's own VACUUM, a
-- sweep every 5,000 dead rows, was taken out in December 2026: a product does not vacuum
-- its tables itself). The threshold comes down to that size; how soon autovacuum looks is
-- the server's `autovacuum_naptime` (README, "The database server under load"; the private
-- cluster of Scripts/pg uses 2 s). `muamala maintenance` vacuums the queue on demand.
ALTER TABLE requests SET (autovacuum_vacuum_threshold = 5000);
