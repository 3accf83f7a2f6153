DROP TABLE sessions;
ALTER TABLE users DROP COLUMN suspended;
ALTER TABLE users DROP COLUMN token_generation;
