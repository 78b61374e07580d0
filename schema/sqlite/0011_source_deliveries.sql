-- 0011: push webhook deliveries already accepted, for replay refusal (POST /hooks/git/NAME).
--
-- One row per delivery id (X-GitHub-Delivery, X-Gitlab-Event-UUID, X-Gitea-Delivery) per [source NAME]:
-- inserting a delivery that is already here (INSERT ... ON CONFLICT DO NOTHING changes no row) tells a
-- replay, which is refused. Rows older than 7 days are pruned when a delivery is recorded; a delivery
-- replayed after that is answered like a new one (the sync it starts is idempotent).
CREATE TABLE source_deliveries (
    id          INTEGER PRIMARY KEY,                -- (copy.c wants a one-column key)
    source      TEXT NOT NULL,                 -- the [source NAME] of the config
    delivery    TEXT NOT NULL,                 -- the delivery id as sent
    provider    TEXT NOT NULL,                 -- github | gitlab | gitea
    received_at TEXT NOT NULL,                 -- UTC "YYYY-MM-DDTHH:MM:SSZ"
    UNIQUE (source, delivery)
) STRICT;
CREATE INDEX source_deliveries_received ON source_deliveries (received_at);
