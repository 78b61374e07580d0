/*
 * notify_driver.c — drives the notification channels from the e2e tests (tests/e2e/t04NN-notify-*.sh)
 * until `tracker notify test` and `tracker ical` exist:
 *
 *   notify_driver smtp CONFIG [--count N] [--inject] [--key PREFIX]
 *   notify_driver webhook CONFIG NAME [--count N] [--key PREFIX]
 *   notify_driver ical events|todo N [--base URL]
 *
 * smtp and webhook open the transport once and send N digests of sample items through it, printing one
 * line per digest: "result=ok code=250 retry_after=0 error=". --inject puts CR LF and an extra RCPT TO
 * command into the recipient address. ical writes a feed of N sample items to stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "notify.h"
#include "sample_items.h"

#include "banned.h"

#define NITEMS 5

static int usage(void)
{
	fputs("usage: notify_driver smtp CONFIG [--count N] [--inject] [--key PREFIX]\n"
	      "       notify_driver webhook CONFIG NAME [--count N] [--key PREFIX]\n"
	      "       notify_driver ical events|todo N [--base URL]\n",
	      stderr);
	return 2;
}

static int run_ical(int argc, char **argv)
{
	if (argc < 4)
		return usage();
	int fl = ical_flavour_from_name(argv[2]);
	char *end;
	long n = strtol(argv[3], &end, 10);
	if (fl < 0 || *end || n < 0 || n > 1000000)
		return usage();
	const char *base = argc >= 6 && !strcmp(argv[4], "--base") ? argv[5] : NULL;
	struct notify_item *items = calloc((size_t)n + 1, sizeof *items);
	char(*incs)[32] = calloc((size_t)n + 1, 32);
	char(*keys)[16] = calloc((size_t)n + 1, 16);
	for (size_t i = 0; i < (size_t)n; i++)
		sample_item(&items[i], i, incs[i], keys[i]);
	struct ical_feed f = {.name = "Action items — test",
			      .flavour = (enum ical_flavour)fl,
			      .base_url = base,
			      .items = items,
			      .nitems = (size_t)n};
	struct buf b;
	struct error err;
	buf_init(&b, 0);
	error_init(&err);
	int rc = ical_render(&b, &f, &err);
	if (rc == 0)
		fwrite(b.data, 1, b.len, stdout);
	else
		fprintf(stderr, "notify_driver: %s\n", err.msg);
	buf_release(&b);
	free(items);
	free(incs);
	free(keys);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return usage();
	if (!strcmp(argv[1], "ical"))
		return run_ical(argc, argv);
	bool smtp = !strcmp(argv[1], "smtp");
	if (!smtp && strcmp(argv[1], "webhook"))
		return usage();
	const char *webhook = NULL;
	int i = 3;
	if (!smtp) {
		if (argc < 4)
			return usage();
		webhook = argv[3];
		i = 4;
	}
	long count = 1;
	bool inject = false;
	const char *prefix = "driver";
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--inject"))
			inject = true;
		else if (!strcmp(argv[i], "--key") && i + 1 < argc)
			prefix = argv[++i];
		else
			return usage();
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct config cfg;
	struct error err;
	config_init(&cfg);
	error_init(&err);
	int rc = 1;
	struct notify_transport t = {0};
	if (config_load(&cfg, argv[2], &err) < 0) {
		fprintf(stderr, "notify_driver: %s\n", err.msg);
		goto out;
	}
	struct notify_options opt = {.config = &cfg, .webhook = webhook};
	if (notify_open(&t, smtp ? "smtp" : "webhook", &opt, &err) < 0) {
		fprintf(stderr, "notify_driver: %s\n", err.msg);
		goto out;
	}
	struct notify_item items[NITEMS];
	char incs[NITEMS][32], keys[NITEMS][16];
	for (size_t k = 0; k < NITEMS; k++)
		sample_item(&items[k], k, incs[k], keys[k]);
	for (long m = 0; m < count; m++) {
		char key[128];
		snprintf(key, sizeof key, "%s-%ld", prefix, m);
		struct notify_digest d = {
		    .idempotency_key = key,
		    .recipient_addr =
			inject ? "zoe@example.org>\r\nRCPT TO:<evil@example.org" : "zoe@example.org",
		    .recipient_name = "Zoë Ångström",
		    .kind = "overdue",
		    .items = items,
		    .nitems = NITEMS,
		    .now = 1776700000,
		};
		struct notify_outcome o;
		notify_send(&t, &d, &o);
		printf("result=%s code=%ld retry_after=%ld error=%s\n", notify_result_name(o.result), o.code,
		       o.retry_after, o.err.msg);
	}
	rc = 0;
out:
	notify_close(&t);
	config_release(&cfg);
	curl_global_cleanup();
	return rc;
}
