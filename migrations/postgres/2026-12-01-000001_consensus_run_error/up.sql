-- A consensus run that could not run (a campaign whose settings cannot be read) says why.
ALTER TABLE consensus_runs ADD COLUMN error TEXT;
