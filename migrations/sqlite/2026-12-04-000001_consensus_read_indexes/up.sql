-- What a consensus run reads by task and by site. Without these, loading a campaign's marks
-- scanned the whole marks table once per batch of tasks, matching sites scanned the tasks
-- table for the (dating) tasks that refer to them, and an incremental run scanned the
-- campaign's tasks for the widest one: in a 2,000,000-answer campaign a full run took minutes
-- and held the writer for seconds, and an incremental one spent 0.4 s on that scan alone.
-- The tasks around a cell are found by a range of `min_lon`; with the other bounds in the
-- index too, the tasks of that strip outside the cell are passed over without reading them.
CREATE INDEX marks_task_idx ON marks (task_id);
CREATE INDEX tasks_site_idx ON tasks (site_id) WHERE site_id IS NOT NULL;
CREATE INDEX tasks_campaign_lon_span_idx ON tasks (campaign_id, (max_lon - min_lon));
CREATE INDEX tasks_campaign_bbox_cover_idx ON tasks (campaign_id, min_lon, min_lat, max_lon, max_lat);
DROP INDEX tasks_campaign_bbox_idx;
