-- 0009: reserved for another helper's migration (the lead assigned 0010 to sync --history). This
-- placeholder only keeps the numbering whole on branch h-history; the lead replaces it (or drops it and
-- renumbers) at merge.
SELECT 1;
