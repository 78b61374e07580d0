/*
 * bench_notify.c — figures for docs/performance.md ("Notification channels (issue 4)"):
 *
 *   1. ical_render() of a 10,000-item feed, against (a) plain fprintf of the same properties into a
 *      memory stream (no escaping, no folding: the floor) and (b) libical's own component tree,
 *      serialised with icalcomponent_as_ical_string_r() (the approach ical.c does not use).
 *   2. With an SMTP port given: 1,000 digests to a loopback SMTP server over one reused connection (one
 *      transport, one CURL handle) against one connection per message (open/send/close each time).
 *
 *   bench_notify [SMTP_PORT]     (start tests/servers/smtp_server.py first; see docs/performance.md)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <libical/ical.h>

#include "notify.h"
#include "tdate.h"
#include "../tools/sample_items.h"

#include "banned.h"

#define NFEED 10000
#define NMAIL 1000
#define ROUNDS 5

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static struct notify_item *items;

static size_t fprintf_feed(void)
{
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);
	fputs(
	    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tracker//action items//EN\r\nCALSCALE:GREGORIAN\r\n"
	    "METHOD:PUBLISH\r\nNAME:bench\r\nX-WR-CALNAME:bench\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n"
	    "X-PUBLISHED-TTL:PT1H\r\n",
	    f);
	for (size_t i = 0; i < NFEED; i++) {
		const struct notify_item *it = &items[i];
		char uid[41], ds[11], de[11], ts[21];
		ical_uid(it, ICAL_EVENTS, uid);
		date_format(it->due, ds);
		date_format(it->due + 1, de);
		time_format(it->updated_at, ts);
		fprintf(f, "BEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:%s\r\nLAST-MODIFIED:%s\r\nSEQUENCE:%d\r\n", uid,
			ts, ts, it->sequence);
		fprintf(f, "SUMMARY:[%s] %s (%s#%s)\r\n", notify_priority_name(it->priority), it->action,
			it->incident_id, it->key);
		fprintf(f,
			"DESCRIPTION:Owner: %s\\nIncident: %s — %s\\nStatus: %s\\nPriority: %s\\nLink: "
			"https://tracker.example.org/items/%s%%23%s\r\n",
			it->owner, it->incident_id, it->incident_title, it->status,
			notify_priority_name(it->priority), it->incident_id, it->key);
		fprintf(f, "PRIORITY:%d\r\nURL:https://tracker.example.org/items/%s%%23%s\r\n",
			1 + 2 * it->priority, it->incident_id, it->key);
		fprintf(
		    f, "DTSTART;VALUE=DATE:%s\r\nDTEND;VALUE=DATE:%s\r\nTRANSP:TRANSPARENT\r\nEND:VEVENT\r\n",
		    ds, de);
	}
	fputs("END:VCALENDAR\r\n", f);
	fclose(f);
	free(mem);
	return len;
}

static size_t tree_feed(void)
{
	icalcomponent *cal = icalcomponent_new_vcalendar();
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_prodid("-//tracker//action items//EN"));
	for (size_t i = 0; i < NFEED; i++) {
		const struct notify_item *it = &items[i];
		char uid[41];
		ical_uid(it, ICAL_EVENTS, uid);
		icalcomponent *ev = icalcomponent_new_vevent();
		struct icaltimetype t =
		    icaltime_from_timet_with_zone((time_t)it->updated_at, 0, icaltimezone_get_utc_timezone());
		int y, m, d;
		date_to_ymd(it->due, &y, &m, &d);
		struct icaltimetype ds = icaltime_null_date();
		ds.year = y, ds.month = m, ds.day = d;
		icalcomponent_add_property(ev, icalproperty_new_uid(uid));
		icalcomponent_add_property(ev, icalproperty_new_dtstamp(t));
		icalcomponent_add_property(ev, icalproperty_new_lastmodified(t));
		icalcomponent_add_property(ev, icalproperty_new_sequence(it->sequence));
		icalcomponent_add_property(ev, icalproperty_new_summary(it->action));
		icalcomponent_add_property(ev, icalproperty_new_description(it->incident_title));
		icalcomponent_add_property(ev, icalproperty_new_priority(1 + 2 * it->priority));
		icalcomponent_add_property(ev, icalproperty_new_url("https://tracker.example.org/items/x"));
		icalcomponent_add_property(ev, icalproperty_new_dtstart(ds));
		icaltime_adjust(&ds, 1, 0, 0, 0);
		icalcomponent_add_property(ev, icalproperty_new_dtend(ds));
		icalcomponent_add_property(ev, icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT));
		icalcomponent_add_component(cal, ev);
	}
	char *s = icalcomponent_as_ical_string_r(cal);
	size_t len = strlen(s);
	icalmemory_free_buffer(s);
	icalcomponent_free(cal);
	return len;
}

static void bench_ical(void)
{
	items = calloc(NFEED, sizeof *items);
	char(*incs)[32] = calloc(NFEED, 32);
	char(*keys)[16] = calloc(NFEED, 16);
	for (size_t i = 0; i < NFEED; i++) {
		sample_item(&items[i], i, incs[i], keys[i]);
		/* every item open, with a due date and a priority: 10,000 events */
		items[i].status = "open";
		if (items[i].due == DATE_NONE)
			items[i].due = 20500;
		if (items[i].priority < 0)
			items[i].priority = 2;
		if (items[i].action[0] == 'R' && strstr(items[i].action, "\xff"))
			items[i].action = "Rotate the on-call pager key";
	}
	struct ical_feed f = {
	    .name = "bench", .base_url = "https://tracker.example.org", .items = items, .nitems = NFEED};
	double best_render = 1e9, best_printf = 1e9, best_tree = 1e9;
	size_t len_render = 0, len_printf = 0, len_tree = 0;
	for (int r = 0; r < ROUNDS; r++) {
		struct buf b;
		struct error err;
		buf_init(&b, 0);
		double t0 = now_ms();
		if (ical_render(&b, &f, &err) < 0) {
			fprintf(stderr, "ical_render: %s\n", err.msg);
			exit(1);
		}
		double t1 = now_ms();
		len_render = b.len;
		buf_release(&b);
		double t2 = now_ms();
		len_printf = fprintf_feed();
		double t3 = now_ms();
		len_tree = tree_feed();
		double t4 = now_ms();
		if (t1 - t0 < best_render)
			best_render = t1 - t0;
		if (t3 - t2 < best_printf)
			best_printf = t3 - t2;
		if (t4 - t3 < best_tree)
			best_tree = t4 - t3;
	}
	printf("ical: %d events, best of %d rounds\n", NFEED, ROUNDS);
	printf("  ical_render                        %8.1f ms  %zu bytes\n", best_render, len_render);
	printf("  plain fprintf, same properties     %8.1f ms  %zu bytes  (ratio %.2fx)\n", best_printf,
	       len_printf, best_render / best_printf);
	printf("  libical component tree             %8.1f ms  %zu bytes  (ratio %.2fx)\n", best_tree,
	       len_tree, best_tree / best_printf);
	free(items);
	free(incs);
	free(keys);
}

static void bench_smtp(const char *port)
{
	char ini[512];
	snprintf(ini, sizeof ini,
		 "[smtp]\nurl = smtp://127.0.0.1:%s\nfrom = Tracker <tracker@example.org>\nstarttls = off\n"
		 "timeout = 10\n[server]\nbase_url = https://tracker.example.org\n",
		 port);
	struct config cfg;
	struct error err;
	config_init(&cfg);
	if (config_load_string(&cfg, ini, "bench", &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		exit(1);
	}
	struct notify_item its[5];
	char incs[5][32], keys[5][16];
	for (size_t i = 0; i < 5; i++)
		sample_item(&its[i], i, incs[i], keys[i]);
	struct notify_options opt = {.config = &cfg};
	struct notify_transport t;
	double elapsed[2];
	for (int mode = 0; mode < 2; mode++) {
		unsigned ok = 0;
		double t0 = now_ms();
		if (mode == 0 && notify_open(&t, "smtp", &opt, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			exit(1);
		}
		for (int i = 0; i < NMAIL; i++) {
			if (mode == 1 && notify_open(&t, "smtp", &opt, &err) < 0) {
				fprintf(stderr, "%s\n", err.msg);
				exit(1);
			}
			char key[64];
			snprintf(key, sizeof key, "bench-%d-%d", mode, i);
			struct notify_digest d = {.idempotency_key = key,
						  .recipient_addr = "zoe@example.org",
						  .recipient_name = "Zoë",
						  .kind = "overdue",
						  .items = its,
						  .nitems = 5,
						  .now = 1776700000};
			struct notify_outcome o;
			if (notify_send(&t, &d, &o) == NOTIFY_OK)
				ok++;
			if (mode == 1)
				notify_close(&t);
		}
		if (mode == 0)
			notify_close(&t);
		elapsed[mode] = now_ms() - t0;
		printf("smtp: %d digests, %s: %8.1f ms (%.2f ms/message, %u ok)\n", NMAIL,
		       mode == 0 ? "one reused connection  " : "one connection each    ", elapsed[mode],
		       elapsed[mode] / NMAIL, ok);
	}
	printf("smtp: reuse is %.2fx faster\n", elapsed[1] / elapsed[0]);
	config_release(&cfg);
}

int main(int argc, char **argv)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	bench_ical();
	if (argc > 1)
		bench_smtp(argv[1]);
	else
		puts("smtp: skipped (give the port of tests/servers/smtp_server.py)");
	curl_global_cleanup();
	return 0;
}
