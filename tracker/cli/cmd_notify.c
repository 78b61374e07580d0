/*
 * cmd_notify.c — `tracker notify test`: sends one sample reminder through a configured channel so an
 * operator can check [smtp] or a [webhook NAME] before turning reminders on.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "notify.h"
#include "tdate.h"
#include "banned.h"

static const char usage[] =
    "usage: tracker notify test (--email ADDRESS | --webhook NAME)\n"
    "\n"
    "Sends one sample reminder digest through the configured transport and prints the\n"
    "outcome (ok, tempfail or permfail, with the server's code and message).\n"
    "\n"
    "      --email ADDRESS  send a sample e-mail through [smtp] to ADDRESS\n"
    "      --webhook NAME   post a sample to [webhook NAME]\n"
    "  -h, --help           show this help\n";

int cmd_notify(struct ctx *c, int argc, char **argv)
{
	const char *email = NULL, *webhook = NULL;
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(usage, c->out);
		return EXIT_OK;
	}
	if (argc < 2 || strcmp(argv[1], "test")) {
		fputs(usage, c->err);
		return EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, c->out);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--email") && i + 1 < argc) {
			email = argv[++i];
		} else if (!strcmp(argv[i], "--webhook") && i + 1 < argc) {
			webhook = argv[++i];
		} else {
			return cli_usage_error(c, "notify test: unexpected \"%s\" (see tracker notify -h)",
					       argv[i]);
		}
	}
	if (!!email == !!webhook)
		return cli_usage_error(c,
				       "notify test: give exactly one of --email ADDRESS or --webhook NAME");

	int32_t today = time_to_date(c->now);
	struct notify_item item = {.incident_id = "INC-0000-00-00-TEST",
				   .key = "1",
				   .action = "Sample action item from tracker notify test",
				   .owner = c->actor,
				   .incident_title = "Test of the notification channel",
				   .status = "open",
				   .due = today - 3,
				   .priority = 0,
				   .days_late = 3,
				   .sequence = 0,
				   .updated_at = c->now};
	char key[96];
	snprintf(key, sizeof key, "notify-test:%lld", (long long)c->now);
	struct notify_digest d = {.idempotency_key = key,
				  .recipient_addr = email,
				  .recipient_name = NULL,
				  .kind = "overdue",
				  .items = &item,
				  .nitems = 1,
				  .now = c->now};
	struct notify_options opt = {.config = &c->cfg, .webhook = webhook};
	struct notify_transport t = {0};
	struct error err;
	error_init(&err);
	cli_warn_permissions(c, false, true);
	if (notify_open(&t, email ? "smtp" : "webhook", &opt, &err) < 0)
		return cli_fail(c, &err);
	struct notify_outcome out;
	memset(&out, 0, sizeof out);
	enum notify_result r = notify_send(&t, &d, &out);
	notify_close(&t);
	fprintf(c->out, "%s: %s", email ? email : webhook, notify_result_name(r));
	if (out.code)
		fprintf(c->out, " (code %ld)", out.code);
	if (out.retry_after)
		fprintf(c->out, ", retry after %ld s", out.retry_after);
	if (r != NOTIFY_OK && out.err.msg[0])
		fprintf(c->out, ": %s", out.err.msg);
	fputc('\n', c->out);
	return r == NOTIFY_OK ? EXIT_OK : EXIT_IO;
}
