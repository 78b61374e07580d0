/*
 * cmd_remind.c — `tracker remind`: one scheduler pass for cron or a systemd timer: plan (policy),
 * enqueue the digests with what they remind (one transaction), then dispatch whatever is due in the
 * outbox. --now pins the clock for the whole pass, retry and lease times included. The pass is
 * serve_pass() (scheduler/serve.h), the same as each of `tracker serve`'s; this command prints it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "notify.h"
#include "outbox.h"
#include "plan.h"
#include "policy.h"
#include "serve.h"
#include "banned.h"

static const char usage[] =
    "usage: tracker remind [--dry-run] [--explain] [--now T] [--timings]\n"
    "\n"
    "One reminder pass: decides which reminders are due now (see [reminders] in the config),\n"
    "groups them into one digest per recipient and channel, records and queues them in the\n"
    "outbox in one transaction, and then sends whatever in the outbox is due (including\n"
    "retries of earlier failures). A second pass the same day sends nothing new.\n"
    "\n"
    "      --dry-run  write and send nothing; print the digests that would be queued\n"
    "      --explain  say for every open item the policy looked at why it is or is not\n"
    "                 reminded now\n"
    "      --now T    pretend it is T (ISO 8601, e.g. 2026-04-20T10:00:00Z) for the whole pass,\n"
    "                 retry and lease times included\n"
    "      --timings  print how long loading, planning, writing and sending took (stderr)\n"
    "  -h, --help     show this help\n"
    "\n"
    "Exit status: 0 done (failed deliveries are retried later), 3 bad configuration,\n"
    "4 database error, 5 a notification was declared dead in this pass.\n";

static void log_line(void *ctx, const char *line)
{
	fprintf((FILE *)ctx, "tracker: remind: %s\n", line);
}

static const char *prio(int p)
{
	return notify_priority_name(p);
}

static void print_explanations(struct ctx *c, const struct plan *p)
{
	for (size_t i = 0; i < p->out.nexplanations; i++) {
		const struct policy_explanation *e = &p->out.explanations[i];
		const struct plan_item *it = plan_find_item(p, e->item_id);
		if (it)
			fprintf(c->out, "%s#%s %s %s: %s\n", it->p.incident, it->p.key, prio(it->p.priority),
				it->p.owner ? it->p.owner : "(no owner)", e->text);
		else
			fprintf(c->out, "item %lld: %s\n", (long long)e->item_id, e->text);
	}
}

static void print_digests(struct ctx *c, const struct plan *p, bool dry_run)
{
	for (size_t i = 0; i < p->ndigests; i++) {
		const struct plan_digest *d = &p->digests[i];
		const char *what = d->skipped ? "not queued (no [smtp] url)"
				   : dry_run  ? "would queue"
				   : d->added ? "queued"
					      : "already queued";
		fprintf(c->out, "%s: %s %s", what, d->channel, d->recipient);
		if (d->recipient_name)
			fprintf(c->out, " (%s)", d->recipient_name);
		fprintf(c->out, ", %zu item%s, %s", d->n, d->n == 1 ? "" : "s", d->kind);
		if (d->outbox_id)
			fprintf(c->out, ", outbox #%lld", (long long)d->outbox_id);
		fputc('\n', c->out);
		if (!dry_run)
			continue;
		for (size_t k = 0; k < d->n; k++) {
			const struct policy_reminder *r = &p->out.reminders[p->order[d->first + k]];
			const struct plan_item *it = plan_find_item(p, r->item_id);
			fprintf(c->out, "  %s#%s %s %s: %s\n", it ? it->p.incident : "?",
				it ? it->p.key : "?", it ? prio(it->p.priority) : "P?",
				reminder_kind_name(r->kind), r->reason ? r->reason : "");
		}
	}
}

struct remind_print {
	struct ctx *c;
	bool dry_run, explain, timings;
};

/* What remind prints of the plan, before anything is sent. */
static void print_plan(void *ctx, const struct plan *p)
{
	const struct remind_print *rp = ctx;
	struct ctx *c = rp->c;
	if (p->warning[0])
		fprintf(c->err, "tracker: remind: %s\n", p->warning);
	if (rp->explain)
		print_explanations(c, p);
	print_digests(c, p, rp->dry_run);
	if (rp->timings)
		fprintf(
		    c->err,
		    "tracker: remind: %zu open items, %zu people, %zu sent rows: load %.1f ms, plan %.1f ms, "
		    "write %.1f ms\n",
		    p->nitems, p->npeople, p->nsent, p->ms_load, p->ms_policy, p->ms_write);
	if (rp->dry_run) {
		size_t q = p->ndigests - p->nskipped;
		fprintf(c->out, "dry run: %zu digest%s (%zu reminder%s) would be queued", q,
			q == 1 ? "" : "s", p->out.nreminders, p->out.nreminders == 1 ? "" : "s");
		if (p->nskipped)
			fprintf(c->out, ", %zu e-mail digest%s not (no [smtp] url)", p->nskipped,
				p->nskipped == 1 ? "" : "s");
		fputs("; nothing written or sent\n", c->out);
	}
}

int cmd_remind(struct ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dry-run", no_argument, NULL, 'n'},   {"explain", no_argument, NULL, 'e'},
	    {"now", required_argument, NULL, 'T'}, {"timings", no_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0}};
	bool dry_run = false, explain = false, timings = false, pinned = false;
	int o;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'n':
			dry_run = true;
			break;
		case 'e':
			explain = true;
			break;
		case 't':
			timings = true;
			break;
		case 'T':
			if (cli_parse_now(c, optarg) < 0)
				return EXIT_USAGE;
			pinned = true;
			break;
		case 'h':
			fputs(usage, c->out);
			return EXIT_OK;
		default:
			fputs(usage, c->err);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(c, "remind: unexpected argument \"%s\"", argv[optind]);
	struct error err;
	error_init(&err);
	struct policy_config pc;
	struct outbox_config oc;
	/* The same check as serve --check: a dry run that passes means the real run can send. */
	if (plan_check_config(&c->cfg, &pc, &oc, true, &err) < 0)
		return cli_fail(c, &err);
	if (cli_open_store(c, !dry_run, &err) < 0)
		return cli_fail(c, &err);
	cli_warn_permissions(c, false, true);

	struct remind_print rp = {.c = c, .dry_run = dry_run, .explain = explain, .timings = timings};
	struct serve_pass sp = {.st = &c->st,
				.cfg = &c->cfg,
				.pc = &pc,
				.oc = &oc,
				.now = c->now,
				/* unpinned: leases from the real clock, as serve (docs/outbox.md) */
				.wall_clock = !pinned,
				.dry_run = dry_run,
				.log = log_line,
				.log_ctx = c->err,
				.planned = print_plan,
				.planned_ctx = &rp};
	if (serve_pass(&sp, &err) < 0)
		return cli_fail(c, &err);
	if (dry_run)
		return EXIT_OK;
	const struct outbox_stats *s = &sp.stats;
	fprintf(c->out, "%zu new digest%s queued; sent %lu, retrying %lu, dead %lu\n", sp.added,
		sp.added == 1 ? "" : "s", s->sent, s->retried, s->dead);
	if (timings)
		fprintf(c->err, "tracker: remind: dispatch %.1f ms for %lu notifications\n", sp.ms_dispatch,
			s->claimed);
	return s->dead ? EXIT_IO : EXIT_OK;
}
