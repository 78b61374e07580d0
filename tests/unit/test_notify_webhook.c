/*
 * test_notify_webhook.c — Standard Webhooks signing (the spec's published test vector), the webhook id,
 * Slack escaping and body shape, the generic body, and the HTTP result mapping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "notify.h"
#include "tdate.h"
#include "../tools/sample_items.h"

#include "banned.h"

static void test_standard_webhooks_vector(void **state)
{
	(void)state;
	/* https://github.com/standard-webhooks/standard-webhooks: the test vector of every reference lib */
	const char *body = "{\"test\": 2432232314}";
	char sig[64];
	struct error err;
	assert_int_equal(webhook_sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
				      "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, strlen(body), sig,
				      sizeof sig, &err),
			 0);
	assert_string_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	/* another timestamp, another signature */
	assert_int_equal(webhook_sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
				      "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331, body, strlen(body), sig,
				      sizeof sig, &err),
			 0);
	assert_string_not_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	assert_int_equal(webhook_sign("whsec_!!!notbase64", "m", 1, "", 0, sig, sizeof sig, &err), -1);
	assert_null(strstr(err.msg, "notbase64")); /* secrets never reach messages */
	assert_int_equal(webhook_sign("", "m", 1, "", 0, sig, sizeof sig, &err), -1);
	assert_int_equal(webhook_sign("raw-secret", "m", 1, "", 0, sig, sizeof sig, &err), 0);
	assert_int_equal(webhook_sign("raw-secret", "m", 1, "", 0, sig, 10, &err), -1);
}

static void test_msg_id(void **state)
{
	(void)state;
	char a[37], b[37];
	webhook_msg_id("overdue:ops:2026-04-20", a);
	webhook_msg_id("overdue:ops:2026-04-20", b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 36);
	assert_memory_equal(a, "msg_", 4);
	assert_null(strstr(a, "ops"));
	webhook_msg_id("overdue:ops:2026-04-21", b);
	assert_string_not_equal(a, b);
}

static struct notify_item items[60];
static char incs[60][32], keys[60][16];

static struct notify_digest digest(size_t n)
{
	for (size_t i = 0; i < n; i++)
		sample_item(&items[i], i, incs[i], keys[i]);
	struct notify_digest d = {
	    .idempotency_key = "k", .kind = "overdue", .items = items, .nitems = n, .now = 1776700000};
	return d;
}

static void test_slack_escape(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	webhook_slack_escape(&b, "a & b <!channel> > c \x01\xff");
	assert_string_equal(buf_cstr(&b), "a &amp; b &lt;!channel&gt; &gt; c \xEF\xBF\xBD");
	buf_release(&b);
}

static void test_slack_body(void **state)
{
	(void)state;
	struct notify_digest d = digest(3);
	items[0].action = "Stop <@U123> & <!here> pings";
	struct buf b;
	struct error err;
	buf_init(&b, 0);
	assert_int_equal(webhook_build_body(&b, WEBHOOK_SLACK, &d, "msg_x", "https://t.example", &err), 0);
	json_error_t je;
	json_t *o = json_loads(buf_cstr(&b), 0, &je);
	assert_non_null(o);
	const char *text = json_string_value(json_object_get(o, "text"));
	assert_non_null(text);
	assert_non_null(strstr(text, "[tracker] 3 overdue action items (1 P0)"));
	assert_non_null(strstr(text, "Stop &lt;@U123&gt; &amp; &lt;!here&gt; pings"));
	assert_null(strstr(text, "<!here>"));
	assert_non_null(
	    strstr(text, "<https://t.example/items/INC-2026-03-01-040%231|INC-2026-03-01-040#1>"));
	json_t *blocks = json_object_get(o, "blocks");
	assert_true(json_is_array(blocks));
	assert_string_equal(json_string_value(json_object_get(json_array_get(blocks, 0), "type")), "header");
	const char *sec =
	    json_string_value(json_object_get(json_object_get(json_array_get(blocks, 1), "text"), "text"));
	assert_non_null(strstr(sec, "&lt;@U123&gt;"));
	json_decref(o);

	/* many items: at most 50 blocks, sections under 3000 characters, the rest counted */
	d = digest(60);
	buf_reset(&b);
	assert_int_equal(webhook_build_body(&b, WEBHOOK_SLACK, &d, "msg_x", "https://t.example", &err), 0);
	o = json_loads(buf_cstr(&b), 0, &je);
	assert_non_null(o);
	blocks = json_object_get(o, "blocks");
	assert_true(json_array_size(blocks) <= 50);
	size_t i;
	json_t *blk;
	json_array_foreach(blocks, i, blk)
	{
		json_t *t = json_object_get(blk, "text");
		if (t)
			assert_true(strlen(json_string_value(json_object_get(t, "text"))) <= 3000);
	}
	assert_non_null(strstr(json_string_value(json_object_get(o, "text")), "and 40 more"));
	json_decref(o);
	buf_release(&b);
}

static void test_generic_body(void **state)
{
	(void)state;
	struct notify_digest d = digest(5);
	d.recipient_name = "Zoë";
	struct buf b;
	struct error err;
	buf_init(&b, 0);
	assert_int_equal(webhook_build_body(&b, WEBHOOK_GENERIC, &d, "msg_abc", NULL, &err), 0);
	json_error_t je;
	json_t *o = json_loads(buf_cstr(&b), 0, &je);
	assert_non_null(o);
	assert_int_equal(json_integer_value(json_object_get(o, "version")), 1);
	assert_string_equal(json_string_value(json_object_get(o, "id")), "msg_abc");
	assert_string_equal(json_string_value(json_object_get(o, "generated_at")), "2026-04-20T15:46:40Z");
	json_t *its = json_object_get(o, "items");
	assert_int_equal(json_array_size(its), 5);
	json_t *it1 = json_array_get(its, 1);
	assert_string_equal(json_string_value(json_object_get(it1, "id")), "INC-2026-03-01-040#2");
	assert_string_equal(json_string_value(json_object_get(it1, "priority")), "P0");
	assert_string_equal(json_string_value(json_object_get(it1, "due")), "2026-03-02");
	assert_true(json_is_null(json_object_get(json_array_get(its, 0), "priority")));
	assert_null(json_object_get(it1, "url"));
	/* sanitised: invalid bytes replaced, controls gone */
	const char *a4 = json_string_value(json_object_get(json_array_get(its, 4), "action"));
	assert_string_equal(a4, "Rotate the on-call pager key \xEF\xBF\xBD\xEF\xBF\xBD (bad bytes)");
	json_decref(o);
	/* the same digest gives the same bytes */
	struct buf b2;
	buf_init(&b2, 0);
	webhook_build_body(&b2, WEBHOOK_GENERIC, &d, "msg_abc", NULL, &err);
	assert_string_equal(buf_cstr(&b), buf_cstr(&b2));
	buf_release(&b);
	buf_release(&b2);
	assert_int_equal(webhook_format_from_name("slack"), WEBHOOK_SLACK);
	assert_int_equal(webhook_format_from_name(NULL), WEBHOOK_GENERIC);
	assert_int_equal(webhook_format_from_name("teams"), -1);
}

/* 4 overdue + 3 due soon: Slack's header and text, the "due soon" label, the owner mentioned by Slack
 * id (an id that is not plain is not used), a stand-in note; generic kind, summary and counts. */
static void test_mixed_kinds_and_mentions(void **state)
{
	(void)state;
	struct notify_digest d = digest(7);
	d.kind = "mixed";
	for (size_t i = 0; i < 7; i++) {
		items[i].kind = i < 4 ? "overdue" : "due_soon";
		items[i].days_late = i < 4 ? (int)i + 1 : 4 - (int)i; /* 1..4 late; 0, -1, -2 */
		items[i].priority = 1;
	}
	items[0].owner_slack = "U024BE7LH";
	items[1].owner_slack = "<!channel>"; /* not an id: the name is shown */
	items[2].why = "owner bob has no e-mail in tracker people: e-mail reminders go to approver carol "
		       "<carol@example.org>";
	struct buf b;
	struct error err;
	buf_init(&b, 0);
	assert_int_equal(webhook_build_body(&b, WEBHOOK_SLACK, &d, "msg_x", NULL, &err), 0);
	json_error_t je;
	json_t *o = json_loads(buf_cstr(&b), 0, &je);
	assert_non_null(o);
	const char *text = json_string_value(json_object_get(o, "text"));
	assert_non_null(strstr(text, "[tracker] 4 overdue, 3 due soon (7 P1)"));
	assert_null(strstr(text, "7 overdue"));
	const char *hdr = json_string_value(json_object_get(
	    json_object_get(json_array_get(json_object_get(o, "blocks"), 0), "text"), "text"));
	assert_string_equal(hdr, "4 overdue, 3 due soon (7 P1)");
	assert_non_null(strstr(text, "INC-2026-03-01-040#1 [P1] Add alert on replica lag \xE2\x80\x94 due "
				     "2026-03-01 (1 day late), owner <@U024BE7LH>"));
	assert_non_null(strstr(text, ", owner bob"));
	assert_null(strstr(text, "<!channel>"));
	assert_non_null(strstr(text, "due 2026-03-05 _(due soon: today)_"));
	assert_non_null(strstr(text, "due 2026-03-07 _(due soon: in 2 days)_"));
	assert_non_null(strstr(text,
			       "note: owner bob has no e-mail in tracker people: e-mail reminders go to "
			       "approver carol &lt;carol@example.org&gt;"));
	json_decref(o);

	buf_reset(&b);
	assert_int_equal(webhook_build_body(&b, WEBHOOK_GENERIC, &d, "msg_x", NULL, &err), 0);
	o = json_loads(buf_cstr(&b), 0, &je);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "kind")), "mixed");
	assert_string_equal(json_string_value(json_object_get(o, "summary")), "4 overdue, 3 due soon (7 P1)");
	json_t *c = json_object_get(o, "counts");
	assert_int_equal(json_integer_value(json_object_get(c, "overdue")), 4);
	assert_int_equal(json_integer_value(json_object_get(c, "due_soon")), 3);
	assert_int_equal(json_integer_value(json_object_get(c, "escalation")), 0);
	json_t *its = json_object_get(o, "items");
	assert_string_equal(json_string_value(json_object_get(json_array_get(its, 0), "kind")), "overdue");
	assert_string_equal(json_string_value(json_object_get(json_array_get(its, 6), "kind")), "due_soon");
	assert_non_null(
	    strstr(json_string_value(json_object_get(json_array_get(its, 2), "why")), "approver carol"));
	assert_null(json_object_get(json_array_get(its, 0), "why"));
	json_decref(o);

	/* only due-soon items: kind due_soon */
	for (size_t i = 0; i < 7; i++)
		items[i].kind = "due_soon";
	buf_reset(&b);
	assert_int_equal(webhook_build_body(&b, WEBHOOK_GENERIC, &d, "msg_x", NULL, &err), 0);
	o = json_loads(buf_cstr(&b), 0, &je);
	assert_string_equal(json_string_value(json_object_get(o, "kind")), "due_soon");
	assert_string_equal(json_string_value(json_object_get(o, "summary")),
			    "7 action items due soon (7 P1)");
	json_decref(o);
	buf_release(&b);
}

static void test_http_result_mapping(void **state)
{
	(void)state;
	struct notify_outcome o;
	assert_int_equal(webhook_map_result(CURLE_OK, 200, 0, NULL, &o), NOTIFY_OK);
	assert_int_equal(webhook_map_result(CURLE_OK, 204, 0, NULL, &o), NOTIFY_OK);
	assert_int_equal(webhook_map_result(CURLE_OK, 500, 0, NULL, &o), NOTIFY_TEMPFAIL);
	assert_int_equal(webhook_map_result(CURLE_OK, 503, 30, NULL, &o), NOTIFY_TEMPFAIL);
	assert_int_equal(o.retry_after, 30);
	assert_int_equal(webhook_map_result(CURLE_OK, 429, 7, NULL, &o), NOTIFY_TEMPFAIL);
	assert_int_equal(o.retry_after, 7);
	assert_int_equal(webhook_map_result(CURLE_OK, 408, 0, NULL, &o), NOTIFY_TEMPFAIL);
	assert_int_equal(webhook_map_result(CURLE_OK, 410, 0, NULL, &o), NOTIFY_PERMFAIL);
	assert_int_equal(webhook_map_result(CURLE_OK, 404, 0, NULL, &o), NOTIFY_PERMFAIL);
	assert_int_equal(webhook_map_result(CURLE_OK, 301, 0, NULL, &o), NOTIFY_PERMFAIL);
	assert_non_null(strstr(o.err.msg, "redirect"));
	assert_int_equal(webhook_map_result(CURLE_COULDNT_CONNECT, 0, 0, NULL, &o), NOTIFY_TEMPFAIL);
	assert_int_equal(webhook_map_result(CURLE_OPERATION_TIMEDOUT, 0, 0, NULL, &o), NOTIFY_TEMPFAIL);
}

static void test_open_refuses_bad_config(void **state)
{
	(void)state;
	struct config c;
	struct error err;
	struct notify_transport t;
	config_init(&c);
	assert_int_equal(
	    config_load_string(&c,
			       "[webhook plain]\nurl = http://example.org/h\n"
			       "[webhook both]\nurl = https://example.org/h\nsecret = a\nsecret_file = /x\n"
			       "[webhook ftp]\nurl = ftp://example.org/h\nallow_http = true\n"
			       "[webhook missing]\nurl = https://example.org/h\nsecret_file = /nonexistent\n"
			       "[webhook ok]\nurl = https://example.org/h\nsecret = "
			       "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n",
			       "test.ini", &err),
	    0);
	struct notify_options opt = {.config = &c};
	const char *bad[] = {"plain", "both", "ftp", "missing", "nosuch"};
	for (size_t i = 0; i < 5; i++) {
		opt.webhook = bad[i];
		assert_int_equal(notify_open(&t, "webhook", &opt, &err), -1);
		assert_null(strstr(err.msg, "MfKQ9r8"));
	}
	opt.webhook = "ok";
	assert_int_equal(notify_open(&t, "webhook", &opt, &err), 0);
	notify_close(&t);
	config_release(&c);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_standard_webhooks_vector),
	    cmocka_unit_test(test_msg_id),
	    cmocka_unit_test(test_slack_escape),
	    cmocka_unit_test(test_slack_body),
	    cmocka_unit_test(test_generic_body),
	    cmocka_unit_test(test_mixed_kinds_and_mentions),
	    cmocka_unit_test(test_http_result_mapping),
	    cmocka_unit_test(test_open_refuses_bad_config),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
