ALTER TABLE consensus_runs DROP COLUMN error;
