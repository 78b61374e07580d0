-- 0002: the durable outbox of notifications and the record of what was reminded.

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    channel         TEXT NOT NULL,           -- 'email' or 'webhook:NAME'
    recipient       TEXT NOT NULL,           -- e-mail address, or the webhook's name
    kind            TEXT NOT NULL,           -- overdue | due_soon | escalation | mixed
    idempotency_key TEXT NOT NULL UNIQUE,    -- channel, recipient, local date, items and kinds
    payload         TEXT NOT NULL,           -- JSON snapshot of the digest (items as sent)
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending','sending','sent','dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,           -- UTC; when the dispatcher may take it
    lease_owner     TEXT,                    -- who holds it while state = 'sending'
    lease_until     TEXT,                    -- UTC; after this another dispatcher may take it
    last_error      TEXT,
    last_code       INTEGER,                 -- SMTP reply or HTTP status of the last attempt
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    sent_at         TEXT
) STRICT;
CREATE INDEX outbox_ready ON outbox (state, next_attempt_at);

-- One row per item, kind and recipient reminded, per local date: the policy's memory.
CREATE TABLE reminders_sent (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES items(id),
    kind        TEXT NOT NULL,               -- overdue | due_soon | escalation
    channel     TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    local_date  TEXT NOT NULL,               -- the recipient's date when it was planned
    at          TEXT NOT NULL,               -- UTC
    outbox_id   INTEGER REFERENCES outbox(id),
    UNIQUE (item_id, kind, channel, recipient, local_date)
) STRICT;
CREATE INDEX reminders_sent_item ON reminders_sent (item_id, kind, at);
