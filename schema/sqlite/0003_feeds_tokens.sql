-- 0003: calendar feed tokens, API tokens and the one-time nonces of signed action links.
-- Tokens are 256-bit random values shown once; only their SHA-256 (lowercase hex) is stored.

CREATE TABLE feeds (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,                -- the calendar's name (X-WR-CALNAME)
    scope       TEXT NOT NULL,                -- all | overdue | owner:H | incident:ID | priority:P0,P1
    flavour     TEXT NOT NULL DEFAULT 'events' CHECK (flavour IN ('events','todo')),
    token_hash  TEXT NOT NULL UNIQUE,         -- hex SHA-256 of the token
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
) STRICT;

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,               -- who holds it; the actor of changes made with it
    token_hash   TEXT NOT NULL UNIQUE,
    read_only    INTEGER NOT NULL DEFAULT 0 CHECK (read_only IN (0, 1)),
    created_at   TEXT NOT NULL,
    revoked_at   TEXT,
    last_used_at TEXT
) STRICT;

-- A signed action link (/act/…) works once: its nonce is recorded when it is used.
CREATE TABLE action_nonces (
    nonce    TEXT PRIMARY KEY,
    action   TEXT NOT NULL,
    item_id  INTEGER REFERENCES items(id),
    expires  INTEGER NOT NULL,               -- Unix seconds; rows past it may be pruned
    used_at  TEXT NOT NULL
) STRICT;
