/*
 * cmd_list.c — `tracker list`: the items, filtered and sorted, as a table, JSON or CSV.
 *
 * JSON and CSV stream row by row (a million items cost no memory); the table buffers to align. CSV
 * cells that a spreadsheet would run as formulas are neutralised (csv_field).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "items.h"
#include "model.h"
#include "people.h"
#include "report.h"
#include "table.h"
#include "tdate.h"
#include "banned.h"

static const char usage[] =
    "usage: tracker list [FILTERS] [--sort KEY] [--limit N] [--format table|json|csv] [--now T]\n"
    "\n"
    "Lists action items: by default the open ones, overdue first, then by priority and due date.\n"
    "\n"
    "filters (combinable):\n"
    "      --all              every item, closed and removed ones too\n"
    "      --overdue          past their due date and not done\n"
    "      --owner H          owned by H (repeatable)\n"
    "      --mine             owned by you ($TRACKER_USER or [user] handle)\n"
    "      --priority LIST    e.g. P0,P1\n"
    "      --status LIST      e.g. open,blocked (open in_progress blocked done wont_do)\n"
    "      --incident ID      one incident (a unique prefix of its id is enough)\n"
    "      --due-before DATE  due before DATE (YYYY-MM-DD)\n"
    "      --due-within N[d|w] due within N days (or weeks) from today\n"
    "      --unassigned       no owner\n"
    "      --unscheduled      no due date\n"
    "      --removed          rows that vanished from their document\n"
    "output:\n"
    "      --sort KEY         due, priority, owner, incident or age\n"
    "      --limit N          at most N items\n"
    "      --format F         table (default), json or csv\n"
    "      --now T            the date to measure overdue against (ISO 8601)\n"
    "  -h, --help             show this help\n";

enum fmt { FMT_TABLE, FMT_JSON, FMT_CSV };

struct out {
	struct ctx *c;
	enum fmt fmt;
	size_t n;
	struct table *t;
	bool colour;
	int32_t today;
};

/* One RFC 4180 field. A cell a spreadsheet would take for a formula (it starts with =, +, -, @, TAB
 * or CR: OWASP "CSV injection") is neutralised with a leading single quote and quoted, so
 * "=HYPERLINK(…)" in an action shows as text; the quote is visible in the cell, which is the point. */
static void csv_field(FILE *f, const char *s)
{
	if (!s)
		return;
	bool formula = s[0] && strchr("=+-@\t\r", s[0]);
	if (!formula && !strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	if (formula)
		fputc('\'', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static int emit(const struct item *it, void *ud)
{
	struct out *o = ud;
	FILE *f = o->c->out;
	char id[512], pri[8], late[32];
	snprintf(id, sizeof id, "%s#%s", it->incident, it->key);
	snprintf(pri, sizeof pri, it->priority >= 0 ? "P%d" : "-", it->priority);
	switch (o->fmt) {
	case FMT_JSON: {
		json_t *j = item_to_json(it);
		char *s = json_dumps(j, JSON_COMPACT);
		fputs(o->n ? ",\n  " : "[\n  ", f);
		fputs(s ? s : "null", f);
		free(s);
		json_decref(j);
		break;
	}
	case FMT_CSV: {
		char prio[12] = "";
		if (it->priority >= 0)
			snprintf(prio, sizeof prio, "%d", it->priority);
		const char *vals[] = {id,
				      it->incident,
				      it->key,
				      it->action,
				      it->owner,
				      it->owners_json,
				      it->due,
				      prio,
				      it->status,
				      it->overdue ? "true" : "false",
				      it->removed_at ? "true" : "false",
				      it->created_at,
				      it->updated_at};
		for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
			if (i)
				fputc(',', f);
			csv_field(f, vals[i]);
		}
		fputs("\r\n", f);
		break;
	}
	case FMT_TABLE: {
		const char *due = it->due ? it->due : "-";
		if (it->overdue)
			snprintf(late, sizeof late, "%dd late", it->days_late);
		else
			snprintf(late, sizeof late, "%s", "");
		const char *cells[] = {id,        pri, it->status, due, late, it->owner ? it->owner : "-",
				       it->action};
		enum cell_style st[] = {STYLE_PLAIN,
					it->priority == 0   ? STYLE_RED
					: it->priority == 1 ? STYLE_YELLOW
							    : STYLE_PLAIN,
					!strcmp(it->status, "done")      ? STYLE_GREEN
					: !strcmp(it->status, "blocked") ? STYLE_YELLOW
									 : STYLE_PLAIN,
					it->overdue ? STYLE_RED : STYLE_PLAIN,
					it->overdue ? STYLE_RED : STYLE_PLAIN,
					it->owner ? STYLE_PLAIN : STYLE_DIM,
					it->removed_at ? STYLE_DIM : STYLE_PLAIN};
		if (table_add(o->t, cells, st) < 0)
			return -1;
		break;
	}
	}
	o->n++;
	return 0;
}

/* "P0,P1" → bit mask; -1 on a bad word. */
static int parse_priorities(const char *s)
{
	int mask = 0;
	char *copy = strdup(s), *save = NULL;
	if (!copy)
		return -1;
	for (char *w = strtok_r(copy, ", ", &save); w; w = strtok_r(NULL, ", ", &save)) {
		if ((w[0] == 'P' || w[0] == 'p') && w[1] >= '0' && w[1] <= '3' && !w[2])
			mask |= 1 << (w[1] - '0');
		else if (w[0] >= '0' && w[0] <= '3' && !w[1])
			mask |= 1 << (w[0] - '0');
		else {
			free(copy);
			return -1;
		}
	}
	free(copy);
	return mask;
}

static int parse_statuses(const char *s)
{
	int mask = 0;
	char *copy = strdup(s), *save = NULL;
	if (!copy)
		return -1;
	for (char *w = strtok_r(copy, ", ", &save); w; w = strtok_r(NULL, ", ", &save)) {
		int st = status_from_name(w);
		if (st < 0) {
			free(copy);
			return -1;
		}
		mask |= 1 << st;
	}
	free(copy);
	return mask;
}

/* "7d", "2w", "7" → days; -1 if bad. */
static long parse_days(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (end == s || v < 0 || v > 36500)
		return -1;
	if (*end == '\0' || !strcmp(end, "d"))
		return v;
	if (!strcmp(end, "w"))
		return v * 7;
	return -1;
}

int cmd_list(struct ctx *c, int argc, char **argv)
{
	enum {
		O_ALL = 256,
		O_OVERDUE,
		O_OWNER,
		O_MINE,
		O_PRIORITY,
		O_STATUS,
		O_INCIDENT,
		O_DUE_BEFORE,
		O_DUE_WITHIN,
		O_UNASSIGNED,
		O_UNSCHEDULED,
		O_REMOVED,
		O_SORT,
		O_LIMIT,
		O_FORMAT,
		O_NOW
	};
	static const struct option opts[] = {{"all", no_argument, NULL, O_ALL},
					     {"overdue", no_argument, NULL, O_OVERDUE},
					     {"owner", required_argument, NULL, O_OWNER},
					     {"mine", no_argument, NULL, O_MINE},
					     {"priority", required_argument, NULL, O_PRIORITY},
					     {"status", required_argument, NULL, O_STATUS},
					     {"incident", required_argument, NULL, O_INCIDENT},
					     {"due-before", required_argument, NULL, O_DUE_BEFORE},
					     {"due-within", required_argument, NULL, O_DUE_WITHIN},
					     {"unassigned", no_argument, NULL, O_UNASSIGNED},
					     {"unscheduled", no_argument, NULL, O_UNSCHEDULED},
					     {"removed", no_argument, NULL, O_REMOVED},
					     {"sort", required_argument, NULL, O_SORT},
					     {"limit", required_argument, NULL, O_LIMIT},
					     {"format", required_argument, NULL, O_FORMAT},
					     {"now", required_argument, NULL, O_NOW},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct item_filter f = {0};
	struct out o = {.c = c, .fmt = FMT_TABLE};
	json_t *owners = json_array();
	char before[11], until[11];
	long within = -1;
	char *incident = NULL; /* --incident resolved to a whole id */
	int rc = EXIT_USAGE, opt, v;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case O_ALL:
			f.all = true;
			break;
		case O_OVERDUE:
			f.overdue = true;
			break;
		case O_OWNER:
			json_array_append_new(owners, json_string(optarg[0] == '@' ? optarg + 1 : optarg));
			break;
		case O_MINE: {
			const char *me = getenv("TRACKER_USER");
			if (!me || !*me)
				me = c->cfg.user_handle;
			if (!me || !*me) {
				cli_usage_error(
				    c, "list --mine: set $TRACKER_USER or [user] handle in the config");
				goto out;
			}
			json_array_append_new(owners, json_string(me));
			break;
		}
		case O_PRIORITY:
			if ((v = parse_priorities(optarg)) < 0) {
				cli_usage_error(c, "list --priority: \"%s\" is not a list like P0,P1",
						optarg);
				goto out;
			}
			f.priorities = (unsigned)v;
			break;
		case O_STATUS:
			if ((v = parse_statuses(optarg)) < 0) {
				cli_usage_error(
				    c, "list --status: \"%s\": use open, in_progress, blocked, done, wont_do",
				    optarg);
				goto out;
			}
			f.statuses = (unsigned)v;
			break;
		case O_INCIDENT:
			f.incident = optarg;
			break;
		case O_DUE_BEFORE: {
			int32_t d;
			if (date_parse(optarg, &d) < 0) {
				cli_usage_error(c, "list --due-before: \"%s\" is not a date (YYYY-MM-DD)",
						optarg);
				goto out;
			}
			date_format(d, before);
			f.due_before = before;
			break;
		}
		case O_DUE_WITHIN:
			if ((within = parse_days(optarg)) < 0) {
				cli_usage_error(c, "list --due-within: \"%s\" is not a span like 7d or 2w",
						optarg);
				goto out;
			}
			break;
		case O_UNASSIGNED:
			f.unassigned = true;
			break;
		case O_UNSCHEDULED:
			f.unscheduled = true;
			break;
		case O_REMOVED:
			f.removed = true;
			break;
		case O_SORT:
			if (!strcmp(optarg, "due"))
				f.sort = SORT_DUE;
			else if (!strcmp(optarg, "priority"))
				f.sort = SORT_PRIORITY;
			else if (!strcmp(optarg, "owner"))
				f.sort = SORT_OWNER;
			else if (!strcmp(optarg, "incident"))
				f.sort = SORT_INCIDENT;
			else if (!strcmp(optarg, "age"))
				f.sort = SORT_AGE;
			else {
				cli_usage_error(
				    c, "list --sort: \"%s\": use due, priority, owner, incident or age",
				    optarg);
				goto out;
			}
			break;
		case O_LIMIT: {
			char *end;
			f.limit = strtol(optarg, &end, 10);
			if (*end || f.limit <= 0) {
				cli_usage_error(c, "list --limit: \"%s\" is not a positive number", optarg);
				goto out;
			}
			break;
		}
		case O_FORMAT:
			if (!strcmp(optarg, "json"))
				o.fmt = FMT_JSON;
			else if (!strcmp(optarg, "csv"))
				o.fmt = FMT_CSV;
			else if (!strcmp(optarg, "table"))
				o.fmt = FMT_TABLE;
			else {
				cli_usage_error(c, "list --format: \"%s\": use table, json or csv", optarg);
				goto out;
			}
			break;
		case O_NOW:
			if (cli_parse_now(c, optarg) < 0)
				goto out;
			break;
		case 'h':
			fputs(usage, c->out);
			rc = EXIT_OK;
			goto out;
		default:
			fputs(usage, c->err);
			goto out;
		}
	}
	if (optind < argc) {
		cli_usage_error(c, "list: unexpected argument \"%s\"", argv[optind]);
		goto out;
	}
	struct error err;
	error_init(&err);
	if (cli_open_store(c, false, &err) < 0) {
		rc = cli_fail(c, &err);
		goto out;
	}
	/* Typos say so: an owner nobody is, an incident prefix that names none or several. */
	size_t oi;
	json_t *ov;
	json_array_foreach(owners, oi, ov)
	{
		const char *h = json_string_value(ov);
		int known = people_known(&c->st, h, &err);
		if (known < 0) {
			rc = cli_fail(c, &err);
			goto out;
		}
		if (!known)
			fprintf(c->err,
				"tracker: warning: list: owner %s is no person and owns no item (see "
				"tracker people list)\n",
				h);
	}
	if (f.incident) {
		int r = report_find_incident(&c->st, f.incident, &incident, &err);
		if (r < 0) {
			rc = cli_fail(c, &err);
			goto out;
		}
		if (r == 1) {
			error_prefix(&err, "list --incident");
			cli_warning(c, &err);
			error_init(&err);
		} else {
			f.incident = incident;
		}
	}
	o.today = time_to_date(c->now);
	if (within >= 0) {
		date_format(o.today + (int32_t)within, until);
		f.due_until = until;
	}
	char *owners_s = json_array_size(owners) ? json_dumps(owners, JSON_COMPACT) : NULL;
	f.owners_json = owners_s;
	if (o.fmt == FMT_TABLE) {
		static const char *const h[] = {"ID", "P", "STATUS", "DUE", "LATE", "OWNER", "ACTION"};
		o.t = table_new(7, h);
	} else if (o.fmt == FMT_CSV) {
		fputs("id,incident,key,action,owner,owners,due,priority,status,overdue,removed,created_at,"
		      "updated_at\r\n",
		      c->out);
	}
	if (items_query(&c->st, &f, o.today, emit, &o, &err) < 0) {
		free(owners_s);
		table_free(o.t);
		rc = cli_fail(c, &err);
		goto out;
	}
	free(owners_s);
	if (o.fmt == FMT_JSON)
		fputs(o.n ? "\n]\n" : "[]\n", c->out);
	if (o.fmt == FMT_TABLE) {
		if (o.n)
			table_print(o.t, c->out);
		else
			fputs("no items\n", c->out);
		table_free(o.t);
	}
	rc = EXIT_OK;
out:
	free(incident);
	json_decref(owners);
	return rc;
}
