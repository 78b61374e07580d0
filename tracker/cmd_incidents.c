/*
 * cmd_incidents.c — `tracker incidents`: every imported incident with its item count.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "table.h"
#include "banned.h"

static const char usage[] = "usage: tracker incidents [--format table|json]\n"
			    "\n"
			    "Lists the imported incidents.\n"
			    "\n"
			    "      --format F  table (default) or json\n"
			    "  -h, --help      show this help\n";

int cmd_incidents(struct ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	bool json = false;
	int o;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'f':
			if (!strcmp(optarg, "json"))
				json = true;
			else if (strcmp(optarg, "table"))
				return cli_usage_error(c, "incidents --format: \"%s\": use table or json",
						       optarg);
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
	sqlite3_stmt *s;
	if (cli_open_store(c, false, &err) < 0 ||
	    store_prepare(
		&c->st, &s,
		"SELECT n.id, n.title, n.date, n.severity, n.reporter, n.approved_by, n.review_date, "
		"n.duration, n.source, (SELECT count(*) FROM items i WHERE i.incident_id = n.id AND "
		"i.removed_at IS NULL), (SELECT count(*) FROM items i WHERE i.incident_id = n.id AND "
		"i.removed_at IS NULL AND i.status NOT IN ('done','wont_do')), n.status "
		"FROM incidents n WHERE n.rekeyed_to IS NULL ORDER BY n.date DESC, n.id",
		&err) < 0)
		return cli_fail(c, &err);
	static const char *const names[] = {"id",          "title",       "date",     "severity", "reporter",
					    "approved_by", "review_date", "duration", "source"};
	json_t *arr = json_array();
	static const char *const h[] = {"ID", "DATE", "SEV", "ITEMS", "OPEN", "TITLE"};
	struct table *t = json ? NULL : table_new(6, h);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (json) {
			json_t *obj = json_object();
			for (int i = 0; i < 9; i++) {
				json_t *v;
				if (sqlite3_column_type(s, i) == SQLITE_NULL)
					v = json_null();
				else if (i == 3)
					v = json_integer(sqlite3_column_int(s, i));
				else
					v = json_string((const char *)sqlite3_column_text(s, i));
				json_object_set_new(obj, names[i], v);
			}
			json_object_set_new(obj, "items", json_integer(sqlite3_column_int(s, 9)));
			json_object_set_new(obj, "open_items", json_integer(sqlite3_column_int(s, 10)));
			/* the document's own status line, when it has one (issue 9) */
			if (sqlite3_column_type(s, 11) != SQLITE_NULL)
				json_object_set_new(obj, "status",
						    json_string((const char *)sqlite3_column_text(s, 11)));
			json_array_append_new(arr, obj);
		} else {
			char sev[8] = "-", items[16], open[16];
			if (sqlite3_column_type(s, 3) != SQLITE_NULL)
				snprintf(sev, sizeof sev, "SEV%d", sqlite3_column_int(s, 3) % 10);
			snprintf(items, sizeof items, "%d", sqlite3_column_int(s, 9));
			snprintf(open, sizeof open, "%d", sqlite3_column_int(s, 10));
			const char *date = (const char *)sqlite3_column_text(s, 2);
			const char *cells[] = {
			    (const char *)sqlite3_column_text(s, 0), date ? date : "-", sev, items, open,
			    (const char *)sqlite3_column_text(s, 1)};
			table_add(t, cells, NULL);
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		table_free(t);
		return cli_fail(c, (store_error(&c->st, &err, "reading incidents"), &err));
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
