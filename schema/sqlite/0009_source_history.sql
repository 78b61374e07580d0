-- 0009: `tracker sync --history` (issue 13): how far each document's history has been replayed.
--
-- One row per document lineage of a source: a file from the commit that added it, followed through its
-- renames, up to its deletion. The lineage is named by the commit that added the file and the path it
-- was added at (first_commit, first_path): that never changes while the branch's history does not.
-- last_commit is the last commit of the lineage whose version was replayed (a second run replays only
-- what came after it: running --history twice changes nothing), path the file's path at that commit,
-- incident_id the incident the lineage became (docs/sync.md, "History back-fill").
CREATE TABLE source_history (
    id           INTEGER PRIMARY KEY,      -- (a single-column key: `tracker db copy` pages by it)
    source       TEXT NOT NULL,            -- the [source NAME] of the config
    first_commit TEXT NOT NULL,            -- full hex id of the commit that added the file
    first_path   TEXT NOT NULL,            -- its path in that commit
    last_commit  TEXT NOT NULL,            -- the last commit replayed
    path         TEXT NOT NULL,            -- the path at last_commit
    incident_id  TEXT NOT NULL,            -- the incident it became
    replayed_at  TEXT NOT NULL,            -- UTC time of the run that replayed last_commit
    UNIQUE (source, first_commit, first_path)
) STRICT;
CREATE INDEX source_history_incident ON source_history (incident_id);
