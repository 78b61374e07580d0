/*
 * gitwb.c — the tracker's values written back into a git source as one commit (see gitwb.h). The
 * documents are computed by writeback.c; git (tracker/sync/git.h) builds the commit in the source's
 * mirror without a work tree and pushes it.
 */
#include "gitwb.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "git.h"
#include "import.h"
#include "incidents.h"
#include "source.h"
#include "sources.h"
#include "sync.h"
#include "tdate.h"
#include "writeback.h"
#include "banned.h"

void gitwb_report_init(struct gitwb_report *r)
{
	memset(r, 0, sizeof *r);
	buf_init(&r->diff, BUF_MAX_DEFAULT);
	buf_init(&r->notes, BUF_MAX_DEFAULT);
}

void gitwb_report_release(struct gitwb_report *r)
{
	buf_release(&r->diff);
	buf_release(&r->notes);
}

/* One document of the source: its incident, path in the repository and stored hash. */
struct doc {
	char *incident, *path, *hash;
	struct writeback_report wr;
	bool changed;
};

struct docs {
	struct doc *v;
	size_t n;
	const char *name;
	bool oom;
};

static void docs_release(struct docs *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].incident);
		free(d->v[i].path);
		free(d->v[i].hash);
		writeback_report_release(&d->v[i].wr);
	}
	free(d->v);
	d->v = NULL;
	d->n = 0;
}

static int doc_cb(const struct incident_ref *r, void *ud)
{
	struct docs *d = ud;
	const char *path;
	if (!source_ref_parse(r->source, d->name, &path))
		return 0;
	struct doc *nv = realloc(d->v, (d->n + 1) * sizeof *nv);
	if (!nv) {
		d->oom = true;
		return -1;
	}
	d->v = nv;
	struct doc *x = &nv[d->n++];
	memset(x, 0, sizeof *x);
	writeback_report_init(&x->wr);
	x->incident = strdup(r->id);
	x->path = strdup(path);
	x->hash = strdup(r->source_hash ? r->source_hash : "");
	d->oom |= !x->incident || !x->path || !x->hash;
	return d->oom ? -1 : 0;
}

/* Splits "Name <email>" (no CR/LF, both parts present). */
static int parse_author(const char *a, char *name, size_t nsz, char *email, size_t esz)
{
	const char *lt = strchr(a, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	if (!lt || !gt || gt[1] || strpbrk(a, "\r\n"))
		return -1;
	size_t n = (size_t)(lt - a);
	while (n && a[n - 1] == ' ')
		n--;
	size_t e = (size_t)(gt - lt - 1);
	if (!n || !e || n >= nsz || e >= esz)
		return -1;
	memcpy(name, a, n);
	name[n] = '\0';
	memcpy(email, lt + 1, e);
	email[e] = '\0';
	return 0;
}

/* The first line of out, trimmed, into id (a git object id). */
static int first_word(const struct buf *out, char id[72], const char *what, struct error *err)
{
	const char *s = buf_cstr(out);
	size_t n = strcspn(s, " \t\n");
	if (n == 0 || n >= 72)
		return error_set(err, ERR_IO, "git %s: unexpected answer", what);
	snprintf(id, 72, "%.*s", (int)n, s);
	return 0;
}

static int git_out(const struct git_env *g, const char *const argv[], const char *in, size_t inlen,
		   char id[72], struct error *err)
{
	struct buf out;
	buf_init(&out, 1 << 20);
	int rc = git_run(g, argv, in, inlen, &out, err);
	if (rc == 0)
		rc = first_word(&out, id, argv[0], err);
	buf_release(&out);
	return rc;
}

/* Reads HEAD:path of the mirror into d->wr.old_data and computes the write-back. 0 computed (changed or
 * not), 1 refused (a note says why), -1 error. */
static int prepare_doc(struct store *st, const struct git_env *g, const char *head, const char *srcname,
		       struct doc *d, const struct writeback_opts *wo, struct gitwb_report *rep,
		       struct error *err)
{
	char spec[4200];
	snprintf(spec, sizeof spec, "%s:%s", head, d->path);
	const char *argv[] = {"cat-file", "blob", spec, NULL};
	struct buf b;
	size_t max = wo->io && wo->io->max_size ? wo->io->max_size : (size_t)4 << 20; /* import.c's default */
	buf_init(&b, max);
	struct error e;
	error_init(&e);
	if (git_run(g, argv, NULL, 0, &b, &e) < 0) {
		buf_release(&b);
		buf_printf(&rep->notes, "%s: not in %s at %.12s (deleted? the next sync flags it): %s\n",
			   d->path, srcname, head, e.msg);
		return 1;
	}
	d->wr.old_len = b.len;
	d->wr.old_data = buf_detach(&b);
	d->wr.incident = strdup(d->incident);
	d->wr.path = strdup(d->path);
	if (!d->wr.old_data || !d->wr.incident || !d->wr.path)
		return error_set(err, ERR_IO, "out of memory");
	if (writeback_prepare(st, d->hash, wo, &d->wr, &e) < 0) {
		if (e.kind != ERR_DATA) {
			*err = e;
			return -1;
		}
		buf_printf(&rep->notes, "%s: not written: %s\n", d->path, e.msg);
		return 1;
	}
	for (size_t k = 0; k < d->wr.res.nnotes; k++)
		buf_printf(&rep->notes, "%s: note: %s\n", d->path, d->wr.res.notes[k]);
	d->changed = d->wr.res.nedits > 0;
	return 0;
}

static const char *const field_names[] = {"status", "due", "owner", "checklist"};

/* Builds the commit of the changed documents on `head`; its id into commit. */
static int make_commit(const struct git_env *g0, const char *head, struct docs *ds, const char *author,
		       char commit[72], struct gitwb_report *rep, struct error *err)
{
	char name[256], email[256];
	if (parse_author(author, name, sizeof name, email, sizeof email) < 0)
		return error_set(err, ERR_CONFIG, "commit_author \"%s\": write \"Name <email>\"", author);
	struct buf idx;
	buf_init(&idx, 8192);
	buf_printf(&idx, "%s/tracker-writeback.%ld.index", g0->git_dir, (long)getpid());
	unlink(buf_cstr(&idx));
	char e_index[4200], e_an[300], e_ae[300], e_cn[300], e_ce[300];
	snprintf(e_index, sizeof e_index, "GIT_INDEX_FILE=%s", buf_cstr(&idx));
	snprintf(e_an, sizeof e_an, "GIT_AUTHOR_NAME=%s", name);
	snprintf(e_ae, sizeof e_ae, "GIT_AUTHOR_EMAIL=%s", email);
	snprintf(e_cn, sizeof e_cn, "GIT_COMMITTER_NAME=%s", name);
	snprintf(e_ce, sizeof e_ce, "GIT_COMMITTER_EMAIL=%s", email);
	const char *env[] = {e_index, e_an, e_ae, e_cn, e_ce, NULL};
	struct git_env g = *g0;
	g.extra_env = env;
	struct buf msg, out;
	buf_init(&msg, BUF_MAX_DEFAULT);
	buf_init(&out, 1 << 20);
	int rc = -1;
	size_t ndocs = 0, nedits = 0;
	for (size_t i = 0; i < ds->n; i++)
		if (ds->v[i].changed) {
			ndocs++;
			nedits += ds->v[i].wr.res.nedits;
		}
	const char *rt[] = {"read-tree", head, NULL};
	if (git_run(&g, rt, NULL, 0, NULL, err) < 0)
		goto out;
	buf_printf(&msg, "tracker: status written back (%zu change%s in %zu document%s)\n\n", nedits,
		   nedits == 1 ? "" : "s", ndocs, ndocs == 1 ? "" : "s");
	for (size_t i = 0; i < ds->n; i++) {
		struct doc *d = &ds->v[i];
		if (!d->changed)
			continue;
		char blob[72], mode[16] = "100644";
		const char *ho[] = {"hash-object", "-w", "--stdin", NULL};
		if (git_out(&g, ho, d->wr.res.data, d->wr.res.len, blob, err) < 0)
			goto out;
		/* keep the file's mode (an executable .md stays one) */
		const char *ls[] = {"ls-tree", head, "--", d->path, NULL};
		buf_reset(&out);
		if (git_run(&g, ls, NULL, 0, &out, err) < 0)
			goto out;
		if (out.len > 6 && !strncmp(buf_cstr(&out), "100755", 6))
			snprintf(mode, sizeof mode, "100755");
		struct buf ci;
		buf_init(&ci, 8192);
		buf_printf(&ci, "%s,%s,%s", mode, blob, d->path);
		const char *ui[] = {"update-index", "--add", "--cacheinfo", buf_cstr(&ci), NULL};
		int r = git_run(&g, ui, NULL, 0, NULL, err);
		buf_release(&ci);
		if (r < 0)
			goto out;
		for (size_t k = 0; k < d->wr.res.nedits; k++) {
			const struct wb_edit *e = &d->wr.res.edits[k];
			buf_printf(&msg, "%s:%u: %s%s%s: \"%s\" -> \"%s\"\n", d->path, e->line,
				   field_names[e->field], e->key ? " of item " : "", e->key ? e->key : "",
				   e->old_text, e->new_text);
		}
		char la[4200], lb[4200];
		snprintf(la, sizeof la, "a/%s", d->path);
		snprintf(lb, sizeof lb, "b/%s", d->path);
		if (writeback_diff(d->wr.old_data, d->wr.old_len, d->wr.res.data, d->wr.res.len, la, lb,
				   &rep->diff) < 0) {
			error_set(err, ERR_IO, "out of memory");
			goto out;
		}
	}
	buf_printf(&msg, "\n%s\n", GITWB_TRAILER);
	char tree[72];
	const char *wt[] = {"write-tree", NULL};
	if (git_out(&g, wt, NULL, 0, tree, err) < 0)
		goto out;
	const char *ct[] = {"commit-tree", tree, "-p", head, "-F", "-", NULL};
	if (git_out(&g, ct, buf_cstr(&msg), msg.len, commit, err) < 0)
		goto out;
	rep->documents = ndocs;
	rep->edits = nedits;
	rc = 0;
out:
	unlink(buf_cstr(&idx));
	buf_release(&idx);
	buf_release(&msg);
	buf_release(&out);
	return rc;
}

/* Branch mode: whether the remote's tracker/status already is this write-back — one commit on `head`
 * with the same tree — so that a write-back after every sync does not push a new commit each time. */
static bool branch_has(const struct git_env *g, const struct source_cfg *src, const char *head,
		       const char *commit, char existing[72])
{
	struct error e;
	error_init(&e);
	const char *fe[] = {"fetch",     "--quiet",
			    "--no-tags", "--no-write-fetch-head",
			    src->repo,   "+refs/heads/" GITWB_BRANCH ":refs/tracker/status",
			    NULL};
	int status = 0;
	if (git_run_status(g, fe, NULL, 0, NULL, NULL, &status, &e) < 0 || status != 0)
		return false; /* no such branch yet (or unreachable: the push will say) */
	struct buf out;
	buf_init(&out, 1 << 16);
	char want[300], have[300];
	snprintf(want, sizeof want, "%s^{tree}", commit);
	const char *rp[] = {
	    "rev-parse", "refs/tracker/status", "refs/tracker/status^1", "refs/tracker/status^{tree}", want,
	    NULL};
	bool same = false;
	if (git_run_status(g, rp, NULL, 0, &out, NULL, &status, &e) == 0 && status == 0) {
		char ids[4][72];
		const char *p = buf_cstr(&out);
		int n = 0;
		for (; n < 4 && *p; n++) {
			size_t len = strcspn(p, "\n");
			snprintf(ids[n], sizeof ids[n], "%.*s", (int)(len < 71 ? len : 71), p);
			p += len + (p[len] == '\n');
		}
		snprintf(have, sizeof have, "%s", n == 4 ? ids[2] : "");
		same = n == 4 && !strcmp(ids[1], head) && !strcmp(have, ids[3]);
		if (same)
			snprintf(existing, 72, "%s", ids[0]);
	}
	buf_release(&out);
	return same;
}

/* Pushes commit to ref of the source's repository. 0 pushed, 1 refused (the remote moved on: a non-fast-
 * forward), -1 another failure. */
static int push(const struct git_env *g, const struct source_cfg *src, const char *commit, const char *ref,
		bool force, struct error *err)
{
	struct buf spec, errout;
	buf_init(&spec, 8192);
	buf_init(&errout, 1 << 20);
	buf_printf(&spec, "%s%s:%s", force ? "+" : "", commit, ref);
	const char *argv[] = {"push", "--quiet", "--no-verify", src->repo, buf_cstr(&spec), NULL};
	int status = 0;
	int rc = git_run_status(g, argv, NULL, 0, NULL, &errout, &status, err);
	if (rc == 0 && status != 0) {
		const char *e = buf_cstr(&errout);
		char last[320];
		git_last_words(&errout, last, sizeof last);
		if (strstr(e, "non-fast-forward") || strstr(e, "fetch first") || strstr(e, "[rejected]")) {
			rc = 1;
			error_set(err, ERR_IO, "source %s: push to %s refused: %s", src->name, ref, last);
		} else {
			rc = -1;
			error_set(err, ERR_IO, "source %s: git push to %s: %s", src->name, ref, last);
		}
	}
	buf_release(&spec);
	buf_release(&errout);
	return rc;
}

/* The push mode's store update: the written values become the base, each document's hash the new blob's,
 * and the commit is recorded as the tracker's own — one transaction. */
static int record(struct store *st, const struct source_cfg *src, struct docs *ds, const char *commit,
		  bool update_base, const struct writeback_opts *wo, struct error *err)
{
	char at[21];
	time_format(wo->now, at);
	if (store_begin(st, err) < 0)
		return -1;
	for (size_t i = 0; update_base && i < ds->n; i++)
		if (ds->v[i].changed && writeback_record(st, &ds->v[i].wr, wo, err) < 0)
			goto fail;
	if (sources_own_commit_add(st, src->name, commit, at, err) < 0)
		goto fail;
	if (store_commit(st, err) < 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	return -1;
}

int gitwb_run(struct store *st, const struct config *cfg, const struct source_cfg *src,
	      const struct gitwb_opts *o, struct gitwb_report *rep, struct error *err)
{
	if (src->writeback == WRITEBACK_OFF && !o->dry_run)
		return error_set(err, ERR_CONFIG,
				 "[source %s] writeback is off: set writeback = branch or push to write "
				 "statuses back into the repository",
				 src->name);
	bool push_mode = src->writeback == WRITEBACK_PUSH;
	struct import_opts io;
	if (import_opts_from_config(&io, cfg, err) < 0)
		return -1;
	struct writeback_opts wo = {.actor = o->actor ? o->actor : "tracker", .now = o->now, .io = &io};
	struct sync_opts so = {.actor = o->actor, .now = o->now, .git = o->git};
	struct git_env g;
	struct sync_env hold = {0};
	struct docs ds = {.name = src->name};
	char prefix[SOURCE_NAME_MAX + 8];
	int rc = -1;
	snprintf(prefix, sizeof prefix, "git:%s:", src->name);
	if (push_mode)
		snprintf(rep->ref, sizeof rep->ref, "refs/heads/%s", source_branch(src));
	else
		snprintf(rep->ref, sizeof rep->ref, "refs/heads/%s", GITWB_BRANCH);
	if (sync_env(cfg, src, &so, &g, &hold, err) < 0)
		goto out;
	for (int attempt = 0; attempt < 2; attempt++) {
		/* 1. the store up to date with the branch head */
		struct sync_report sr;
		memset(&sr, 0, sizeof sr);
		if (!attempt && o->synced)
			snprintf(sr.to, sizeof sr.to, "%s", o->synced);
		else if (sync_source(st, cfg, src, &so, &sr, err) < 0)
			goto out;
		char prev_head[72];
		snprintf(prev_head, sizeof prev_head, "%s", rep->head);
		snprintf(rep->head, sizeof rep->head, "%s", sr.to);
		if (attempt && !strcmp(prev_head, rep->head)) {
			error_prefix(err, "the branch did not move, so this is not a race");
			goto out;
		}
		/* 2. each document's write-back */
		docs_release(&ds);
		buf_reset(&rep->notes);
		buf_reset(&rep->diff);
		if (incidents_find_source_prefix(st, prefix, doc_cb, &ds, err) < 0) {
			if (ds.oom)
				error_set(err, ERR_IO, "out of memory");
			goto out;
		}
		size_t changed = 0;
		for (size_t i = 0; i < ds.n; i++) {
			int r = prepare_doc(st, &g, rep->head, src->name, &ds.v[i], &wo, rep, err);
			if (r < 0)
				goto out;
			changed += ds.v[i].changed;
		}
		if (!changed) {
			rep->commit[0] = '\0';
			rc = 0;
			goto out;
		}
		/* 3. the commit */
		const char *author = o->author ? o->author : GITWB_DEFAULT_AUTHOR;
		if (make_commit(&g, rep->head, &ds, author, rep->commit, rep, err) < 0)
			goto out;
		if (o->dry_run) {
			rep->commit[0] = '\0';
			rc = 0;
			goto out;
		}
		/* 4. the push */
		char existing[72];
		if (!push_mode && branch_has(&g, src, rep->head, rep->commit, existing)) {
			snprintf(rep->commit, sizeof rep->commit, "%s", existing);
			rep->already = true;
			rc = 0;
			break;
		}
		int p = push(&g, src, rep->commit, rep->ref, !push_mode, err);
		if (p < 0)
			goto out;
		if (p > 0) {
			if (attempt) {
				error_prefix(err, "the remote moved on again; left as it is");
				goto out;
			}
			rep->rebased = true;
			continue;
		}
		/* 5. the store */
		if (record(st, src, &ds, rep->commit, push_mode, &wo, err) < 0) {
			error_prefix(
			    err,
			    "pushed %s to %s but the database was not updated (the next sync catches up)",
			    rep->commit, rep->ref);
			goto out;
		}
		rc = 0;
		break;
	}
out:
	docs_release(&ds);
	sync_env_release(&hold);
	import_opts_release(&io);
	return rc;
}
