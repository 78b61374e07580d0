/*
 * cmd_sync_history.c — `tracker sync --history [NAME…]`: the output of the history back-fill of one
 * source (sync_history.h).
 */
#include <stdio.h>
#include <string.h>

#include "sync_history.h"

#include "history.h"
#include "source.h"
#include "sync.h"
#include "banned.h"

int sync_history_one(struct ctx *c, const struct source_cfg *src, const struct sync_opts *so)
{
	struct hist_result r;
	struct error err;
	error_init(&err);
	if (hist_sync(&c->st, &c->cfg, src, so, &r, &err) < 0) {
		hist_result_release(&r);
		error_prefix(&err, "%s: ", src->name);
		return cli_fail(c, &err);
	}
	/* each problem and refusal, one a line, named by the source */
	const char *p = buf_cstr(&r.notes);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		fprintf(c->err, "tracker: %s: %.*s\n", src->name, (int)n, p);
		p += n + (nl != NULL);
	}
	char head[13];
	snprintf(head, sizeof head, "%.12s", r.head);
	if (!r.commits)
		fprintf(c->out, "%s: the branch has no commit: nothing to replay\n", src->name);
	else if (!r.versions && !r.deletions && !r.replayed)
		fprintf(
		    c->out,
		    "%s: nothing new in the history (%u commits up to %s; %u documents up to date, %u left "
		    "alone)\n",
		    src->name, r.commits, head, r.up_to_date, r.refused);
	else
		fprintf(
		    c->out,
		    "%s: history replayed up to %s: %u commits, %u documents (%u replayed, %u up to date, %u "
		    "left alone); %u versions imported, %u deleted, %u rejected; items: %u new, %u updated, "
		    "%u removed, %u restored\n",
		    src->name, head, r.commits, r.lineages, r.replayed, r.up_to_date, r.refused, r.versions,
		    r.deletions, r.broken, r.created, r.updated, r.removed, r.restored);
	int rc = r.broken || r.refused || r.skipped ? EXIT_DATA : EXIT_OK;
	hist_result_release(&r);
	return rc;
}
