DROP INDEX tasks_campaign_lon_span_idx;
DROP INDEX tasks_site_idx;
DROP INDEX marks_task_idx;
