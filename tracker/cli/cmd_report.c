/*
 * cmd_report.c — `tracker report INC`: an incident's action items and its Review follow-up checklist
 * (computed by report.c, the same function write-back uses to tick the lines).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "items.h"
#include "report.h"
#include "table.h"
#include "tdate.h"
#include "banned.h"

static const char usage[] =
    "usage: tracker report INC [--format text|json] [--now T]\n"
    "\n"
    "Prints an incident's action items and its Review follow-up checklist as the data says:\n"
    "  All P0 items completed   every P0 item is done or wont_do\n"
    "  All P1 items scheduled   every open P1 item has a due date\n"
    "with the items that block each line. INC is the incident id or a unique prefix of it.\n"
    "\n"
    "      --format F  text (default) or json\n"
    "      --now T     the date to measure overdue against (ISO 8601)\n"
    "  -h, --help      show this help\n";

struct rep {
	bool json;
	json_t *items;
	struct table *t;
	size_t n;
};

static int add_item(const struct item *it, void *ud)
{
	struct rep *r = ud;
	r->n++;
	if (r->json)
		return json_array_append_new(r->items, item_to_json(it));
	char pri[8], late[32] = "";
	snprintf(pri, sizeof pri, it->priority >= 0 ? "P%d" : "-", it->priority);
	if (it->overdue)
		snprintf(late, sizeof late, "%dd late", it->days_late);
	const char *cells[] = {it->key,
			       pri,
			       it->status,
			       it->due ? it->due : "-",
			       late,
			       it->owner ? it->owner : "-",
			       it->removed_at ? "(removed from the document)" : it->action};
	enum cell_style st[7] = {STYLE_PLAIN};
	st[1] = it->priority == 0 ? STYLE_RED : it->priority == 1 ? STYLE_YELLOW : STYLE_PLAIN;
	st[4] = it->overdue ? STYLE_RED : STYLE_PLAIN;
	return table_add(r->t, cells, st);
}

int cmd_report(struct ctx *c, int argc, char **argv)
{
	struct rep r = {0};
	int rc = EXIT_OK;
	if (!cli_parse_show_options(c, "report", usage, argc, argv, &r.json, &rc))
		return rc;
	if (optind + 1 != argc)
		return cli_usage_error(c,
				       "report: name one incident, e.g. tracker report INC-2026-03-14-042");
	struct error err;
	struct report rp;
	error_init(&err);
	if (cli_open_store(c, false, &err) < 0 || report_checklist(&c->st, argv[optind], &rp, &err) < 0)
		return cli_fail(c, &err);
	struct item_filter f = {.all = true, .incident = rp.incident, .sort = SORT_INCIDENT};
	static const char *const h[] = {"KEY", "P", "STATUS", "DUE", "LATE", "OWNER", "ACTION"};
	if (r.json)
		r.items = json_array();
	else
		r.t = table_new(7, h);
	if (items_query(&c->st, &f, time_to_date(c->now), add_item, &r, &err) < 0) {
		rc = cli_fail(c, &err);
		goto out;
	}
	if (r.json) {
		json_t *j = json_object(), *cl = json_array();
		json_object_set_new(j, "incident", json_string(rp.incident));
		json_object_set(j, "items", r.items);
		for (int i = 0; i < REPORT_LINES; i++) {
			json_t *l = json_object(), *b = json_array();
			json_object_set_new(l, "text", json_string(rp.lines[i].text));
			json_object_set_new(l, "ok", json_boolean(rp.lines[i].ok));
			for (size_t k = 0; k < rp.lines[i].nblocking; k++)
				json_array_append_new(b, json_string(rp.lines[i].blocking[k]));
			json_object_set_new(l, "blocking", b);
			json_array_append_new(cl, l);
		}
		json_object_set_new(j, "checklist", cl);
		json_dumpf(j, c->out, JSON_INDENT(2));
		fputc('\n', c->out);
		json_decref(j);
	} else {
		fprintf(c->out, "%s: %zu action item%s\n\n", rp.incident, r.n, r.n == 1 ? "" : "s");
		if (r.n) {
			table_print(r.t, c->out);
			fputc('\n', c->out);
		}
		fputs("Review follow-up:\n", c->out);
		for (int i = 0; i < REPORT_LINES; i++) {
			fprintf(c->out, "- [%c] %s", rp.lines[i].ok ? 'x' : ' ', rp.lines[i].text);
			for (size_t k = 0; k < rp.lines[i].nblocking; k++)
				fprintf(c->out, "%s#%s", k ? ", " : " (blocked by ", rp.lines[i].blocking[k]);
			fputs(rp.lines[i].nblocking ? ")\n" : "\n", c->out);
		}
	}
out:
	json_decref(r.items);
	table_free(r.t);
	report_release(&rp);
	return rc;
}
