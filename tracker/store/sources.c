/*
 * sources.c — the git sources' rows: state, commit origins, webhook deliveries, own commits (see
 * sources.h).
 */
#include "sources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

void source_state_release(struct source_state *s)
{
	free(s->name);
	free(s->repo);
	free(s->branch);
	free(s->last_commit);
	free(s->synced_at);
	free(s->last_error);
	free(s->error_at);
	memset(s, 0, sizeof *s);
}

#define STATE_COLS "name, repo, branch, last_commit, synced_at, last_error, error_at, syncs, failures"

static void read_state(struct db_stmt *s, struct source_state *o)
{
	o->name = store_col_dup(s, 0);
	o->repo = store_col_dup(s, 1);
	o->branch = store_col_dup(s, 2);
	o->last_commit = store_col_dup(s, 3);
	o->synced_at = store_col_dup(s, 4);
	o->last_error = store_col_dup(s, 5);
	o->error_at = store_col_dup(s, 6);
	o->syncs = db_column_int64(s, 7);
	o->failures = db_column_int64(s, 8);
}

int sources_get(struct store *st, const char *name, struct source_state *out, struct error *err)
{
	struct db_stmt *s;
	memset(out, 0, sizeof *out);
	if (store_sql(st, &s, "SELECT " STATE_COLS " FROM sources WHERE name = ?1", err) < 0)
		return -1;
	db_bind_text(s, 1, name);
	int r = db_step(s);
	int rc;
	if (r == DB_ROW) {
		read_state(s, out);
		rc = out->name && out->repo && out->branch ? 0 : error_set(err, ERR_IO, "out of memory");
		if (rc < 0)
			source_state_release(out);
	} else if (r == DB_DONE) {
		rc = 1;
	} else {
		rc = store_fail(st, err, "reading a source's state");
	}
	db_finalize(s);
	return rc;
}

int sources_list(struct store *st, int (*cb)(const struct source_state *s, void *ud), void *ud,
		 struct error *err)
{
	struct db_stmt *s;
	if (store_sql(st, &s, "SELECT " STATE_COLS " FROM sources ORDER BY name", err) < 0)
		return -1;
	int r, rc = 0;
	while ((r = db_step(s)) == DB_ROW) {
		struct source_state o;
		read_state(s, &o);
		int c = o.name && o.repo && o.branch ? cb(&o, ud) : error_set(err, ERR_IO, "out of memory");
		source_state_release(&o);
		if (c) {
			rc = c < 0 ? -1 : 0;
			break;
		}
	}
	if (!rc && r != DB_ROW && r != DB_DONE)
		rc = store_fail(st, err, "listing sources");
	db_finalize(s);
	return rc;
}

static int run1(struct store *st, const char *sql, const char *const *texts, int n, struct error *err,
		const char *what)
{
	struct db_stmt *s;
	if (store_sql(st, &s, sql, err) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		db_bind_text(s, i + 1, texts[i]);
	int rc = store_run(st, s, err, what);
	db_finalize(s);
	return rc;
}

int sources_synced(struct store *st, const char *name, const char *repo, const char *branch,
		   const char *commit, const char *at, struct error *err)
{
	const char *v[] = {name, repo, branch, commit, at};
	return run1(st,
		    "INSERT INTO sources (name, repo, branch, last_commit, synced_at, syncs) "
		    "VALUES (?1, ?2, ?3, ?4, ?5, 1) ON CONFLICT (name) DO UPDATE SET repo = excluded.repo, "
		    "branch = excluded.branch, last_commit = excluded.last_commit, "
		    "synced_at = excluded.synced_at, last_error = NULL, error_at = NULL, "
		    "syncs = sources.syncs + 1",
		    v, 5, err, "recording a sync");
}

int sources_failed(struct store *st, const char *name, const char *repo, const char *branch, const char *msg,
		   const char *at, struct error *err)
{
	const char *v[] = {name, repo, branch, msg, at};
	return run1(st,
		    "INSERT INTO sources (name, repo, branch, last_error, error_at, failures) "
		    "VALUES (?1, ?2, ?3, ?4, ?5, 1) ON CONFLICT (name) DO UPDATE SET "
		    "last_error = excluded.last_error, "
		    "error_at = excluded.error_at, failures = sources.failures + 1",
		    v, 5, err, "recording a failed sync");
}

int sources_reset(struct store *st, const char *name, struct error *err)
{
	const char *v[] = {name};
	return run1(st, "UPDATE sources SET last_commit = NULL WHERE name = ?1", v, 1, err,
		    "resetting a source");
}

int sources_documents(struct store *st, const char *name, int (*cb)(const char *ref, void *ud), void *ud,
		      struct error *err)
{
	/* a range, not LIKE: no escaping of '_' in names, and the index on source serves it; ';' is the
	 * byte after ':' */
	char lo[128], hi[128];
	snprintf(lo, sizeof lo, "git:%s:", name);
	snprintf(hi, sizeof hi, "git:%s;", name);
	struct db_stmt *s;
	if (store_sql(st, &s,
		      "SELECT DISTINCT source FROM incidents WHERE source >= ?1 AND source < ?2 "
		      "AND rekeyed_to IS NULL ORDER BY source",
		      err) < 0)
		return -1;
	db_bind_text(s, 1, lo);
	db_bind_text(s, 2, hi);
	int r, rc = 0;
	while ((r = db_step(s)) == DB_ROW) {
		int c = cb(db_column_text(s, 0), ud);
		if (c) {
			rc = c < 0 ? -1 : 0;
			break;
		}
	}
	if (!rc && r != DB_ROW && r != DB_DONE)
		rc = store_fail(st, err, "listing a source's documents");
	db_finalize(s);
	return rc;
}

int sources_origin(struct store *st, const char *source, const char *commit, const char *author,
		   const char *subject, const char *committed_at, int64_t *id, struct error *err)
{
	struct db_stmt *s;
	/* DO UPDATE (to the same value) rather than DO NOTHING: RETURNING then gives the row that was
	 * already there too, in one statement on both engines. */
	if (store_sql(st, &s,
		      "INSERT INTO event_origins (source, commit_id, author, subject, committed_at) "
		      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (source, commit_id) DO UPDATE SET "
		      "commit_id = excluded.commit_id RETURNING id",
		      err) < 0)
		return -1;
	db_bind_text(s, 1, source);
	db_bind_text(s, 2, commit);
	db_bind_text(s, 3, author);
	db_bind_text(s, 4, subject);
	db_bind_text(s, 5, committed_at);
	int rc;
	if (db_step(s) == DB_ROW) {
		*id = db_column_int64(s, 0);
		rc = db_step(s) == DB_DONE ? 0 : store_fail(st, err, "recording a commit");
	} else {
		rc = store_fail(st, err, "recording a commit");
	}
	db_finalize(s);
	return rc;
}

int sources_own_commit_add(struct store *st, const char *source, const char *commit, const char *at,
			   struct error *err)
{
	const char *v[] = {source, commit, at};
	return run1(st,
		    "INSERT INTO source_own_commits (source, commit_id, made_at) VALUES (?1, ?2, ?3) "
		    "ON CONFLICT (source, commit_id) DO NOTHING",
		    v, 3, err, "recording a write-back commit");
}

int sources_own_commit_is(struct store *st, const char *source, const char *commit, bool *own,
			  struct error *err)
{
	struct db_stmt *s;
	if (store_sql(st, &s, "SELECT 1 FROM source_own_commits WHERE source = ?1 AND commit_id = ?2", err) <
	    0)
		return -1;
	db_bind_text(s, 1, source);
	db_bind_text(s, 2, commit);
	int r = db_step(s);
	int rc = r == DB_ROW || r == DB_DONE ? 0 : store_fail(st, err, "reading write-back commits");
	*own = r == DB_ROW;
	db_finalize(s);
	return rc;
}
