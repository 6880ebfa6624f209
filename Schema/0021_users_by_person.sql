-- People signed in by the national identity provider are found by their national ID or
-- iqama number (AccountStore.accounts(ofPerson:)), once per token and half minute.
CREATE INDEX users_person ON users (person_id) WHERE person_id IS NOT NULL;
