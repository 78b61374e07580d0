-- 0006: incidents as real teams write them (issue 9).
-- PostgreSQL translation of schema/sqlite/0006_incident_identity.sql.
-- status: the document's own status line ("Complete, action items in progress"), from front matter,
--   a "Status:" label or a "## Status" section; NULL when the document has none.
-- rekeyed_to: set when the document (the same source path) gained another id: its items moved to
--   that incident with their history. The row stays because events name it (events are
--   append-only); every listing skips it.
ALTER TABLE incidents ADD COLUMN status TEXT COLLATE "C";
ALTER TABLE incidents ADD COLUMN rekeyed_to TEXT COLLATE "C" REFERENCES incidents(id);
-- (the lookup by source path uses 0004's index incidents_source)
-- A renamed file whose id came from its name is found by its bytes (merge.c, S_INC_BY_HASH).
CREATE INDEX incidents_source_hash ON incidents (source_hash);
-- id_derived: 1 when the document wrote no id and it was derived from the file name. A document
--   whose id changes is the same document (its items move) only when one of the two ids was derived.
ALTER TABLE incidents ADD COLUMN id_derived BIGINT NOT NULL DEFAULT 0;
