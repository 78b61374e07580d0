/*
 * cmd_ical.c — `tracker ical`: writes an iCalendar feed of the items in a scope.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "buf.h"
#include "commands.h"
#include "feeditems.h"
#include "model.h"
#include "notify.h"
#include "scope.h"
#include "tdate.h"
#include "banned.h"

static const char usage[] =
    "usage: tracker ical [--scope SCOPE] [--todo] [--name NAME] [-o FILE]\n"
    "\n"
    "Writes an iCalendar feed: by default one all-day event per open item on its due date (what\n"
    "Google Calendar, Outlook and Apple Calendar show from a subscription); --todo writes VTODO\n"
    "tasks instead (Thunderbird, task apps).\n"
    "\n"
    "      --scope SCOPE  all (default), overdue, owner:HANDLE, incident:ID or priority:P0,P1\n"
    "      --todo         VTODO tasks instead of events\n"
    "      --name NAME    the calendar's name (default: \"Action items (SCOPE)\")\n"
    "  -o, --output FILE  write to FILE (atomically) instead of standard output\n"
    "  -h, --help         show this help\n";

int cmd_ical(struct ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"scope", required_argument, NULL, 's'}, {"todo", no_argument, NULL, 't'},
	    {"name", required_argument, NULL, 'N'},  {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
	const char *scope_text = "all", *name = NULL, *output = NULL;
	bool todo = false;
	int o;
	while ((o = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			scope_text = optarg;
			break;
		case 't':
			todo = true;
			break;
		case 'N':
			name = optarg;
			break;
		case 'o':
			output = optarg;
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
		return cli_usage_error(c, "ical: unexpected argument \"%s\"", argv[optind]);
	struct error err;
	error_init(&err);
	struct scope sc;
	struct item_filter f;
	if (scope_parse(scope_text, &sc, &f, &err) < 0)
		return cli_fail(c, &err);
	if (todo)
		f.statuses = (1u << STATUS_COUNT) - 1; /* tasks show every status, done ones completed */
	struct feed_items fi = {0};
	struct buf out, title;
	buf_init(&out, 0);
	buf_init(&title, 1024);
	int rc = EXIT_OK;
	if (!name) {
		buf_printf(&title, "Action items (%s)", scope_text);
		name = buf_cstr(&title);
	}
	if (cli_open_store(c, false, &err) < 0) {
		rc = cli_fail(c, &err);
		goto out;
	}
	/* A scope naming nobody still writes a (valid, empty) calendar, but says so. */
	int found = scope_resolve(&c->st, &sc, &err);
	if (found < 0) {
		rc = cli_fail(c, &err);
		goto out;
	}
	if (found == 1) {
		cli_warning(c, &err);
		error_init(&err);
	}
	if (feed_items_load(&c->st, &f, time_to_date(c->now), &fi, &err) < 0) {
		rc = cli_fail(c, &err);
		goto out;
	}
	struct ical_feed feed = {.name = name,
				 .flavour = todo ? ICAL_TODOS : ICAL_EVENTS,
				 .base_url = c->cfg.server_base_url,
				 .items = fi.v,
				 .nitems = fi.n};
	if (ical_render(&out, &feed, &err) < 0) {
		rc = cli_fail(c, &err);
		goto out;
	}
	if (output) {
		/* mkstemp makes the copy 0600: feeds are private */
		if (atomic_replace(output, "tmp", out.data ? out.data : "", out.len, NULL, &err) < 0)
			rc = cli_fail(c, &err);
	} else {
		fwrite(out.data ? out.data : "", 1, out.len, c->out);
	}
out:
	feed_items_release(&fi);
	buf_release(&out);
	buf_release(&title);
	return rc;
}
