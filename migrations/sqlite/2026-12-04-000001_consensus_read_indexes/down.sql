CREATE INDEX tasks_campaign_bbox_idx ON tasks (campaign_id, min_lon, min_lat);
DROP INDEX tasks_campaign_bbox_cover_idx;
DROP INDEX tasks_campaign_lon_span_idx;
DROP INDEX tasks_site_idx;
DROP INDEX marks_task_idx;
