-- 0010: a partial index of the events that moved a due date later (issue 11 §5: `tracker stats`).
-- The slips statement of tracker/store/stats.c (SLIPS_SQL) counts exactly these events; without it
-- that statement reads every event, and a database has at least one per item (its `created`), so on
-- 1,000,000 items the scan of the events was the slips' whole cost. The WHERE below is that statement's
-- condition, term for term (SQLite uses a partial index only when the query repeats its terms), so keep
-- the two in step. Few events are in it (a slip per item at most, in practice), so an import, whose
-- events are `created` and changes, pays next to nothing for it.
CREATE INDEX events_slips ON events (item_id)
    WHERE field = 'due' AND kind IN ('slipped', 'changed') AND old IS NOT NULL AND new IS NOT NULL
          AND new > old;
