ALTER TABLE frames DROP COLUMN overview_max_zoom;
ALTER TABLE frames DROP COLUMN overview_min_zoom;
