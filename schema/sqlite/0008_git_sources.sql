-- 0008: git sources (issue 13): where each event came from, and what each [source NAME] has synced.
--
-- event_origins: one row per commit that events were recorded from (a sync of a push, or a commit
-- replayed by `sync --history`): the source's name, the full commit id, its author ("Name <email>"),
-- its commit time (UTC "YYYY-MM-DDTHH:MM:SSZ") and the merge subject (the first line of the message of
-- the commit that brought the change onto the branch). One row per commit, not per event: a first
-- sync of ten thousand documents is one commit and a few hundred thousand events.
CREATE TABLE event_origins (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,                 -- the [source NAME] of the config
    commit_id   TEXT NOT NULL,                 -- full hex object id
    author      TEXT NOT NULL,                 -- "Name <email>" of the commit's author
    subject     TEXT NOT NULL,                 -- first line of the (merge) commit's message
    committed_at TEXT NOT NULL,                -- the commit time, UTC
    UNIQUE (source, commit_id)
) STRICT;
-- An event with an origin was recorded from that commit (its `at` is the commit time, its actor the
-- commit's author); NULL: recorded by the tracker itself (a file import, the CLI, the API, the scheduler).
ALTER TABLE events ADD COLUMN origin INTEGER REFERENCES event_origins(id);

-- The state of each source: the last commit fully synced (the base of the next diff), when, and the last
-- failure (kept until the next success) for `tracker sync` and /metrics.
CREATE TABLE sources (
    name        TEXT PRIMARY KEY,
    repo        TEXT NOT NULL,                 -- the repository as configured (no credentials)
    branch      TEXT NOT NULL,
    last_commit TEXT,                          -- NULL: never synced
    synced_at   TEXT,                          -- UTC time of the last successful sync
    last_error  TEXT,                          -- NULL after a success
    error_at    TEXT,
    syncs       INTEGER NOT NULL DEFAULT 0,    -- successful syncs
    failures    INTEGER NOT NULL DEFAULT 0     -- failed syncs
) STRICT;

-- Push webhook deliveries already accepted (the delivery id of X-GitHub-Delivery, X-Gitlab-Event-UUID,
-- X-Gitea-Delivery): inserting one already here (INSERT … ON CONFLICT DO NOTHING changes no row) tells
-- a replay, which is refused. Rows older than 7 days are pruned when a delivery is recorded.
CREATE TABLE source_deliveries (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,                 -- the [source NAME] of the config
    delivery    TEXT NOT NULL,                 -- the delivery id as sent
    provider    TEXT NOT NULL,                 -- github | gitlab | gitea
    received_at TEXT NOT NULL,                 -- UTC "YYYY-MM-DDTHH:MM:SSZ"
    UNIQUE (source, delivery)
) STRICT;
CREATE INDEX source_deliveries_received ON source_deliveries (received_at);

-- Commits the tracker made itself (write-back, writeback = branch | push): the next sync recognises them
-- and records no events for what it wrote.
CREATE TABLE source_own_commits (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    commit_id   TEXT NOT NULL,
    made_at     TEXT NOT NULL,
    UNIQUE (source, commit_id)
) STRICT;
