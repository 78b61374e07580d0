-- 0008: reserved for the migration of issue 12 (another helper's branch). This placeholder only keeps the
-- numbering whole on branch h-gitsync; the lead replaces it with the real 0008 at merge.
SELECT 1;
