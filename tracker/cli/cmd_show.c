/*
 * cmd_show.c — `tracker show ITEM`: one item and its whole history.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "items.h"
#include "tdate.h"
#include "banned.h"

/* Details and links of a list item one per line; other columns as the JSON object they are. */
static void show_extra(FILE *f, const char *extra)
{
	json_t *o = json_loads(extra, 0, NULL);
	if (!json_is_object(o)) {
		fprintf(f, "  extra:    %s\n", extra);
		json_decref(o);
		return;
	}
	static const char *const lists[][2] = {{"details", "detail:  "}, {"links", "link:    "}};
	for (size_t k = 0; k < 2; k++) {
		json_t *a = json_object_get(o, lists[k][0]);
		size_t i;
		json_t *v;
		if (!json_is_array(a))
			continue;
		json_array_foreach(a, i, v) if (json_is_string(v))
		    fprintf(f, "  %s %s\n", lists[k][1], json_string_value(v));
		json_object_del(o, lists[k][0]);
	}
	json_t *reason = json_object_get(o, "reason");
	if (json_is_string(reason)) {
		fprintf(f, "  reason:   %s\n", json_string_value(reason));
		json_object_del(o, "reason");
	}
	if (json_object_size(o)) {
		char *s = json_dumps(o, JSON_COMPACT);
		if (s)
			fprintf(f, "  extra:    %s\n", s);
		free(s);
	}
	json_decref(o);
}

static const char usage[] =
    "usage: tracker show ITEM [--format text|json] [--now T]\n"
    "\n"
    "Shows one action item and its history. ITEM is INC-…#KEY; a unique prefix of the\n"
    "incident id is enough (INC-2026-03-14#3).\n"
    "\n"
    "      --format F  text (default) or json\n"
    "      --now T     the date to measure overdue against (ISO 8601)\n"
    "  -h, --help      show this help\n";

struct show {
	struct ctx *c;
	bool json;
	json_t *j;
};

static int show_item(const struct item *it, void *ud)
{
	struct show *s = ud;
	if (s->json) {
		s->j = item_to_json(it);
		return 0;
	}
	FILE *f = s->c->out;
	fprintf(f, "%s#%s\n", it->incident, it->key);
	fprintf(f, "  action:   %s\n", it->action);
	fprintf(f, "  owner:    %s\n", it->owner ? it->owner : "(none)");
	if (it->owners_json && strchr(it->owners_json, ','))
		fprintf(f, "  owners:   %s\n", it->owners_json);
	fprintf(f, "  due:      %s", it->due ? it->due : "(none)");
	if (it->overdue)
		fprintf(f, " (%d day%s late)", it->days_late, it->days_late == 1 ? "" : "s");
	fputc('\n', f);
	if (it->priority >= 0)
		fprintf(f, "  priority: P%d\n", it->priority);
	else
		fputs("  priority: (none)\n", f);
	fprintf(f, "  status:   %s", it->status);
	if (it->status_raw)
		fprintf(f, " (document says \"%s\")", it->status_raw);
	fputc('\n', f);
	if (it->snoozed_until)
		fprintf(f, "  snoozed:  until %s\n", it->snoozed_until);
	if (it->removed_at)
		fprintf(f, "  removed:  %s (no longer in the document)\n", it->removed_at);
	if (it->extra && strcmp(it->extra, "{}"))
		show_extra(f, it->extra);
	fprintf(f, "  created:  %s\n  updated:  %s\n", it->created_at, it->updated_at);
	return 0;
}

int cmd_show(struct ctx *c, int argc, char **argv)
{
	struct show s = {.c = c};
	int rc;
	if (!cli_parse_show_options(c, "show", usage, argc, argv, &s.json, &rc))
		return rc;
	if (optind + 1 != argc)
		return cli_usage_error(c,
				       "show: name exactly one item, e.g. tracker show INC-2026-03-14-042#3");
	struct error err;
	error_init(&err);
	int64_t id;
	if (cli_open_store(c, false, &err) < 0 || items_resolve(&c->st, argv[optind], &id, &err) < 0 ||
	    items_get(&c->st, id, time_to_date(c->now), show_item, &s, &err) < 0)
		return cli_fail(c, &err);
	json_t *hist = items_history_json(&c->st, id, &err);
	if (!hist) {
		json_decref(s.j);
		return cli_fail(c, &err);
	}
	if (s.json) {
		json_object_set_new(s.j, "history", hist);
		json_dumpf(s.j, c->out, JSON_INDENT(2));
		fputc('\n', c->out);
		json_decref(s.j);
		return EXIT_OK;
	}
	fputs("history:\n", c->out);
	size_t i;
	json_t *e;
	json_array_foreach(hist, i, e)
	{
		const char *kind = json_string_value(json_object_get(e, "kind"));
		const char *field = json_string_value(json_object_get(e, "field"));
		const char *old = json_string_value(json_object_get(e, "old"));
		const char *nw = json_string_value(json_object_get(e, "new"));
		const char *note = json_string_value(json_object_get(e, "note"));
		fprintf(c->out, "  %s  %-9s %-10s %s", json_string_value(json_object_get(e, "at")),
			json_string_value(json_object_get(e, "source")), kind,
			json_string_value(json_object_get(e, "actor")));
		if (field)
			fprintf(c->out, "  %s: %s -> %s", field, old ? old : "(none)", nw ? nw : "(none)");
		else if (nw)
			fprintf(c->out, "  %s", nw);
		if (note)
			fprintf(c->out, "  (%s)", note);
		json_t *git = json_object_get(e, "git");
		if (git)
			fprintf(c->out, "  [commit %.12s: %s]",
				json_string_value(json_object_get(git, "commit")),
				json_string_value(json_object_get(git, "subject")));
		fputc('\n', c->out);
	}
	json_decref(hist);
	return EXIT_OK;
}
