-- A handle's confusable skeleton (UTS #39, after NFKC and case folding): "mаrie_curie" with a
-- Cyrillic а, or in fullwidth letters, has the skeleton of "marie_curie" and cannot be
-- registered beside it. NULL until the server fills it in for accounts made before (an older
-- account whose skeleton collides with another's keeps NULL: both stay, no new one joins them).
ALTER TABLE users ADD COLUMN handle_skeleton TEXT;
CREATE UNIQUE INDEX users_handle_skeleton_idx ON users (handle_skeleton);
