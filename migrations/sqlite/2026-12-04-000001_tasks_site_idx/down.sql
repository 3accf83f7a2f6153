DROP INDEX tasks_site_idx;
