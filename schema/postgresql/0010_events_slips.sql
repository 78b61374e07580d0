-- 0010: a partial index of the events that moved a due date later (issue 11 §5: `tracker stats`).
-- PostgreSQL translation of schema/sqlite/0010_events_slips.sql (which explains it); the same index.
CREATE INDEX events_slips ON events (item_id)
    WHERE field = 'due' AND kind IN ('slipped', 'changed') AND old IS NOT NULL AND new IS NOT NULL
          AND new > old;
