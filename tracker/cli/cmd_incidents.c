/*
 * cmd_incidents.c — `tracker incidents`: every imported incident with its item count.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "incidents.h"
#include "table.h"
#include "banned.h"

static const char usage[] = "usage: tracker incidents [--format table|json]\n"
			    "\n"
			    "Lists the imported incidents.\n"
			    "\n"
			    "      --format F  table (default) or json\n"
			    "  -h, --help      show this help\n";

struct rows {
	json_t *json;
	struct table *t;
};

static int add_row(const struct incident_row *n, void *ud)
{
	struct rows *r = ud;
	if (r->json)
		return json_array_append_new(r->json, incident_to_json(n, true)) < 0;
	char sev[8] = "-", items[16], open[16];
	if (n->severity >= 0)
		snprintf(sev, sizeof sev, "SEV%d", n->severity % 10);
	snprintf(items, sizeof items, "%d", n->items);
	snprintf(open, sizeof open, "%d", n->open_items);
	const char *cells[] = {n->id, n->date ? n->date : "-", sev, items, open, n->title};
	return table_add(r->t, cells, NULL) < 0;
}

int cmd_incidents(struct ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	bool json = false;
	int o;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'f':
			if (cli_parse_format(c, "incidents --format:", optarg, "table", &json) < 0)
				return EXIT_USAGE;
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
		return cli_usage_error(c, "incidents: unexpected argument \"%s\"", argv[optind]);
	struct error err;
	error_init(&err);
	if (cli_open_store(c, false, &err) < 0)
		return cli_fail(c, &err);
	static const char *const h[] = {"ID", "DATE", "SEV", "ITEMS", "OPEN", "TITLE"};
	struct rows r = {.json = json ? json_array() : NULL, .t = json ? NULL : table_new(6, h)};
	json_t *arr = r.json;
	struct table *t = r.t;
	if (incidents_list(&c->st, 0, add_row, &r, &err) < 0) {
		json_decref(arr);
		table_free(t);
		return cli_fail(c, &err);
	}
	if (json) {
		json_dumpf(arr, c->out, JSON_INDENT(2));
		fputc('\n', c->out);
	} else {
		table_print(t, c->out);
	}
	table_free(t);
	json_decref(arr);
	return EXIT_OK;
}
