-- Every sign-in is a session a token names, checked on each request: signing out ends one,
-- signing out everywhere (or a role change, a suspension) moves the account's token generation
-- so every token issued before it ends.
ALTER TABLE users ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN suspended BOOLEAN NOT NULL DEFAULT 0;

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
