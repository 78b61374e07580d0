-- 0001: incidents, action items (with the base copy of each document field), history, people.
-- Times are UTC text "YYYY-MM-DDTHH:MM:SSZ"; dates are "YYYY-MM-DD".

CREATE TABLE incidents (
    id           TEXT PRIMARY KEY,            -- INC-YYYY-MM-DD-N…, from the document
    title        TEXT NOT NULL DEFAULT '',
    date         TEXT,
    duration     TEXT,
    severity     INTEGER,
    reporter     TEXT,
    approved_by  TEXT,
    review_date  TEXT,
    source       TEXT NOT NULL,               -- absolute path of the document
    source_hash  TEXT NOT NULL,               -- SHA-256 of the file as last imported
    imported_at  TEXT NOT NULL
) STRICT;

CREATE TABLE items (
    id            INTEGER PRIMARY KEY,
    incident_id   TEXT NOT NULL REFERENCES incidents(id),
    key           TEXT NOT NULL,              -- the ID cell; shown as INC-…#key
    position      INTEGER NOT NULL,           -- order in the document
    line          INTEGER NOT NULL,           -- line of the row in the document
    -- current values (what the tracker says)
    action        TEXT NOT NULL,
    owners        TEXT NOT NULL DEFAULT '[]', -- JSON array of handles/names, first is the owner
    owner         TEXT,                       -- first of owners, for filtering
    due           TEXT,
    priority      INTEGER CHECK (priority BETWEEN 0 AND 3),
    status        TEXT NOT NULL CHECK (status IN ('open','in_progress','blocked','done','wont_do')),
    status_raw    TEXT,                       -- the document's status word as written
    extra         TEXT NOT NULL DEFAULT '{}', -- JSON object: other columns of the row
    -- base: each document field as last imported (for the three-way merge)
    base_action   TEXT NOT NULL,
    base_owners   TEXT NOT NULL DEFAULT '[]',
    base_due      TEXT,
    base_priority INTEGER,
    base_status   TEXT NOT NULL,
    -- bookkeeping
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    closed_at     TEXT,
    sequence      INTEGER NOT NULL DEFAULT 0, -- bumped on every change; the iCal SEQUENCE
    snoozed_until TEXT,
    removed_at    TEXT,                       -- set when the row vanished from the document
    UNIQUE (incident_id, key)
) STRICT;
CREATE INDEX items_open_due ON items (status, due);
CREATE INDEX items_owner ON items (owner);

CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER REFERENCES items(id),
    incident_id TEXT NOT NULL REFERENCES incidents(id),
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('import','cli','api','scheduler')),
    kind        TEXT NOT NULL,                -- created | changed | conflict | removed | restored | note | …
    field       TEXT,
    old         TEXT,
    new         TEXT,
    note        TEXT
) STRICT;
CREATE INDEX events_item ON events (item_id, id);

CREATE TABLE people (
    handle      TEXT PRIMARY KEY,
    name        TEXT,
    email       TEXT,
    tz          TEXT,
    manager     TEXT,
    slack       TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

-- History is append-only.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
