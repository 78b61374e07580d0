-- 0005: dashboard sign-in sessions, and who created a feed.
--
-- Signing in to the dashboard with an API token makes a session: a fresh 256-bit random id in the
-- browser's cookie, stored here only as its SHA-256 (lowercase hex), never the API token itself. A
-- session ends at `expires` (Unix seconds), on sign-out (row deleted), or when its token is revoked
-- (the lookup joins api_tokens and wants revoked_at IS NULL).
CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    sid_hash    TEXT NOT NULL UNIQUE,          -- hex SHA-256 of the cookie's session id
    token_id    INTEGER NOT NULL REFERENCES api_tokens(id),
    created_at  TEXT NOT NULL,
    expires     INTEGER NOT NULL               -- Unix seconds; rows past it are pruned at sign-in
) STRICT;
CREATE INDEX sessions_expires ON sessions (expires);

-- A feed made through an API token (the dashboard's subscribe form) names it; revoking the token
-- revokes such feeds too. NULL: made with `tracker feed create`.
ALTER TABLE feeds ADD COLUMN created_by INTEGER REFERENCES api_tokens(id);
