DROP TABLE site_votes;
DROP TABLE site_tasks;
DROP TRIGGER site_reviews_never_changed ON site_reviews;
DROP FUNCTION site_reviews_are_an_audit_trail();
DELETE FROM site_reviews WHERE user_id IS NULL;
UPDATE site_reviews SET action = 'comment' WHERE action NOT IN ('confirm', 'reject', 'merge', 'comment');
ALTER TABLE site_reviews DROP CONSTRAINT site_reviews_action_check;
ALTER TABLE site_reviews ADD CONSTRAINT site_reviews_action_check
    CHECK (action IN ('confirm', 'reject', 'merge', 'comment'));
ALTER TABLE site_reviews ALTER COLUMN user_id SET NOT NULL;
ALTER TABLE site_reviews DROP COLUMN run_id, DROP COLUMN from_status, DROP COLUMN to_status,
    DROP COLUMN from_class, DROP COLUMN to_class, DROP COLUMN merged_into;
DROP INDEX site_reviews_site_idx;
CREATE INDEX site_reviews_site_idx ON site_reviews (site_id);
UPDATE sites SET status = CASE status WHEN 'merged' THEN 'candidate' ELSE 'confirmed' END
    WHERE status IN ('merged', 'consensus_lost');
ALTER TABLE sites DROP CONSTRAINT sites_status_check;
ALTER TABLE sites ADD CONSTRAINT sites_status_check CHECK (status IN ('candidate', 'confirmed', 'rejected'));
DROP INDEX sites_campaign_id_idx;
ALTER TABLE sites DROP COLUMN reviewed_at, DROP COLUMN class_votes;
