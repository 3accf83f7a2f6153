DROP INDEX users_handle_skeleton_idx;
ALTER TABLE users DROP COLUMN handle_skeleton;
