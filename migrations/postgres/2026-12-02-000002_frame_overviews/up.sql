-- The zoom range of a frame's Web Mercator overview pyramid (overview/{frame}/{z}/{x}/{y}),
-- NULL until one is built (frames ingested before, frames in pixel space).
ALTER TABLE frames ADD COLUMN overview_min_zoom INTEGER;
ALTER TABLE frames ADD COLUMN overview_max_zoom INTEGER;
