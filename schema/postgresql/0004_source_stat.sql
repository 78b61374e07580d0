-- 0004: what the file system said of each incident's source file when it was last read, so that a
-- re-import skips a file whose (size, mtime, inode) are unchanged without reading it; when they
-- differ the file is read and its SHA-256 (source_hash) is the proof. All NULL when unknown (rows
-- from before this migration, or a file written within two seconds of its import: see docs/import.md).
-- source_rules names the rules and import options the file was read with: a file read under other
-- rules is read again even if it did not change.
-- PostgreSQL translation of schema/sqlite/0004_source_stat.sql.

-- The SQLite migration rewrites two CHECK constraints of 0001 from `x IN (…)` to a chain of
-- comparisons (a speed matter on SQLite; the meaning is the same, both columns being NOT NULL). The
-- same rewrite here, so that both engines carry the same definitions.
ALTER TABLE items DROP CONSTRAINT items_status_check,
    ADD CONSTRAINT items_status_check
    CHECK (status = 'open' OR status = 'in_progress' OR status = 'blocked' OR
           status = 'done' OR status = 'wont_do');
ALTER TABLE events DROP CONSTRAINT events_source_check,
    ADD CONSTRAINT events_source_check
    CHECK (source = 'import' OR source = 'cli' OR source = 'api' OR source = 'scheduler');

ALTER TABLE incidents ADD COLUMN source_size BIGINT;
ALTER TABLE incidents ADD COLUMN source_mtime_ns BIGINT;
ALTER TABLE incidents ADD COLUMN source_ino BIGINT;
ALTER TABLE incidents ADD COLUMN source_rules TEXT COLLATE "C";
CREATE INDEX incidents_source ON incidents (source);
