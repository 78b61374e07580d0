/*
 * cmd_set.c — the changing commands: `tracker set`, `done`, `reopen` and `snooze`.
 *
 * Each parses its options into one struct change (change.h), then applies it to every ITEM named,
 * all in one BEGIN IMMEDIATE transaction: if any item is unknown or any change fails, nothing is
 * written. The change logic itself lives in change.c, shared with the HTTP API.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "commands.h"
#include "items.h"
#include "model.h"
#include "policy.h"
#include "tdate.h"
#include "tz.h"
#include "banned.h"

static const char set_usage[] =
    "usage: tracker set ITEM... FIELD=VALUE... [--note TEXT] [--reason TEXT]\n"
    "\n"
    "Changes action items in the tracker; every change is recorded in the item's history.\n"
    "ITEM is INC-…#KEY (a unique prefix of the incident id is enough). Fields:\n"
    "  status=open|in_progress|blocked|done|wont_do   (wont_do needs --reason)\n"
    "  due=YYYY-MM-DD|none                            (a later date records a slip)\n"
    "  owner=@handle[,@handle…]|none                  (the first is the owner)\n"
    "  priority=P0|P1|P2|P3|none\n"
    "All items change in one transaction: one bad item or value changes nothing.\n"
    "\n"
    "      --note TEXT    a note recorded with the change\n"
    "      --reason TEXT  why (required for status=wont_do)\n"
    "  -h, --help         show this help\n";

static const char done_usage[] = "usage: tracker done ITEM... [--note TEXT]\n"
				 "\n"
				 "Marks items done (status=done, closed now).\n"
				 "\n"
				 "      --note TEXT  a note recorded with the change\n"
				 "  -h, --help        show this help\n";

static const char reopen_usage[] = "usage: tracker reopen ITEM... [--note TEXT]\n"
				   "\n"
				   "Reopens done or wont_do items (status=open, closed time cleared).\n"
				   "\n"
				   "      --note TEXT  a note recorded with the change\n"
				   "  -h, --help        show this help\n";

static const char snooze_usage[] =
    "usage: tracker snooze ITEM... --until DATE [--note TEXT]\n"
    "\n"
    "Silences reminders for items up to and including DATE (YYYY-MM-DD): they resume the day after.\n"
    "A date before today ([reminders] timezone) is refused; --until none ends a snooze.\n"
    "\n"
    "      --until DATE  the last day without reminders (they resume on the next day)\n"
    "      --note TEXT   a note recorded with the change\n"
    "  -h, --help         show this help\n";

enum verb { V_SET, V_DONE, V_REOPEN, V_SNOOZE };

static const char *const verb_names[] = {"set", "done", "reopen", "snooze"};
static const char *const usages[] = {set_usage, done_usage, reopen_usage, snooze_usage};

/* Today in [reminders] timezone (UTC when unset or unknown): the day a snooze may end at the earliest. */
static int32_t snooze_today(const struct ctx *c)
{
	int32_t today;
	int minutes;
	if (tz_local(c->cfg.rem_timezone, c->now, &today, &minutes) < 0)
		today = time_to_date(c->now);
	return today;
}

static int run(struct ctx *c, enum verb v, int argc, char **argv)
{
	enum { O_NOTE = 256, O_REASON, O_UNTIL };
	static const struct option opts[] = {{"note", required_argument, NULL, O_NOTE},
					     {"reason", required_argument, NULL, O_REASON},
					     {"until", required_argument, NULL, O_UNTIL},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *name = verb_names[v], *until = NULL;
	struct change ch;
	struct error err;
	char **items = NULL;
	size_t nitems = 0;
	int rc = EXIT_USAGE, o;
	change_init(&ch);
	error_init(&err);
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case O_NOTE:
			ch.note = optarg;
			break;
		case O_REASON:
			if (v != V_SET) {
				cli_usage_error(c, "%s: --reason is for tracker set ITEM status=wont_do",
						name);
				goto out;
			}
			ch.reason = optarg;
			break;
		case O_UNTIL:
			if (v != V_SNOOZE) {
				cli_usage_error(c, "%s: --until is for tracker snooze", name);
				goto out;
			}
			until = optarg;
			break;
		case 'h':
			fputs(usages[v], c->out);
			rc = EXIT_OK;
			goto out;
		default:
			fputs(usages[v], c->err);
			goto out;
		}
	}
	items = calloc((size_t)argc + 1, sizeof *items);
	if (!items) {
		error_set(&err, ERR_IO, "out of memory");
		rc = cli_fail(c, &err);
		goto out;
	}
	for (int i = optind; i < argc; i++) {
		const char *a = argv[i];
		const char *eq = strchr(a, '='), *hash = strchr(a, '#');
		if (eq && (!hash || eq < hash)) {
			if (v != V_SET) {
				cli_usage_error(c, "%s: \"%s\": field=value is for tracker set", name, a);
				goto out;
			}
			if (change_parse(&ch, a, &err) < 0) {
				rc = cli_fail(c, &err);
				goto out;
			}
		} else {
			items[nitems++] = argv[i];
		}
	}
	switch (v) {
	case V_SET:
		break;
	case V_DONE:
		change_set_status(&ch, "done", &err);
		break;
	case V_REOPEN:
		change_set_status(&ch, "open", &err);
		ch.only_if_closed = true;
		break;
	case V_SNOOZE:
		if (!until) {
			cli_usage_error(c, "snooze: say until when: --until YYYY-MM-DD (or none)");
			goto out;
		}
		if (change_set_snooze_from(&ch, until, snooze_today(c), &err) < 0) {
			rc = cli_fail(c, &err);
			goto out;
		}
		break;
	}
	if (!nitems) {
		cli_usage_error(c, "%s: name at least one item, e.g. tracker %s INC-2026-03-14-042#3", name,
				name);
		goto out;
	}
	if (change_check(&ch, &err) < 0) {
		error_prefix(&err, "%s", name);
		rc = cli_fail(c, &err);
		goto out;
	}
	if (cli_open_store(c, true, &err) < 0 || store_begin(&c->st, &err) < 0) {
		rc = cli_fail(c, &err);
		goto out;
	}
	int64_t *ids = calloc(nitems, sizeof *ids);
	struct change_result *res = calloc(nitems, sizeof *res);
	if (!ids || !res) {
		error_set(&err, ERR_IO, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < nitems; i++) {
		if (items_resolve(&c->st, items[i], &ids[i], &err) < 0 ||
		    change_apply(&c->st, ids[i], &ch, c->actor, "cli", c->now, &res[i], &err) < 0)
			goto fail;
	}
	if (store_commit(&c->st, &err) < 0)
		goto fail;
	for (size_t i = 0; i < nitems; i++) {
		if (v == V_SNOOZE && ch.snoozed_until[0]) {
			int32_t d;
			char next[11];
			date_parse(ch.snoozed_until, &d);
			date_format(d + 1, next);
			fprintf(c->out, "%s: %s: no reminders through %s; they resume on %s\n", items[i],
				res[i].changed ? "snoozed" : "already snoozed", ch.snoozed_until, next);
		} else if (!res[i].changed)
			fprintf(c->out, "%s: unchanged\n", items[i]);
		else if (res[i].slipped)
			fprintf(c->out, "%s: updated (due date slipped)\n", items[i]);
		else
			fprintf(c->out, "%s: updated\n", items[i]);
	}
	free(ids);
	free(res);
	rc = EXIT_OK;
	goto out;
fail:
	store_rollback(&c->st);
	free(ids);
	free(res);
	rc = cli_fail(c, &err);
	fprintf(c->err, "tracker: %s: nothing was changed\n", name);
out:
	free(items);
	change_release(&ch);
	return rc;
}

int cmd_set(struct ctx *c, int argc, char **argv)
{
	return run(c, V_SET, argc, argv);
}

int cmd_done(struct ctx *c, int argc, char **argv)
{
	return run(c, V_DONE, argc, argv);
}

int cmd_reopen(struct ctx *c, int argc, char **argv)
{
	return run(c, V_REOPEN, argc, argv);
}

int cmd_snooze(struct ctx *c, int argc, char **argv)
{
	return run(c, V_SNOOZE, argc, argv);
}
