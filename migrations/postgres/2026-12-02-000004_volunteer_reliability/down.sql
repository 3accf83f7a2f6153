DROP INDEX consensus_runs_campaign_kind_idx;
ALTER TABLE consensus_runs DROP COLUMN prior_decoy;
ALTER TABLE consensus_runs DROP COLUMN prior_site;
ALTER TABLE consensus_runs DROP COLUMN kind;
DROP TABLE volunteer_reliability;
