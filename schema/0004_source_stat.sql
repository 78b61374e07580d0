-- 0004: what the file system said of each incident's source file when it was last read, so that a
-- re-import skips a file whose (size, mtime, inode) are unchanged without reading it; when they
-- differ the file is read and its SHA-256 (source_hash) is the proof. All NULL when unknown (rows
-- from before this migration, or a file written within two seconds of its import: see docs/import.md).
-- source_rules names the rules and import options the file was read with: a file read under other
-- rules is read again even if it did not change.

ALTER TABLE incidents ADD COLUMN source_size INTEGER;
ALTER TABLE incidents ADD COLUMN source_mtime_ns INTEGER;
ALTER TABLE incidents ADD COLUMN source_ino INTEGER;
ALTER TABLE incidents ADD COLUMN source_rules TEXT;
CREATE INDEX incidents_source ON incidents (source);
