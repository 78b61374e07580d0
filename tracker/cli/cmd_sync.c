/*
 * cmd_sync.c — `tracker sync [--dry-run] [--full [--prune]] [--no-fetch] [NAME...]`,
 *              `tracker sync --history [--no-fetch] [NAME...]` (sync_history.h)
 *
 * Syncs the named [source NAME]s of the config (all of them when none is named) with sync_source()
 * (tracker/sync/sync.h, docs/sync.md) and prints what each did. Exit 0 when every source synced and
 * every document was read; 1 when a document was rejected or a file refused (the others are imported);
 * 5 when a source could not be fetched (its documents are left as they were); 3 for an unknown source.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "source.h"
#include "suggest.h"
#include "sync.h"
#include "sync_history.h"
#include "banned.h"

static const char usage[] =
    "usage: tracker sync [--dry-run] [--full [--prune]] [--no-fetch] [NAME...]\n"
    "       tracker sync --history [--no-fetch] [NAME...]\n"
    "\n"
    "Follows the git repositories of post-mortems named by [source NAME] sections of the config: fetches\n"
    "each source's branch, imports the documents changed since the last sync (new, edited, renamed), and\n"
    "flags the items of deleted documents removed. Each change is recorded with its commit, author, time\n"
    "and merge subject. Without NAME, every source is synced. See docs/sync.md.\n"
    "\n"
    "  -n, --dry-run  report what would change; write nothing\n"
    "      --full     read the whole tree at the branch head, not only the changes\n"
    "      --prune    with --full: flag documents missing from the tree removed even when they are\n"
    "                 most of the source's documents (held back otherwise)\n"
    "      --no-fetch use the local mirror as last fetched\n"
    "      --history  replay the whole history of each post-mortem, oldest commit first, so items get\n"
    "                 their real created, closed and slipped times (docs/sync.md, History back-fill)\n"
    "  -h, --help     show this help\n";

static void on_line(void *ud, enum sync_line_kind kind, const char *text)
{
	struct ctx *c = ud;
	if (kind == SYNC_INFO)
		fprintf(c->out, "%s\n", text);
	else
		fprintf(c->err, "%s\n", text);
}

static void summary(struct ctx *c, const char *name, const struct sync_report *r, bool dry)
{
	if (r->up_to_date) {
		fprintf(c->out, "%s: up to date at %.12s: nothing new since the last sync\n", name, r->to);
		return;
	}
	char range[64];
	if (r->from[0] && !r->force_pushed)
		snprintf(range, sizeof range, "%.12s..%.12s", r->from, r->to);
	else
		snprintf(range, sizeof range, "%s%.12s", r->full ? "tree at " : "", r->to);
	size_t changed = r->imported + r->removed_docs + r->rejected + r->refused;
	if (!changed && !r->held_back)
		fprintf(c->out, "%s: %s: no post-mortem changed (%zu path%s looked at, %zu unchanged)%s\n",
			name, range, r->files, r->files == 1 ? "" : "s", r->unchanged,
			dry ? " (dry run)" : "");
	else
		fprintf(c->out,
			"%s: %s: %zu document%s imported (%u item%s new, %u updated, %u removed), %zu "
			"unchanged, %zu deleted, %zu moved, %zu rejected, %zu refused, %zu other path%s "
			"ignored%s\n",
			name, range, r->imported, r->imported == 1 ? "" : "s", r->items_created,
			r->items_created == 1 ? "" : "s", r->items_updated, r->items_removed, r->unchanged,
			r->removed_docs, r->renamed, r->rejected, r->refused, r->ignored,
			r->ignored == 1 ? "" : "s", dry ? " (dry run: nothing was written)" : "");
}

int cmd_sync(struct ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {{"dry-run", no_argument, NULL, 'n'},
					     {"full", no_argument, NULL, 'f'},
					     {"prune", no_argument, NULL, 'p'},
					     {"no-fetch", no_argument, NULL, 'N'},
					     {"history", no_argument, NULL, 'H'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct sync_opts so = {.actor = c->actor, .now = c->now, .line = on_line, .ud = c};
	int o;
	bool history = false;
	while ((o = getopt_long(argc, argv, "nh", opts, NULL)) != -1) {
		switch (o) {
		case 'n':
			so.dry_run = true;
			break;
		case 'f':
			so.full = true;
			break;
		case 'p':
			so.prune = true;
			break;
		case 'N':
			so.no_fetch = true;
			break;
		case 'H':
			history = true;
			break;
		case 'h':
			fputs(usage, c->out);
			return EXIT_OK;
		default:
			fputs(usage, c->err);
			return EXIT_USAGE;
		}
	}
	if (history && (so.dry_run || so.full || so.prune))
		return cli_usage_error(c, "sync: --history goes with no --dry-run, --full or --prune");
	if (so.prune && !so.full)
		return cli_usage_error(c, "sync: --prune goes with --full (see tracker sync -h)");
	if (!c->cfg.nsources) {
		fprintf(c->err,
			"tracker: sync: no [source NAME] section in the config%s%s (see docs/sync.md)\n",
			c->cfg.path ? " " : "", c->cfg.path ? c->cfg.path : "");
		return EXIT_CONFIG;
	}
	/* every name is checked before anything is fetched */
	for (int i = optind; i < argc; i++) {
		if (config_source(&c->cfg, argv[i]))
			continue;
		const char *names[64];
		size_t n = 0;
		for (size_t k = 0; k < c->cfg.nsources && n < 64; k++)
			names[n++] = c->cfg.sources[k].name;
		const char *best = suggest_nearest(argv[i], names, n);
		fprintf(c->err, "tracker: sync: no [source %s] in the config%s%s%s\n", argv[i],
			best ? "; did you mean " : "", best ? best : "", best ? "?" : "");
		return EXIT_CONFIG;
	}
	int rc = EXIT_OK;
	size_t n = optind < argc ? (size_t)(argc - optind) : c->cfg.nsources;
	for (size_t i = 0; i < n; i++) {
		const struct source_cfg *src =
		    optind < argc ? config_source(&c->cfg, argv[optind + (int)i]) : &c->cfg.sources[i];
		if (history) {
			int x = sync_history_one(c, src, &so);
			if (x != EXIT_OK && (rc == EXIT_OK || x > rc))
				rc = x;
			continue;
		}
		struct sync_report rep;
		struct error err;
		error_init(&err);
		if (sync_source(&c->st, &c->cfg, src, &so, &rep, &err) < 0) {
			int x = cli_fail(c, &err);
			if (rc == EXIT_OK || x > rc)
				rc = x;
			continue;
		}
		summary(c, src->name, &rep, so.dry_run);
		if ((rep.rejected || rep.refused) && rc == EXIT_OK)
			rc = EXIT_DATA;
	}
	return rc;
}
