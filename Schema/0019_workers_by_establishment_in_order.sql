-- A portal pages through an establishment's workers in the order of their numbers
-- (GET /v1/establishments/{id}/workers?after=…): the index on the establishment alone made
-- PostgreSQL read and sort every worker of a large establishment for each page. The pair
-- serves both that and every lookup by establishment, so it replaces the old index.
CREATE INDEX workers_establishment_id ON workers (establishment_id, id);
DROP INDEX workers_establishment;
