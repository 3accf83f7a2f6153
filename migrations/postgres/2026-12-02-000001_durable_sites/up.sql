-- Sites keep their identity across consensus runs, carry their provenance (the tasks and the
-- votes that formed them, votes by class) and an audit trail that is never edited or deleted.
ALTER TABLE sites DROP CONSTRAINT sites_status_check;
ALTER TABLE sites ADD CONSTRAINT sites_status_check
    CHECK (status IN ('candidate', 'confirmed', 'rejected', 'merged', 'consensus_lost'));
-- JSON object: marks by class, as the last consensus run counted them
ALTER TABLE sites ADD COLUMN class_votes TEXT NOT NULL DEFAULT '{}';
-- the last confirm, reject, reclassify or merge; a reviewed site is never moved or deleted
ALTER TABLE sites ADD COLUMN reviewed_at BIGINT;
CREATE INDEX sites_campaign_id_idx ON sites (campaign_id, id);

-- NULL user: what a consensus run recorded (consensus_lost, consensus_restored)
ALTER TABLE site_reviews ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE site_reviews DROP CONSTRAINT site_reviews_action_check;
ALTER TABLE site_reviews ADD CONSTRAINT site_reviews_action_check
    CHECK (action IN ('confirm', 'reject', 'reclassify', 'merge', 'comment', 'consensus_lost',
                      'consensus_restored'));
ALTER TABLE site_reviews ADD COLUMN run_id TEXT;
ALTER TABLE site_reviews ADD COLUMN from_status TEXT NOT NULL DEFAULT '';
ALTER TABLE site_reviews ADD COLUMN to_status TEXT NOT NULL DEFAULT '';
ALTER TABLE site_reviews ADD COLUMN from_class TEXT NOT NULL DEFAULT '';
ALTER TABLE site_reviews ADD COLUMN to_class TEXT NOT NULL DEFAULT '';
ALTER TABLE site_reviews ADD COLUMN merged_into TEXT;
DROP INDEX site_reviews_site_idx;
CREATE INDEX site_reviews_site_idx ON site_reviews (site_id, created_at);

CREATE FUNCTION site_reviews_are_an_audit_trail() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'site reviews are an audit trail: never edited or deleted';
END;
$$;
CREATE TRIGGER site_reviews_never_changed BEFORE UPDATE OR DELETE ON site_reviews
    FOR EACH ROW EXECUTE FUNCTION site_reviews_are_an_audit_trail();

-- The tasks whose answers formed a site, as its last consensus run found them.
CREATE TABLE site_tasks (
    site_id TEXT NOT NULL REFERENCES sites (id),
    task_id BIGINT NOT NULL REFERENCES tasks (id),
    PRIMARY KEY (site_id, task_id)
);
CREATE INDEX site_tasks_task_idx ON site_tasks (task_id);

-- The marks behind a site, one a volunteer: `voter` numbers them within the site only (in an
-- order keyed by the site), so the API can show votes without naming or linking volunteers.
CREATE TABLE site_votes (
    site_id TEXT NOT NULL REFERENCES sites (id),
    voter   INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    class   TEXT NOT NULL,
    PRIMARY KEY (site_id, voter)
);
