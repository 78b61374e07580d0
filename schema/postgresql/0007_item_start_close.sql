-- 0007: each item's start date and time to close, stored (issue 11 §5: `tracker stats` on 1,000,000
-- items in under a second). The PostgreSQL twin of schema/sqlite/0007_item_start_close.sql.
-- start_date: ITEM_START_SQL of tracker/store/items.h (the incident date, else an earlier due date,
--   else the day of the first import), "YYYY-MM-DD".
-- close_secs: seconds from start_date (midnight UTC) to closed_at when the close time is known
--   (ITEM_CLOSE_KNOWN_SQL of tracker/store/items.h), else NULL.
-- Derived data: no trigger keeps it. stats_refresh_items() (tracker/store/stats.c) recomputes an
-- incident's items with the statement below, restricted to that incident, after every write that can
-- change them (an imported document, an item change). The fill of the existing rows below is that
-- statement over all incidents (test_stats.c checks the two agree); the rule itself is defined once,
-- in items.h. The times are "Z" texts: timestamp without time zone reads them as UTC.
ALTER TABLE items ADD COLUMN start_date TEXT COLLATE "C";
ALTER TABLE items ADD COLUMN close_secs BIGINT;
UPDATE items AS i SET
    start_date = (CASE WHEN n.date < substr(i.created_at, 1, 10) THEN n.date
                       WHEN n.date IS NULL AND i.due < substr(i.created_at, 1, 10) THEN i.due
                       ELSE substr(i.created_at, 1, 10) END),
    close_secs = CASE WHEN (i.closed_at IS NOT NULL AND (i.closed_at <> i.created_at OR EXISTS (
                               SELECT 1 FROM events e WHERE e.item_id = i.id AND e.field = 'status')))
                      THEN CAST(EXTRACT(EPOCH FROM CAST(i.closed_at AS timestamp)
                           - CAST((CASE WHEN n.date < substr(i.created_at, 1, 10) THEN n.date
                                  WHEN n.date IS NULL AND i.due < substr(i.created_at, 1, 10) THEN i.due
                                  ELSE substr(i.created_at, 1, 10) END) AS timestamp)) AS BIGINT) END
FROM incidents AS n WHERE n.id = i.incident_id;
-- Covers every column `tracker stats` reads (an index-only scan once vacuumed). Status and priority first:
-- the counts, grouped by them, come out of the index in order (no sort). Then id: within each status
-- and priority new items are appended, and an item's refresh (stats_refresh_items) rewrites its entry
-- in place, so an import dirties a few index pages, not all of them (ordered by the stored values
-- instead, the index cost the 10,000-document import bench 0.6 s more CPU, most of it WAL writes).
CREATE INDEX items_stats ON items (status, priority, id, close_secs, removed_at, due, owner, start_date,
                                   closed_at, incident_id, created_at);
