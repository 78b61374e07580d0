/*
 * cmd_outbox.c — `tracker outbox list|show|retry|purge`: the operator's view of the durable outbox
 * (scheduler/outbox.h, docs/outbox.md).
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "commands.h"
#include "notify.h"
#include "outbox.h"
#include "tdate.h"
#include "banned.h"

static const char usage[] =
    "usage: tracker outbox list [--state pending|sending|sent|dead] [--format table|json]\n"
    "       tracker outbox show ID\n"
    "       tracker outbox retry ID | --dead\n"
    "       tracker outbox purge --sent-before DATE\n"
    "\n"
    "The durable queue of reminder notifications (see docs/outbox.md).\n"
    "\n"
    "  list   notifications, oldest first, with state, attempts, next attempt and last error\n"
    "  show   one notification: its ids, history of attempts and the digest it carries (JSON)\n"
    "  retry  make a dead (or waiting) notification due now, with its attempts reset;\n"
    "         --dead retries every dead one. The next `tracker remind` or `tracker serve` sends it.\n"
    "  purge  delete sent notifications sent before DATE (YYYY-MM-DD or an ISO 8601 time);\n"
    "         the record of what was reminded stays\n"
    "\n"
    "      --state STATE   only notifications in STATE\n"
    "      --format FMT    table (default) or json\n"
    "      --now T         the time retry makes the row due (default: now)\n"
    "  -h, --help          show this help\n";

static json_t *time_json(int64_t t)
{
	if (!t)
		return json_null();
	char b[21];
	time_format(t, b);
	return json_string(b);
}

static json_t *str_json(const char *s)
{
	return s ? json_string(s) : json_null();
}

static size_t payload_items(const char *payload)
{
	json_t *j = json_loads(payload, 0, NULL);
	size_t n = json_array_size(json_object_get(j, "items"));
	json_decref(j);
	return n;
}

static void ids(const struct ctx *c, const struct outbox_row *r, char msgid[static 300],
		char hookid[static 37])
{
	webhook_msg_id(r->idempotency_key, hookid);
	char hex[33];
	notify_sha256_hex(r->idempotency_key, strlen(r->idempotency_key), hex, 32);
	const char *dom = NULL;
	struct buf name, addr;
	buf_init(&name, 1024);
	buf_init(&addr, 1024);
	struct error e;
	error_init(&e);
	if (c->cfg.smtp_from && email_split_from(c->cfg.smtp_from, &name, &addr, &e) == 0)
		dom = strchr(buf_cstr(&addr), '@');
	snprintf(msgid, 300, "<%s@%s>", hex, dom ? dom + 1 : "DOMAIN-OF-FROM");
	buf_release(&name);
	buf_release(&addr);
}

static json_t *row_json(const struct ctx *c, const struct outbox_row *r, bool full)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(r->id));
	json_object_set_new(o, "channel", str_json(r->channel));
	json_object_set_new(o, "recipient", str_json(r->recipient));
	json_object_set_new(o, "kind", str_json(r->kind));
	json_object_set_new(o, "state", json_string(outbox_state_name(r->state)));
	json_object_set_new(o, "attempts", json_integer(r->attempts));
	json_object_set_new(o, "items", json_integer((json_int_t)payload_items(r->payload)));
	json_object_set_new(o, "next_attempt_at",
			    r->state == OUTBOX_PENDING ? time_json(r->next_attempt_at) : json_null());
	json_object_set_new(o, "lease_owner", str_json(r->lease_owner));
	json_object_set_new(o, "lease_until", time_json(r->lease_until));
	json_object_set_new(o, "last_error", str_json(r->last_error));
	json_object_set_new(o, "last_code", r->last_code ? json_integer(r->last_code) : json_null());
	json_object_set_new(o, "created_at", time_json(r->created_at));
	json_object_set_new(o, "updated_at", time_json(r->updated_at));
	json_object_set_new(o, "sent_at", time_json(r->sent_at));
	json_object_set_new(o, "idempotency_key", str_json(r->idempotency_key));
	if (full) {
		char msgid[300], hookid[37];
		ids(c, r, msgid, hookid);
		if (!strcmp(r->channel, "email"))
			json_object_set_new(o, "message_id", json_string(msgid));
		else
			json_object_set_new(o, "webhook_id", json_string(hookid));
		json_t *p = json_loads(r->payload, 0, NULL);
		json_object_set_new(o, "payload", p ? p : json_string(r->payload));
	}
	return o;
}

static int list(struct ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {{"state", required_argument, NULL, 's'},
					     {"format", required_argument, NULL, 'f'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int state = -1, o;
	bool json = false;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			state = outbox_state_from_name(optarg);
			if (state < 0)
				return cli_usage_error(c,
						       "outbox list: --state \"%s\": use pending, sending, "
						       "sent or dead",
						       optarg);
			break;
		case 'f':
			if (cli_parse_format(c, "outbox list: --format", optarg, "table", &json) < 0)
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
		return cli_usage_error(c, "outbox list: unexpected argument \"%s\"", argv[optind]);
	struct error err;
	error_init(&err);
	struct outbox_rows rows;
	if (outbox_list(&c->st, state, &rows, &err) < 0)
		return cli_fail(c, &err);
	if (json) {
		json_t *a = json_array();
		for (size_t i = 0; i < rows.n; i++)
			json_array_append_new(a, row_json(c, &rows.v[i], false));
		json_dumpf(a, c->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', c->out);
		json_decref(a);
	} else {
		/* HOLDER: the instance holding a sending row's lease ([server] instance), "-" otherwise */
		fprintf(c->out, "%-6s %-8s %-3s %-20s %-24s %-30s %-10s %-6s %-24s %s\n", "ID", "STATE",
			"TRY", "NEXT/SENT", "CHANNEL", "RECIPIENT", "KIND", "ITEMS", "HOLDER", "LAST ERROR");
		for (size_t i = 0; i < rows.n; i++) {
			const struct outbox_row *r = &rows.v[i];
			char when[21] = "-";
			if (r->state == OUTBOX_SENT)
				time_format(r->sent_at, when);
			else if (r->state == OUTBOX_PENDING)
				time_format(r->next_attempt_at, when);
			else if (r->state == OUTBOX_SENDING)
				time_format(r->lease_until, when);
			const char *holder =
			    r->state == OUTBOX_SENDING && r->lease_owner ? r->lease_owner : "-";
			fprintf(c->out, "%-6lld %-8s %-3ld %-20s %-24s %-30s %-10s %-6zu %-24s %s\n",
				(long long)r->id, outbox_state_name(r->state), r->attempts, when, r->channel,
				r->recipient, r->kind, payload_items(r->payload), holder,
				r->last_error ? r->last_error : "");
		}
	}
	outbox_rows_release(&rows);
	return EXIT_OK;
}

static int parse_id(struct ctx *c, const char *s, int64_t *id)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v <= 0) {
		cli_usage_error(c, "outbox: \"%s\" is not a notification id (see tracker outbox list)", s);
		return -1;
	}
	*id = v;
	return 0;
}

static int show(struct ctx *c, int argc, char **argv)
{
	if (argc != 2)
		return cli_usage_error(c, "outbox show: give one notification id");
	int64_t id;
	if (parse_id(c, argv[1], &id) < 0)
		return EXIT_USAGE;
	struct error err;
	error_init(&err);
	struct outbox_row r;
	if (outbox_get(&c->st, id, &r, &err) < 0)
		return cli_fail(c, &err);
	json_t *o = row_json(c, &r, true);
	json_dumpf(o, c->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', c->out);
	json_decref(o);
	outbox_row_release(&r);
	return EXIT_OK;
}

static int retry(struct ctx *c, int argc, char **argv)
{
	bool dead = false;
	const char *idtext = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dead"))
			dead = true;
		else if (!strcmp(argv[i], "--now") && i + 1 < argc) {
			if (cli_parse_now(c, argv[++i]) < 0)
				return EXIT_USAGE;
		} else if (!idtext && argv[i][0] != '-')
			idtext = argv[i];
		else
			return cli_usage_error(c, "outbox retry: unexpected \"%s\"", argv[i]);
	}
	if (dead == !!idtext)
		return cli_usage_error(c, "outbox retry: give one notification id or --dead");
	struct error err;
	error_init(&err);
	if (dead) {
		long n = 0;
		if (outbox_retry_dead(&c->st, c->now, &n, &err) < 0)
			return cli_fail(c, &err);
		fprintf(c->out, "%ld dead notification%s queued again\n", n, n == 1 ? "" : "s");
		return EXIT_OK;
	}
	int64_t id;
	if (parse_id(c, idtext, &id) < 0)
		return EXIT_USAGE;
	if (outbox_retry(&c->st, id, c->now, &err) < 0)
		return cli_fail(c, &err);
	fprintf(c->out, "notification #%lld queued again\n", (long long)id);
	return EXIT_OK;
}

static int purge(struct ctx *c, int argc, char **argv)
{
	const char *before = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--sent-before") && i + 1 < argc)
			before = argv[++i];
		else if (!strncmp(argv[i], "--sent-before=", 14))
			before = argv[i] + 14;
		else
			return cli_usage_error(c, "outbox purge: unexpected \"%s\"", argv[i]);
	}
	if (!before)
		return cli_usage_error(c, "outbox purge: --sent-before DATE is required");
	int64_t t;
	if (time_parse(before, &t) < 0)
		return cli_usage_error(c,
				       "outbox purge: --sent-before \"%s\" is not a date (YYYY-MM-DD) or an "
				       "ISO 8601 time",
				       before);
	struct error err;
	error_init(&err);
	long n = 0;
	if (outbox_purge_sent(&c->st, t, &n, &err) < 0)
		return cli_fail(c, &err);
	fprintf(c->out, "%ld sent notification%s purged\n", n, n == 1 ? "" : "s");
	return EXIT_OK;
}

/* Each verb's -h shows the whole outbox usage (it lists every verb). */
static int help_or(int (*fn)(struct ctx *, int, char **), struct ctx *c, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, c->out);
			return EXIT_OK;
		}
	return fn(c, argc, argv);
}
static int v_list(struct ctx *c, int argc, char **argv)
{
	return help_or(list, c, argc, argv);
}
static int v_show(struct ctx *c, int argc, char **argv)
{
	return help_or(show, c, argc, argv);
}
static int v_retry(struct ctx *c, int argc, char **argv)
{
	return help_or(retry, c, argc, argv);
}
static int v_purge(struct ctx *c, int argc, char **argv)
{
	return help_or(purge, c, argc, argv);
}

int cmd_outbox(struct ctx *c, int argc, char **argv)
{
	static const struct subcommand verbs[] = {
	    {"list", v_list, NEED_DB},
	    {"show", v_show, NEED_DB},
	    {"retry", v_retry, NEED_DB | NEED_WRITE},
	    {"purge", v_purge, NEED_DB | NEED_WRITE},
	};
	return cli_subcommand(c, "outbox", verbs, sizeof verbs / sizeof verbs[0], usage, argc, argv);
}
