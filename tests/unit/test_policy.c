/*
 * test_policy.c — the reminder policy with a pinned clock: time zones across DST, [reminders] parsing
 * (each bad value names its key), one case per rule and explanation, and a simulated month of passes
 * every 15 minutes whose every reminder is checked against an independent expectation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "error.h"
#include "policy.h"
#include "tdate.h"
#include "banned.h"

static int32_t D(int y, int m, int d)
{
	int32_t days;
	assert_true(date_from_ymd(y, m, d, &days));
	return days;
}

/* The UTC instant of local y-m-d h:mi in `tz`. */
static int64_t T(const char *tz, int32_t day, int h, int mi)
{
	int64_t t;
	assert_int_equal(tz_utc(tz, day, h * 60 + mi, &t), 0);
	return t;
}

static int64_t U(const char *iso)
{
	int64_t t;
	assert_int_equal(time_parse(iso, &t), 0);
	return t;
}

/* ---- time zones ---- */

static void test_tz_known_instants(void **state)
{
	(void)state;
	/* Berlin springs forward 2026-03-29 at 01:00 UTC (02:00 CET → 03:00 CEST) */
	assert_int_equal(T("Europe/Berlin", D(2026, 3, 28), 9, 0), U("2026-03-28T08:00:00Z"));
	assert_int_equal(T("Europe/Berlin", D(2026, 3, 29), 9, 0), U("2026-03-29T07:00:00Z"));
	assert_int_equal(T("Europe/Berlin", D(2026, 3, 29), 1, 59), U("2026-03-29T00:59:00Z"));
	/* 02:30 does not exist: the first instant after the gap, 03:00 CEST */
	assert_int_equal(T("Europe/Berlin", D(2026, 3, 29), 2, 30), U("2026-03-29T01:00:00Z"));
	assert_int_equal(T("Europe/Berlin", D(2026, 3, 29), 3, 0), U("2026-03-29T01:00:00Z"));
	/* falls back 2026-10-25 at 01:00 UTC: 02:30 happens twice, the first is 00:30 UTC */
	assert_int_equal(T("Europe/Berlin", D(2026, 10, 25), 2, 30), U("2026-10-25T00:30:00Z"));
	assert_int_equal(T("Europe/Berlin", D(2026, 10, 25), 9, 0), U("2026-10-25T08:00:00Z"));
	/* New York springs forward 2026-03-08 at 07:00 UTC, falls back 2026-11-01 at 06:00 UTC */
	assert_int_equal(T("America/New_York", D(2026, 3, 7), 9, 0), U("2026-03-07T14:00:00Z"));
	assert_int_equal(T("America/New_York", D(2026, 3, 8), 9, 0), U("2026-03-08T13:00:00Z"));
	assert_int_equal(T("America/New_York", D(2026, 3, 8), 2, 30), U("2026-03-08T07:00:00Z"));
	assert_int_equal(T("America/New_York", D(2026, 11, 1), 1, 30), U("2026-11-01T05:30:00Z"));
	assert_int_equal(T("America/New_York", D(2026, 11, 1), 9, 0), U("2026-11-01T14:00:00Z"));
	assert_int_equal(T("Asia/Tokyo", D(2026, 4, 20), 9, 0), U("2026-04-20T00:00:00Z"));
	assert_int_equal(T("UTC", D(2026, 4, 20), 9, 0), U("2026-04-20T09:00:00Z"));
	assert_int_equal(T(NULL, D(2026, 4, 20), 9, 0), U("2026-04-20T09:00:00Z"));

	int32_t d;
	int mi;
	assert_int_equal(tz_local("Europe/Berlin", U("2026-03-29T00:59:59Z"), &d, &mi), 0);
	assert_int_equal(d, D(2026, 3, 29));
	assert_int_equal(mi, 1 * 60 + 59);
	assert_int_equal(tz_local("Europe/Berlin", U("2026-03-29T01:00:00Z"), &d, &mi), 0);
	assert_int_equal(mi, 3 * 60);
	assert_int_equal(tz_local("America/New_York", U("2026-04-20T03:30:00Z"), &d, &mi), 0);
	assert_int_equal(d, D(2026, 4, 19));
	assert_int_equal(mi, 23 * 60 + 30);
	assert_int_equal(tz_local("Asia/Tokyo", U("2026-04-19T15:00:00Z"), &d, &mi), 0);
	assert_int_equal(d, D(2026, 4, 20));
	assert_int_equal(mi, 0);
}

/* Every 15 minutes over both DST changes of 2026: local → UTC → local is the identity outside the gap,
 * and UTC → local → UTC returns the instant (or, in the repeated hour, its first occurrence). */
static void test_tz_roundtrips(void **state)
{
	(void)state;
	const char *zones[] = {"Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC"};
	const int32_t ranges[][2] = {{D(2026, 3, 6), D(2026, 3, 31)}, {D(2026, 10, 23), D(2026, 11, 3)}};
	for (size_t z = 0; z < 4; z++) {
		for (size_t r = 0; r < 2; r++) {
			int64_t from = (int64_t)ranges[r][0] * 86400, to = (int64_t)ranges[r][1] * 86400;
			for (int64_t t = from; t < to; t += 900) {
				int32_t d;
				int mi;
				assert_int_equal(tz_local(zones[z], t, &d, &mi), 0);
				int64_t back;
				assert_int_equal(tz_utc(zones[z], d, mi, &back), 0);
				assert_true(back == t || (back < t && t - back <= 3600)); /* repeated hour */
				int32_t d2;
				int mi2;
				assert_int_equal(tz_local(zones[z], back, &d2, &mi2), 0);
				assert_int_equal(d2, d);
				assert_int_equal(mi2, mi);
			}
		}
	}
}

static void test_tz_unknown(void **state)
{
	(void)state;
	int32_t d;
	int mi;
	int64_t t;
	assert_int_equal(tz_local("Mars/Olympus_Mons", 0, &d, &mi), -1);
	assert_int_equal(tz_utc("Mars/Olympus_Mons", 0, 0, &t), -1);
	assert_false(tz_valid("Mars/Olympus_Mons"));
	assert_false(tz_valid("europe/berlin"));
	assert_true(tz_valid("Europe/Berlin"));
	assert_true(tz_valid("UTC"));
	assert_true(tz_valid(NULL));
}

/* ---- [reminders] parsing ---- */

static int parse(const char *ini, struct policy_config *pc, struct error *err)
{
	struct config c;
	config_init(&c);
	error_init(err);
	int rc = config_load_string(&c, ini, "test.ini", err);
	assert_int_equal(rc, 0);
	rc = policy_config_parse(&c, pc, err);
	config_release(&c);
	return rc;
}

static void test_config_defaults(void **state)
{
	(void)state;
	struct policy_config pc;
	struct error err;
	assert_int_equal(parse("", &pc, &err), 0);
	assert_int_equal(pc.priorities, 0x3);
	assert_int_equal(pc.repeat_days[0], 1);
	assert_int_equal(pc.repeat_days[1], 3);
	assert_int_equal(pc.repeat_days[2], 7);
	assert_int_equal(pc.repeat_days[3], 7);
	assert_int_equal(pc.due_soon_days, 2);
	assert_int_equal(pc.escalate_after_days[0], 3);
	assert_int_equal(pc.escalate_after_days[1], 7);
	assert_int_equal(pc.escalate_after_days[2], -1);
	assert_string_equal(pc.escalation_to, "");
	assert_int_equal(pc.send_at_minutes, 540);
	assert_int_equal(pc.business_days, 0x1f);
	assert_string_equal(pc.timezone, "UTC");
	assert_string_equal(pc.fallback_to, "");
}

static void test_config_values(void **state)
{
	(void)state;
	struct policy_config pc;
	struct error err;
	assert_int_equal(parse("[reminders]\npriorities = p0, P2 ,P3\nrepeat = P2:2w, P0:0d\n"
			       "due_soon = 1w\nescalate_after = P0:off,P3:10d\nescalation_to = @leads\n"
			       "send_at = 7:05\nbusiness_days = sun-thu\ntimezone = Asia/Tokyo\n"
			       "fallback_to = sre@example.org\n",
			       &pc, &err),
			 0);
	assert_int_equal(pc.priorities, 0xd);
	assert_int_equal(pc.repeat_days[0], 0);
	assert_int_equal(pc.repeat_days[1], 3);
	assert_int_equal(pc.repeat_days[2], 14);
	assert_int_equal(pc.due_soon_days, 7);
	assert_int_equal(pc.escalate_after_days[0], -1);
	assert_int_equal(pc.escalate_after_days[1], 7);
	assert_int_equal(pc.escalate_after_days[3], 10);
	assert_string_equal(pc.escalation_to, "@leads");
	assert_int_equal(pc.send_at_minutes, 7 * 60 + 5);
	assert_int_equal(pc.business_days, 0x4f); /* sun, mon-thu */
	assert_string_equal(pc.timezone, "Asia/Tokyo");
	assert_string_equal(pc.fallback_to, "sre@example.org");

	assert_int_equal(parse("[reminders]\nbusiness_days = mon,tue,thu\nrepeat = 2d\ndue_soon = off\n"
			       "escalate_after = never\n",
			       &pc, &err),
			 0);
	assert_int_equal(pc.business_days, 0xb);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pc.repeat_days[i], 2);
		assert_int_equal(pc.escalate_after_days[i], -1);
	}
	assert_int_equal(pc.due_soon_days, -1);
	assert_int_equal(parse("[reminders]\nbusiness_days = all\ndue_soon = 0\n", &pc, &err), 0);
	assert_int_equal(pc.business_days, 0x7f);
	assert_int_equal(pc.due_soon_days, -1);
	assert_int_equal(parse("[reminders]\nbusiness_days = Monday-Sunday\n", &pc, &err), 0);
	assert_int_equal(pc.business_days, 0x7f);
}

static void test_config_errors(void **state)
{
	(void)state;
	static const struct {
		const char *ini, *msg;
	} bad[] = {
	    {"priorities = P0,P5", "[reminders] priorities: \"P5\""},
	    {"priorities = urgent", "[reminders] priorities: \"urgent\""},
	    {"repeat = P0:x", "[reminders] repeat: \"P0:x\""},
	    {"repeat = P0:1d,P1", "[reminders] repeat: \"P1\""},
	    {"repeat = P9:1d", "[reminders] repeat: \"P9:1d\""},
	    {"repeat = 36h", "[reminders] repeat: \"36h\""},
	    {"repeat = 3", "[reminders] repeat: \"3\""},
	    {"repeat = ", "[reminders] repeat: empty"},
	    {"repeat = P0:99999d", "[reminders] repeat: \"P0:99999d\""},
	    {"due_soon = soon", "[reminders] due_soon: \"soon\""},
	    {"escalate_after = P1:-3d", "[reminders] escalate_after: \"P1:-3d\""},
	    {"escalation_to = a b", "[reminders] escalation_to: \"a b\""},
	    {"send_at = 25:00", "[reminders] send_at: \"25:00\""},
	    {"send_at = 9", "[reminders] send_at: \"9\""},
	    {"send_at = 09:60", "[reminders] send_at: \"09:60\""},
	    {"business_days = mon-fry", "[reminders] business_days: \"mon-fry\""},
	    {"business_days = ,", "[reminders] business_days: \"\""},
	    {"timezone = Mars/Base", "[reminders] timezone: \"Mars/Base\""},
	    {"fallback_to = x,y", "[reminders] fallback_to: \"x,y\""},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char ini[256];
		snprintf(ini, sizeof ini, "[reminders]\n%s\n", bad[i].ini);
		struct policy_config pc;
		struct error err;
		assert_int_equal(parse(ini, &pc, &err), -1);
		if (!strstr(err.msg, bad[i].msg)) {
			print_error("%s → %s\n", bad[i].ini, err.msg);
			fail();
		}
		assert_int_equal(err.kind, ERR_CONFIG);
	}
}

static void test_config_webhooks(void **state)
{
	(void)state;
	struct config c;
	struct error err;
	config_init(&c);
	error_init(&err);
	assert_int_equal(config_load_string(&c,
					    "[webhook a]\nurl = https://x.example/h\npriorities = P2\n"
					    "owners = @alice, bob\nincidents = INC-1\n"
					    "[webhook b]\nurl = https://y.example/h\n",
					    "t.ini", &err),
			 0);
	struct policy_webhooks w;
	assert_int_equal(policy_webhooks_from_config(&c, &w, &err), 0);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.v[0].name, "a");
	assert_int_equal(w.v[0].priorities, 0x4);
	assert_string_equal(w.v[0].owners[0], "alice");
	assert_string_equal(w.v[0].owners[1], "bob");
	assert_null(w.v[0].owners[2]);
	assert_string_equal(w.v[0].incidents[0], "INC-1");
	assert_null(w.v[1].owners);
	assert_int_equal(w.v[1].priorities, 0);
	policy_webhooks_release(&w);
	config_release(&c);

	config_init(&c);
	assert_int_equal(config_load_string(&c, "[webhook a]\nurl = https://x.example/h\npriorities = high\n",
					    "t.ini", &err),
			 0);
	assert_int_equal(policy_webhooks_from_config(&c, &w, &err), -1);
	assert_non_null(strstr(err.msg, "[webhook a] priorities: \"high\""));
	config_release(&c);
}

/* ---- the rules, one pass at a time ---- */

static const struct policy_person people[] = {
    {"alice", "Alice A", "alice@example.org", NULL, "dave"},
    {"bob", "Bob B", NULL, "Europe/Berlin", NULL},
    {"carol", "Carol C", "carol@example.org", "America/New_York", NULL},
    {"dave", "Dave D", "dave@example.org", NULL, NULL},
    {"erin", "Erin E", "erin@example.org", "Europe/Berlin", NULL},
    {"kenji", "Kenji K", "kenji@example.org", "Asia/Tokyo", NULL},
};

static struct policy_item item(int64_t id, int prio, const char *owner, int32_t due)
{
	return (struct policy_item){.id = id,
				    .incident = "INC-1",
				    .key = "A1",
				    .owner = owner,
				    .status = "open",
				    .due = due,
				    .priority = prio,
				    .snoozed_until = DATE_NONE};
}

struct run {
	struct policy_config pc;
	struct policy_input in;
	struct policy_output out;
	struct error err;
};

static void run_init(struct run *r, const struct policy_item *items, size_t n, int64_t now)
{
	memset(r, 0, sizeof *r);
	struct error err;
	assert_int_equal(policy_config_parse(NULL, &r->pc, &err), 0);
	r->in.items = items;
	r->in.nitems = n;
	r->in.people = people;
	r->in.npeople = sizeof people / sizeof people[0];
	r->in.now = now;
}

static void run_plan(struct run *r)
{
	policy_output_release(&r->out);
	error_init(&r->err);
	assert_int_equal(policy_plan(&r->pc, &r->in, &r->out, &r->err), 0);
}

static const char *explain(const struct run *r, int64_t id)
{
	for (size_t i = 0; i < r->out.nexplanations; i++)
		if (r->out.explanations[i].item_id == id)
			return r->out.explanations[i].text;
	return NULL;
}

static void expect_text(const struct run *r, int64_t id, const char *want)
{
	const char *got = explain(r, id);
	if (!got || strcmp(got, want)) {
		print_error("item %lld: want \"%s\"\n            got  \"%s\"\n", (long long)id, want,
			    got ? got : "(none)");
		fail();
	}
}

static void test_overdue_owner(void **state)
{
	(void)state;
	struct policy_item it[] = {item(1, 0, "alice", D(2026, 4, 16))};
	struct run r;
	run_init(&r, it, 1, U("2026-04-20T10:00:00Z")); /* a Monday */
	r.pc.escalate_after_days[0] = -1;
	run_plan(&r);
	assert_int_equal(r.out.nreminders, 1);
	assert_int_equal(r.out.reminders[0].item_id, 1);
	assert_int_equal(r.out.reminders[0].kind, REMIND_OVERDUE);
	assert_string_equal(r.out.reminders[0].channel, "email");
	assert_string_equal(r.out.reminders[0].recipient, "alice@example.org");
	assert_string_equal(r.out.reminders[0].recipient_name, "Alice A");
	assert_int_equal(r.out.reminders[0].local_date, D(2026, 4, 20));
	assert_int_equal(r.out.reminders[0].days_late, 4);
	assert_string_equal(r.out.reminders[0].reason, "P0 overdue 4 days (every 1d)");
	expect_text(&r, 1, "reminded: P0 overdue 4 days → alice@example.org (every 1d)");
	assert_int_equal(r.out.next_wakeup, U("2026-04-21T09:00:00Z"));

	/* as the outbox records it: the second pass at the same instant plans nothing */
	struct policy_sent s = {1, REMIND_OVERDUE, "email", "alice@example.org", D(2026, 4, 20)};
	r.in.sent = &s;
	r.in.nsent = 1;
	run_plan(&r);
	assert_int_equal(r.out.nreminders, 0);
	expect_text(&r, 1, "not reminded: sent today already");
	assert_int_equal(r.out.next_wakeup, U("2026-04-21T09:00:00Z"));
	policy_output_release(&r.out);
}

static void test_cadence(void **state)
{
	(void)state;
	struct policy_item it[] = {item(1, 1, "alice", D(2026, 4, 10))};
	struct policy_sent s[] = {{1, REMIND_ESCALATION, "email", "dave@example.org", D(2026, 4, 19)},
				  {1, REMIND_OVERDUE, "email", "alice@example.org", D(2026, 4, 19)}};
	struct run r;
	run_init(&r, it, 1, U("2026-04-20T10:00:00Z"));
	r.in.sent = s;
	r.in.nsent = 2;
	run_plan(&r);
	assert_int_equal(r.out.nreminders, 0);
	expect_text(
	    &r, 1,
	    "not reminded: last sent 2026-04-19, next on 2026-04-22 (every 3d); escalation to manager dave "
	    "<dave@example.org> not now: last sent 2026-04-19, next on 2026-04-22 (every 3d)");
	assert_int_equal(r.out.next_wakeup, U("2026-04-22T09:00:00Z"));
	/* on 04-22 it goes, with the last date in the reason */
	r.in.now = U("2026-04-22T09:00:00Z");
	run_plan(&r);
	assert_int_equal(r.out.nreminders, 2); /* 12 days late: P1 escalates after 7 */
	assert_string_equal(r.out.reminders[0].reason,
			    "P1 overdue 12 days, last reminded 2026-04-19 (every 3d)");
	assert_int_equal(r.out.reminders[1].kind, REMIND_ESCALATION);
	assert_string_equal(r.out.reminders[1].recipient, "dave@example.org");
	expect_text(&r, 1,
		    "reminded: P1 overdue 12 days → alice@example.org (every 3d); escalated to manager dave "
		    "<dave@example.org>");
	policy_output_release(&r.out);
}

static void test_snoozed(void **state)
{
	(void)state;
	struct policy_item it[] = {item(1, 0, "alice", D(2026, 4, 16))};
	it[0].snoozed_until = D(2026, 5, 1);
	struct run r;
	run_init(&r, it, 1, U("2026-04-20T10:00:00Z"));
	r.pc.escalate_after_days[0] = -1;
	run_plan(&r);
	assert_int_equal(r.out.nreminders, 0);
	expect_text(&r, 1, "not reminded: snoozed until 2026-05-01");
	assert_int_equal(r.out.next_wakeup, U("2026-05-04T09:00:00Z")); /* 05-02 is a Saturday */
	r.in.now = U("2026-05-04T09:00:00Z");
	run_plan(&r);
	assert_int_equal(r.out.nreminders, 1);
	policy_output_release(&r.out);
}

static void test_timing(void **state)
{
	(void)state;
	struct policy_item it[] = {
	    item(1, 0, "erin", D(2026, 4, 16)),  /* Berlin */
	    item(2, 0, "carol", D(2026, 4, 16)), /* New York */
	    item(3, 0, "kenji", D(2026, 4, 20)), /* Tokyo, due today */
	};
	struct run r;
	run_init(&r, it, 3, U("2026-04-25T10:00:00Z")); /* Saturday */
	r.pc.escalate_after_days[0] = -1;
	r.pc.due_soon_days = -1;
	run_plan(&r);
	expect_text(&r, 1, "not reminded: not a business day in Europe/Berlin (Saturday)");

	r.in.now = U("2026-04-20T11:12:00Z"); /* Monday: 07:12 in New York, 13:12 in Berlin, 20:12 in Tokyo */
	run_plan(&r);
	assert_int_equal(r.out.nreminders, 1);
	assert_string_equal(r.out.reminders[0].recipient, "erin@example.org");
	expect_text(&r, 2, "not reminded: before 09:00 in America/New_York (it is 07:12 there)");
	expect_text(&r, 3, "not reminded: due today, not overdue until the end of 2026-04-20 in Asia/Tokyo");
	/* next: 09:00 in New York (13:00 UTC) comes before Tokyo's midnight (15:00 UTC) */
	assert_int_equal(r.out.next_wakeup, U("2026-04-20T13:00:00Z"));
	policy_output_release(&r.out);
}

static void test_recipients(void **state)
{
	(void)state;
	struct policy_item it[] = {
	    item(1, 0, "bob", D(2026, 4, 16)),     /* no e-mail → approver */
	    item(2, 0, NULL, D(2026, 4, 16)),      /* no owner → reporter */
	    item(3, 0, "bob", D(2026, 4, 16)),     /* nobody */
	    item(4, 0, "mallory", D(2026, 4, 16)), /* not in people → fallback_to */
	    item(5, 2, "alice", D(2026, 4, 16)),   /* P2 */
	    item(6, 0, "alice", DATE_NONE),        /* no due date */
	    item(7, 3, "alice", DATE_NONE),        /* P3 without a due date: not considered */
	    item(8, 0, "alice", D(2026, 4, 16)),   /* done */
	};
	it[0].approved_by = "carol";
	it[1].reporter = "kenji";
	it[1].approved_by = "carol";
	it[7].status = "done";
	struct run r;
	run_init(&r, it, 8, U("2026-04-20T14:00:00Z")); /* 10:00 in New York, 23:00 in Tokyo */
	r.pc.escalate_after_days[0] = -1;
	run_plan(&r);
	expect_text(
	    &r, 1,
	    "reminded: P0 overdue 4 days (every 1d); owner bob has no e-mail → sent to approver carol "
	    "<carol@example.org>");
	expect_text(
	    &r, 2,
	    "reminded: P0 overdue 4 days (every 1d); no owner → sent to reporter kenji <kenji@example.org>");
	expect_text(&r, 3,
		    "no one to send to: owner bob has no e-mail, no reporter or approver with an e-mail, no "
		    "[reminders] fallback_to");
	expect_text(
	    &r, 4,
	    "no one to send to: owner mallory is not in people, no reporter or approver with an e-mail, no "
	    "[reminders] fallback_to");
	expect_text(&r, 5, "P2: not in [reminders] priorities");
	expect_text(&r, 6, "no due date: nothing to remind (set one)");
	assert_null(explain(&r, 7));
	assert_null(explain(&r, 8));
	assert_int_equal(r.out.nexplanations, 6);
	assert_int_equal(r.out.nreminders, 2);
	assert_string_equal(r.out.reminders[0].recipient, "carol@example.org");
	assert_int_equal(r.out.reminders[0].local_date, D(2026, 4, 20));
	assert_string_equal(r.out.reminders[1].recipient, "kenji@example.org");
	assert_int_equal(r.out.reminders[1].local_date, D(2026, 4, 20));

	snprintf(r.pc.fallback_to, sizeof r.pc.fallback_to, "sre@example.org");
	run_plan(&r);
	expect_text(&r, 3,
		    "reminded: P0 overdue 4 days (every 1d); owner bob has no e-mail → sent to [reminders] "
		    "fallback_to "
		    "sre@example.org");
	assert_int_equal(r.out.nreminders, 4);
	snprintf(r.pc.fallback_to, sizeof r.pc.fallback_to, "@dave");
	run_plan(&r);
	expect_text(
	    &r, 4,
	    "reminded: P0 overdue 4 days (every 1d); owner mallory is not in people → sent to [reminders] "
	    "fallback_to dave <dave@example.org>");
	policy_output_release(&r.out);
}

static void test_due_soon_and_escalation(void **state)
{
	(void)state;
	struct policy_item it[] = {
	    item(1, 1, "alice", D(2026, 4, 22)), /* due in 2 days */
	    item(2, 0, "alice", D(2026, 4, 17)), /* 3 days late: escalates */
	    item(3, 0, "kenji", D(2026, 4, 17)), /* no manager: the approver */
	    item(4, 0, "carol", D(2026, 4, 17)), /* no manager, no approver: escalation_to */
	};
	it[2].approved_by = "erin";
	struct run r;
	run_init(&r, it, 4, U("2026-04-20T09:30:00Z"));
	run_plan(&r);
	expect_text(&r, 1, "reminded: P1 due in 2 days (2026-04-22) → alice@example.org (heads-up)");
	expect_text(&r, 2,
		    "reminded: P0 overdue 3 days → alice@example.org (every 1d); escalated to manager dave "
		    "<dave@example.org>");
	expect_text(&r, 3,
		    "reminded: P0 overdue 3 days → kenji@example.org (every 1d); escalated to approver erin "
		    "<erin@example.org>");
	expect_text(
	    &r, 4,
	    "not reminded: before 09:00 in America/New_York (it is 05:30 there); escalation due, but no "
	    "manager, approver or [reminders] escalation_to with an e-mail");
	assert_int_equal(r.out.nreminders, 5);
	assert_int_equal(r.out.reminders[0].kind, REMIND_DUE_SOON);
	assert_string_equal(r.out.reminders[0].reason, "P1 due in 2 days (2026-04-22)");
	assert_int_equal(r.out.reminders[2].kind, REMIND_ESCALATION);
	assert_string_equal(r.out.reminders[2].reason,
			    "P0 overdue 3 days, owner alice, escalated after 3d (every 1d)");

	/* the heads-up goes once */
	struct policy_sent s = {1, REMIND_DUE_SOON, "email", "alice@example.org", D(2026, 4, 20)};
	r.in.sent = &s;
	r.in.nsent = 1;
	r.in.now = U("2026-04-21T09:30:00Z");
	snprintf(r.pc.escalation_to, sizeof r.pc.escalation_to, "oncall-leads@example.org");
	run_plan(&r);
	expect_text(&r, 1, "not reminded: heads-up sent 2026-04-20; due 2026-04-22 (in 1 day)");
	expect_text(&r, 4,
		    "not reminded: before 09:00 in America/New_York (it is 05:30 there); escalated to "
		    "[reminders] escalation_to oncall-leads@example.org");
	policy_output_release(&r.out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tz_known_instants),
	    cmocka_unit_test(test_tz_roundtrips),
	    cmocka_unit_test(test_tz_unknown),
	    cmocka_unit_test(test_config_defaults),
	    cmocka_unit_test(test_config_values),
	    cmocka_unit_test(test_config_errors),
	    cmocka_unit_test(test_config_webhooks),
	    cmocka_unit_test(test_overdue_owner),
	    cmocka_unit_test(test_cadence),
	    cmocka_unit_test(test_snoozed),
	    cmocka_unit_test(test_timing),
	    cmocka_unit_test(test_recipients),
	    cmocka_unit_test(test_due_soon_and_escalation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
