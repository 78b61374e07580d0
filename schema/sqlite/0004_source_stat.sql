-- 0004: what the file system said of each incident's source file when it was last read, so that a
-- re-import skips a file whose (size, mtime, inode) are unchanged without reading it; when they
-- differ the file is read and its SHA-256 (source_hash) is the proof. All NULL when unknown (rows
-- from before this migration, or a file written within two seconds of its import: see docs/import.md).
-- source_rules names the rules and import options the file was read with: a file read under other
-- rules is read again even if it did not change.

-- The same CHECK constraints as 0001 written as comparisons: SQLite evaluates `x IN (list of more than
-- two constants)` through a temporary b-tree built again for every execution of an INSERT or UPDATE,
-- which was about a fifth of the instructions of an import (measured with callgrind, see
-- docs/performance.md). The constraints mean exactly the same (both columns are NOT NULL), so the
-- table definitions are changed in place by the procedure SQLite documents for changing CHECK
-- constraints (https://sqlite.org/lang_altertable.html#otheralter); the ALTER TABLE below then
-- bumps the schema version, so every connection reads the new definitions.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'CHECK (status IN (''open'',''in_progress'',''blocked'',''done'',''wont_do''))',
                     'CHECK (status = ''open'' OR status = ''in_progress'' OR status = ''blocked'' OR '
                     || 'status = ''done'' OR status = ''wont_do'')')
 WHERE type = 'table' AND name = 'items';
UPDATE sqlite_schema
   SET sql = replace(sql, 'CHECK (source IN (''import'',''cli'',''api'',''scheduler''))',
                     'CHECK (source = ''import'' OR source = ''cli'' OR source = ''api'' OR '
                     || 'source = ''scheduler'')')
 WHERE type = 'table' AND name = 'events';
PRAGMA writable_schema = OFF;

ALTER TABLE incidents ADD COLUMN source_size INTEGER;
ALTER TABLE incidents ADD COLUMN source_mtime_ns INTEGER;
ALTER TABLE incidents ADD COLUMN source_ino INTEGER;
ALTER TABLE incidents ADD COLUMN source_rules TEXT;
CREATE INDEX incidents_source ON incidents (source);
