/*
 * cmd_stats.c — `tracker stats`: the metrics of stats.h per group and in total, as a table or JSON.
 *
 * With no item to count it says so ("no action items", on stderr beside the JSON's zero counts).
 * --show-sql prints the statements with their parameters as a sqlite3 shell script (stats.h builds it),
 * so the benchmark (tests/bench/list_stats_bench.sh) can time exactly the same SQL in the shell.
 */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "stats.h"
#include "table.h"
#include "tdate.h"
#include "banned.h"

static const char usage[] =
    "usage: tracker stats [--since DATE] [--by owner|priority|incident|month] [--format table|json]\n"
    "                     [--now T] [--show-sql]\n"
    "\n"
    "Do we keep our post-mortem promises? Per group and in total: open, overdue, done and wont_do\n"
    "items; on-time completion rate; median and p90 days to close; due dates slipped; age in days of\n"
    "the oldest open P0/P1; open P0/P1 items with no owner and with no due date.\n"
    "Definitions: docs/metrics.md.\n"
    "\n"
    "      --since DATE  only items of incidents on or after DATE (YYYY-MM-DD)\n"
    "      --by KEY      group by priority (default), owner, incident or month\n"
    "      --format F    table (default) or json\n"
    "      --now T       the moment to measure against (ISO 8601)\n"
    "      --show-sql    print the SQL as sqlite3 shell commands and exit\n"
    "  -h, --help        show this help\n";

static json_t *num_or_null(double v)
{
	return isnan(v) ? json_null() : json_real(round(v * 100.0) / 100.0);
}

static json_t *row_json(const struct stats_row *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "group", json_string(r->group));
	json_object_set_new(o, "open", json_integer(r->open));
	json_object_set_new(o, "overdue", json_integer(r->overdue));
	json_object_set_new(o, "done", json_integer(r->done));
	json_object_set_new(o, "wont_do", json_integer(r->wont_do));
	json_object_set_new(o, "done_with_due", json_integer(r->done_with_due));
	json_object_set_new(o, "done_on_time", json_integer(r->done_on_time));
	json_object_set_new(o, "done_close_unknown", json_integer(r->done_close_unknown));
	double rate = stats_on_time_rate(r);
	json_object_set_new(o, "on_time_rate",
			    isnan(rate) ? json_null() : json_real(round(rate * 1e4) / 1e4));
	json_object_set_new(o, "closed_timed", json_integer(r->closed_timed));
	json_object_set_new(o, "median_days_to_close", num_or_null(r->median_days));
	json_object_set_new(o, "p90_days_to_close", num_or_null(r->p90_days));
	json_object_set_new(o, "slipped", json_integer(r->slipped));
	json_object_set_new(o, "oldest_open_p0p1_days",
			    r->oldest_open_p01_days >= 0 ? json_integer(r->oldest_open_p01_days)
							 : json_null());
	json_object_set_new(o, "unassigned_p0p1", json_integer(r->unassigned_p01));
	json_object_set_new(o, "unscheduled_p0p1", json_integer(r->unscheduled_p01));
	return o;
}

static int add_row(struct table *t, const struct stats_row *r)
{
	char v[11][32];
	double rate = stats_on_time_rate(r);
	snprintf(v[0], 32, "%ld", r->open);
	snprintf(v[1], 32, "%ld", r->overdue);
	snprintf(v[2], 32, "%ld", r->done);
	snprintf(v[3], 32, "%ld", r->wont_do);
	if (isnan(rate))
		snprintf(v[4], 32, "-");
	else
		snprintf(v[4], 32, "%.0f%%", rate * 100.0);
	if (isnan(r->median_days))
		snprintf(v[5], 32, "-");
	else
		snprintf(v[5], 32, "%.1fd", r->median_days);
	if (isnan(r->p90_days))
		snprintf(v[6], 32, "-");
	else
		snprintf(v[6], 32, "%.1fd", r->p90_days);
	snprintf(v[7], 32, "%ld", r->slipped);
	if (r->oldest_open_p01_days >= 0)
		snprintf(v[8], 32, "%ldd", r->oldest_open_p01_days);
	else
		snprintf(v[8], 32, "-");
	snprintf(v[9], 32, "%ld", r->unassigned_p01);
	snprintf(v[10], 32, "%ld", r->unscheduled_p01);
	const char *cells[] = {r->group, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10]};
	enum cell_style st[12] = {STYLE_BOLD};
	if (r->overdue)
		st[2] = STYLE_RED;
	return table_add(t, cells, st);
}

int cmd_stats(struct ctx *c, int argc, char **argv)
{
	enum { O_SINCE = 256, O_BY, O_FORMAT, O_NOW, O_SQL };
	static const struct option opts[] = {{"since", required_argument, NULL, O_SINCE},
					     {"by", required_argument, NULL, O_BY},
					     {"format", required_argument, NULL, O_FORMAT},
					     {"now", required_argument, NULL, O_NOW},
					     {"show-sql", no_argument, NULL, O_SQL},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	enum stats_by by = STATS_BY_PRIORITY;
	bool json = false, sql = false;
	char since_buf[11], *since = NULL;
	int o;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case O_SINCE: {
			int32_t d;
			if (date_parse(optarg, &d) < 0)
				return cli_usage_error(c, "stats --since: \"%s\" is not a date (YYYY-MM-DD)",
						       optarg);
			date_format(d, since_buf);
			since = since_buf;
			break;
		}
		case O_BY:
			if (stats_by_parse(optarg, &by) < 0 || by == STATS_BY_ALL)
				return cli_usage_error(
				    c, "stats --by: \"%s\": use owner, priority, incident or month", optarg);
			break;
		case O_FORMAT:
			if (!strcmp(optarg, "json"))
				json = true;
			else if (strcmp(optarg, "table"))
				return cli_usage_error(c, "stats --format: \"%s\": use table or json",
						       optarg);
			break;
		case O_NOW:
			if (cli_parse_now(c, optarg) < 0)
				return EXIT_USAGE;
			break;
		case O_SQL:
			sql = true;
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
		return cli_usage_error(c, "stats: unexpected argument \"%s\"", argv[optind]);
	if (sql) {
		char *script = stats_shell_script(by, since, c->now);
		if (!script) {
			struct error e;
			error_init(&e);
			error_set(&e, ERR_IO, "out of memory");
			return cli_fail(c, &e);
		}
		fputs(script, c->out);
		free(script);
		return EXIT_OK;
	}
	struct error err;
	struct stats groups;
	struct stats_row total;
	error_init(&err);
	if (cli_open_store(c, false, &err) < 0 || stats_compute(&c->st, by, since, c->now, &groups, &err) < 0)
		return cli_fail(c, &err);
	if (stats_total(&c->st, &groups, since, c->now, &total, &err) < 0) {
		stats_release(&groups);
		return cli_fail(c, &err);
	}
	const struct stats_row *tot = &total;
	if (!groups.n) {
		/* nothing counted: say so (the JSON still comes, with its zero counts, for scripts) */
		char none[64];
		snprintf(none, sizeof none, "no action items%s%s\n",
			 since ? " of incidents on or after " : "", since ? since : "");
		fputs(none, json ? c->err : c->out);
		if (!json) {
			stats_release(&groups);
			free(total.group);
			return EXIT_OK;
		}
	}
	if (json) {
		char now[21], today[11];
		time_format(c->now, now);
		date_format(time_to_date(c->now), today);
		json_t *j = json_object(), *a = json_array();
		json_object_set_new(j, "now", json_string(now));
		json_object_set_new(j, "today", json_string(today));
		json_object_set_new(j, "since", since ? json_string(since) : json_null());
		json_object_set_new(j, "by", json_string(stats_by_name(by)));
		for (size_t i = 0; i < groups.n; i++)
			json_array_append_new(a, row_json(&groups.rows[i]));
		json_object_set_new(j, "groups", a);
		json_object_set_new(j, "total", row_json(tot));
		json_dumpf(j, c->out, JSON_INDENT(2));
		fputc('\n', c->out);
		json_decref(j);
	} else {
		static const char *const h[] = {"GROUP",   "OPEN",         "OVERDUE",        "DONE",
						"WONT_DO", "ON-TIME",      "MEDIAN",         "P90",
						"SLIPPED", "OLDEST P0/P1", "NO OWNER P0/P1", "NO DUE P0/P1"};
		const char *first = by == STATS_BY_PRIORITY   ? "PRIORITY"
				    : by == STATS_BY_OWNER    ? "OWNER"
				    : by == STATS_BY_INCIDENT ? "INCIDENT"
							      : "MONTH";
		const char *hh[12];
		memcpy(hh, h, sizeof hh);
		hh[0] = first;
		struct table *t = table_new(12, hh);
		for (size_t i = 0; i < groups.n; i++)
			add_row(t, &groups.rows[i]);
		struct stats_row trow = *tot;
		trow.group = (char *)"total";
		add_row(t, &trow);
		table_print(t, c->out);
		table_free(t);
		if (tot->done_close_unknown > 0)
			fprintf(
			    c->out,
			    "%ld done item%s without a known close time (already done when first imported): "
			    "not in ON-TIME, MEDIAN, P90\n",
			    tot->done_close_unknown, tot->done_close_unknown == 1 ? "" : "s");
	}
	stats_release(&groups);
	free(total.group);
	return EXIT_OK;
}
