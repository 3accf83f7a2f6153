-- Matching a consensus run's sites reads which of them a (dating) task asks about; without
-- this index each such read scanned the whole tasks table, and in a 400,000-task campaign that
-- made a full consensus run take minutes and hold the writer for seconds.
CREATE INDEX tasks_site_idx ON tasks (site_id) WHERE site_id IS NOT NULL;
