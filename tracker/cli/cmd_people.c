/*
 * cmd_people.c — `tracker people add|list|show|remove|import|unmapped`: who the owners are.
 *
 * One command-table entry; cmd_people() dispatches the sub-verb, and each sub-verb parses its own
 * options (and answers -h) and opens the database itself, writable only for add, remove and import
 * (the table entry has no NEED_DB flag for that reason). Writers run in one BEGIN IMMEDIATE transaction;
 * `people import` is the whole file or nothing.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "commands.h"
#include "people.h"
#include "readfile.h"
#include "table.h"
#include "banned.h"

static const char usage[] =
    "usage: tracker people add HANDLE --email ADDR [--name NAME] [--tz ZONE] [--manager HANDLE]\n"
    "                          [--slack ID] [--allow-unknown-manager]\n"
    "       tracker people list [--format table|json]\n"
    "       tracker people show HANDLE [--format text|json]\n"
    "       tracker people remove HANDLE\n"
    "       tracker people import FILE.csv [--allow-unknown-manager]\n"
    "       tracker people unmapped [--format table|json]\n"
    "\n"
    "Keeps who the owners are: e-mail, time zone, manager and Slack id, for reminders.\n"
    "  add       add a person, or update the fields given\n"
    "  list      everyone\n"
    "  show      one person\n"
    "  remove    forget a person (their items keep their owner)\n"
    "  import    add or update people from CSV; the header row names any of the columns\n"
    "            handle, name, email, tz, manager, slack; the whole file or nothing\n"
    "  unmapped  owners of open items with no entry or no e-mail, unusable addresses, unknown\n"
    "            managers (reminders or escalations would miss them)\n"
    "Run 'tracker people VERB -h' for a verb's options.\n";

static const char add_usage[] =
    "usage: tracker people add HANDLE --email ADDR [--name NAME] [--tz ZONE] [--manager HANDLE]\n"
    "                          [--slack ID] [--allow-unknown-manager]\n"
    "\n"
    "Adds a person, or updates the fields given of an existing one. The address must be one the\n"
    "mailer can deliver to (plain ASCII local@domain); the manager must be in tracker people.\n"
    "\n"
    "      --email ADDR             e-mail address for reminders (required for a new person)\n"
    "      --name NAME              display name\n"
    "      --tz ZONE                time zone, an IANA name like Europe/Berlin\n"
    "      --manager HANDLE         who to escalate to (someone already in tracker people)\n"
    "      --slack ID               Slack member id\n"
    "      --allow-unknown-manager  accept a manager who is not in tracker people (yet)\n"
    "  -h, --help                   show this help\n";

static const char list_usage[] = "usage: tracker people list [--format table|json]\n"
				 "\n"
				 "Lists everyone known, by handle.\n"
				 "\n"
				 "      --format F  table (default) or json\n"
				 "  -h, --help      show this help\n";

static const char show_usage[] = "usage: tracker people show HANDLE [--format text|json]\n"
				 "\n"
				 "Shows one person.\n"
				 "\n"
				 "      --format F  text (default) or json\n"
				 "  -h, --help      show this help\n";

static const char remove_usage[] = "usage: tracker people remove HANDLE\n"
				   "\n"
				   "Forgets a person; items they own keep their owner.\n"
				   "\n"
				   "  -h, --help  show this help\n";

static const char import_usage[] =
    "usage: tracker people import FILE.csv [--allow-unknown-manager]\n"
    "\n"
    "Adds or updates people from a CSV file (RFC 4180). The header row names any of the columns\n"
    "handle, name, email, tz, manager, slack, in any order (handle is required); columns not in the\n"
    "file keep their stored values, an empty cell clears one. Re-importing updates, never duplicates.\n"
    "A manager must be in tracker people or in the file (anywhere in it). Every bad row is reported\n"
    "as FILE:LINE; any bad row imports nothing.\n"
    "\n"
    "      --allow-unknown-manager  accept managers who are not in tracker people (yet)\n"
    "  -h, --help                   show this help\n";

static const char unmapped_usage[] =
    "usage: tracker people unmapped [--format table|json]\n"
    "\n"
    "Lists owners of open items who have no people entry or no e-mail, and people whose stored\n"
    "address the mailer cannot deliver to or whose manager is not in tracker people: reminders or\n"
    "escalations would miss them.\n"
    "\n"
    "      --format F  table (default) or json\n"
    "  -h, --help      show this help\n";

/* Parses the options common to the read verbs: --format and -h. Returns 1 to go on, or an exit code
 * through *rc and 0 to stop. */
static int parse_format(struct ctx *c, int argc, char **argv, const char *u, const char *alt, bool *json,
			int *rc)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	char what[64];
	snprintf(what, sizeof what, "people %s --format:", argv[0]);
	int o;
	*json = false;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'f':
			if (cli_parse_format(c, what, optarg, alt, json) < 0) {
				*rc = EXIT_USAGE;
				return 0;
			}
			break;
		case 'h':
			fputs(u, c->out);
			*rc = EXIT_OK;
			return 0;
		default:
			fputs(u, c->err);
			*rc = EXIT_USAGE;
			return 0;
		}
	}
	return 1;
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *person_json(const struct person *p)
{
	json_t *o = json_object();
	json_object_set_new(o, "handle", jstr(p->handle));
	json_object_set_new(o, "name", jstr(p->name));
	json_object_set_new(o, "email", jstr(p->email));
	json_object_set_new(o, "tz", jstr(p->tz));
	json_object_set_new(o, "manager", jstr(p->manager));
	json_object_set_new(o, "slack", jstr(p->slack));
	json_object_set_new(o, "created_at", jstr(p->created_at));
	json_object_set_new(o, "updated_at", jstr(p->updated_at));
	return o;
}

struct lister {
	bool json;
	size_t n;
	json_t *arr;
	struct table *t;
	FILE *out;
};

static const char *dash(const char *s)
{
	return s && *s ? s : "-";
}

static int list_one(const struct person *p, void *ud)
{
	struct lister *l = ud;
	l->n++;
	if (l->json)
		return json_array_append_new(l->arr, person_json(p));
	const char *cells[] = {p->handle,   dash(p->name),    dash(p->email),
			       dash(p->tz), dash(p->manager), dash(p->slack)};
	return table_add(l->t, cells, NULL);
}

static int show_one(const struct person *p, void *ud)
{
	struct lister *l = ud;
	if (l->json) {
		json_t *o = person_json(p);
		json_dumpf(o, l->out, JSON_INDENT(2));
		fputc('\n', l->out);
		json_decref(o);
		return 0;
	}
	fprintf(l->out,
		"%s\n  name:     %s\n  email:    %s\n  tz:       %s\n  manager:  %s\n  slack:    %s\n",
		p->handle, dash(p->name), dash(p->email), dash(p->tz), dash(p->manager), dash(p->slack));
	fprintf(l->out, "  created:  %s\n  updated:  %s\n", p->created_at, p->updated_at);
	return 0;
}

static int unmapped_one(const char *handle, const char *reason, int n, void *ud)
{
	struct lister *l = ud;
	char num[16];
	l->n++;
	snprintf(num, sizeof num, "%d", n);
	if (l->json) {
		json_t *o = json_object();
		json_object_set_new(o, "handle", json_string(handle));
		json_object_set_new(o, "reason", json_string(reason));
		json_object_set_new(o, "open_items", json_integer(n));
		return json_array_append_new(l->arr, o);
	}
	const char *cells[] = {handle, reason, num};
	return table_add(l->t, cells, NULL);
}

static int finish_list(struct ctx *c, struct lister *l, const char *empty)
{
	if (l->json) {
		json_dumpf(l->arr, c->out, JSON_INDENT(2));
		fputc('\n', c->out);
	} else if (l->n) {
		table_print(l->t, c->out);
	} else {
		fprintf(c->out, "%s\n", empty);
	}
	return EXIT_OK;
}

static int people_read(struct ctx *c, int argc, char **argv, int verb)
{
	static const char *const usages[] = {list_usage, show_usage, unmapped_usage};
	struct lister l = {.out = c->out};
	struct error err;
	int rc = EXIT_USAGE;
	error_init(&err);
	if (!parse_format(c, argc, argv, usages[verb], verb == 1 ? "text" : "table", &l.json, &rc))
		return rc;
	if (optind + (verb == 1) != argc)
		return cli_usage_error(
		    c, verb == 1 ? "people show: name one handle" : "people %s: no arguments", argv[0]);
	if (cli_open_store(c, false, &err) < 0)
		return cli_fail(c, &err);
	if (verb == 1) {
		int r = people_get(&c->st, argv[optind], show_one, &l, &err);
		if (r < 0)
			return cli_fail(c, &err);
		if (r == 1) {
			error_set(&err, ERR_DATA, "no person \"%s\" (see tracker people list)", argv[optind]);
			return cli_fail(c, &err);
		}
		return EXIT_OK;
	}
	l.arr = json_array();
	if (verb == 0) {
		static const char *const h[] = {"HANDLE", "NAME", "EMAIL", "TZ", "MANAGER", "SLACK"};
		l.t = table_new(6, h);
		rc = people_list(&c->st, list_one, &l, &err) < 0 ? cli_fail(c, &err)
								 : finish_list(c, &l, "no people");
	} else {
		static const char *const h[] = {"HANDLE", "PROBLEM", "OPEN ITEMS"};
		l.t = table_new(3, h);
		rc = people_unmapped(&c->st, unmapped_one, &l, &err) < 0
			 ? cli_fail(c, &err)
			 : finish_list(c, &l,
				       "every owner of an open item has a usable e-mail, and every manager "
				       "is known");
	}
	table_free(l.t);
	json_decref(l.arr);
	return rc;
}

static int found(const struct person *p, void *ud)
{
	(void)p;
	(void)ud;
	return 0;
}

static int people_add(struct ctx *c, int argc, char **argv)
{
	enum { O_EMAIL = 256, O_NAME, O_TZ, O_MANAGER, O_SLACK, O_ALLOW };
	static const struct option opts[] = {{"email", required_argument, NULL, O_EMAIL},
					     {"name", required_argument, NULL, O_NAME},
					     {"tz", required_argument, NULL, O_TZ},
					     {"manager", required_argument, NULL, O_MANAGER},
					     {"slack", required_argument, NULL, O_SLACK},
					     {"allow-unknown-manager", no_argument, NULL, O_ALLOW},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct person p = {0};
	unsigned set = 0;
	bool allow_unknown = false;
	struct error err;
	int o;
	error_init(&err);
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case O_EMAIL:
			p.email = optarg;
			set |= PERSON_EMAIL;
			break;
		case O_NAME:
			p.name = optarg;
			set |= PERSON_NAME;
			break;
		case O_TZ:
			p.tz = optarg;
			set |= PERSON_TZ;
			break;
		case O_MANAGER:
			p.manager = optarg;
			set |= PERSON_MANAGER;
			break;
		case O_SLACK:
			p.slack = optarg;
			set |= PERSON_SLACK;
			break;
		case O_ALLOW:
			allow_unknown = true;
			break;
		case 'h':
			fputs(add_usage, c->out);
			return EXIT_OK;
		default:
			fputs(add_usage, c->err);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(c, "people add: name one handle, e.g. tracker people add alice "
					  "--email alice@example.com");
	p.handle = people_handle(argv[optind]);
	if (people_check(&p, set, &err) < 0)
		return cli_fail(c, &err);
	if (cli_open_store(c, true, &err) < 0 || store_begin(&c->st, &err) < 0)
		return cli_fail(c, &err);
	if (!(set & PERSON_EMAIL)) {
		int r = people_get(&c->st, p.handle, found, NULL, &err);
		if (r != 0) {
			store_rollback(&c->st);
			if (r > 0)
				error_set(&err, ERR_USAGE,
					  "people add: %s is new: give an address with --email (reminders "
					  "need one)",
					  p.handle);
			return cli_fail(c, &err);
		}
	}
	if ((set & PERSON_MANAGER) && p.manager && *p.manager && !allow_unknown &&
	    people_check_manager(&c->st, p.handle, p.manager, &err) < 0) {
		store_rollback(&c->st);
		return cli_fail(c, &err);
	}
	if (people_upsert(&c->st, &p, set, c->now, &err) < 0 || store_commit(&c->st, &err) < 0) {
		store_rollback(&c->st);
		return cli_fail(c, &err);
	}
	fprintf(c->out, "saved %s\n", p.handle);
	return EXIT_OK;
}

static int people_rm(struct ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	struct error err;
	int o;
	error_init(&err);
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (o == 'h') {
			fputs(remove_usage, c->out);
			return EXIT_OK;
		}
		fputs(remove_usage, c->err);
		return EXIT_USAGE;
	}
	if (optind + 1 != argc)
		return cli_usage_error(c, "people remove: name one handle");
	if (cli_open_store(c, true, &err) < 0 || store_begin(&c->st, &err) < 0)
		return cli_fail(c, &err);
	if (people_remove(&c->st, argv[optind], &err) < 0 || store_commit(&c->st, &err) < 0) {
		store_rollback(&c->st);
		return cli_fail(c, &err);
	}
	fprintf(c->out, "removed %s\n", people_handle(argv[optind]));
	return EXIT_OK;
}

static void import_problem(const char *msg, void *ud)
{
	struct ctx *c = ud;
	fprintf(c->err, "tracker: %s\n", msg);
}

static int people_imp(struct ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {{"allow-unknown-manager", no_argument, NULL, 'A'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct error err;
	struct buf b;
	struct people_import_summary sum;
	struct people_import_opts io = {.problem = import_problem, .ud = c};
	int o, rc;
	error_init(&err);
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (o == 'A') {
			io.allow_unknown_manager = true;
			continue;
		}
		if (o == 'h') {
			fputs(import_usage, c->out);
			return EXIT_OK;
		}
		fputs(import_usage, c->err);
		return EXIT_USAGE;
	}
	if (optind + 1 != argc)
		return cli_usage_error(c, "people import: name one CSV file");
	const char *path = argv[optind];
	buf_init(&b, (size_t)16 << 20);
	if (read_file_capped(path, b.max, &b, NULL, &err) < 0 || cli_open_store(c, true, &err) < 0 ||
	    store_begin(&c->st, &err) < 0) {
		buf_release(&b);
		return cli_fail(c, &err);
	}
	if (people_import_csv(&c->st, path, b.data ? b.data : "", b.len, c->now, &io, &sum, &err) < 0 ||
	    store_commit(&c->st, &err) < 0) {
		store_rollback(&c->st);
		rc = cli_fail(c, &err);
		fprintf(c->err, "tracker: people import: nothing was imported\n");
	} else {
		fprintf(c->out, "%s: %u added, %u updated, %u unchanged\n", path, sum.added, sum.updated,
			sum.unchanged);
		rc = EXIT_OK;
	}
	buf_release(&b);
	return rc;
}

static int people_list_v(struct ctx *c, int argc, char **argv)
{
	return people_read(c, argc, argv, 0);
}
static int people_show_v(struct ctx *c, int argc, char **argv)
{
	return people_read(c, argc, argv, 1);
}
static int people_unmapped_v(struct ctx *c, int argc, char **argv)
{
	return people_read(c, argc, argv, 2);
}

int cmd_people(struct ctx *c, int argc, char **argv)
{
	/* Each verb opens the database itself: reads read-only, writes in one transaction. */
	static const struct subcommand verbs[] = {
	    {"add", people_add, NEED_CREATE},
	    {"list", people_list_v, 0},
	    {"show", people_show_v, 0},
	    {"remove", people_rm, 0},
	    {"rm", people_rm, 0},
	    {"import", people_imp, NEED_CREATE},
	    {"unmapped", people_unmapped_v, 0},
	};
	int rc = cli_subcommand(c, "people", verbs, sizeof verbs / sizeof verbs[0], usage, argc, argv);
	icaltimezone_free_builtin_timezones();
	return rc;
}
