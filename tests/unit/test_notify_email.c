/*
 * test_notify_email.c — the reminder e-mail builder: the message is parsed back (headers unfolded,
 * RFC 2047 words decoded, both MIME parts found and their quoted-printable decoded), CR/LF injection is
 * refused, HTML is escaped, lines stay short, retries keep the Message-ID, and the SMTP result mapping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "notify.h"
#include "tdate.h"
#include "../tools/sample_items.h"

#include "banned.h"

static struct notify_item items[3];
static char incs[3][32], keys[3][16];

static struct notify_digest digest(const char *addr, const char *name)
{
	for (size_t i = 0; i < 3; i++)
		sample_item(&items[i], i + 1, incs[i], keys[i]);
	items[0].action = "Fix <script>alert('x')</script> & more";
	struct notify_digest d = {.idempotency_key = "overdue:zoe@example.org:2026-04-20",
				  .recipient_addr = addr,
				  .recipient_name = name,
				  .kind = "overdue",
				  .items = items,
				  .nitems = 3,
				  .now = 1776700000};
	return d;
}

static const struct email_params params = {.from = "Tracker <tracker@example.org>",
					   .unsubscribe_url = "https://tracker.example.org/u",
					   .base_url = "https://tracker.example.org",
					   .date = 1776700000};

/* The unfolded value of header `name` (caller frees), or NULL. */
static char *header(const char *msg, const char *name)
{
	const char *end = strstr(msg, "\r\n\r\n");
	size_t n = strlen(name);
	for (const char *p = msg; p && p < end; p = strstr(p, "\r\n") ? strstr(p, "\r\n") + 2 : NULL) {
		if (!strncmp(p, name, n) && p[n] == ':') {
			struct buf b;
			buf_init(&b, 0);
			const char *q = p + n + 1;
			while (*q == ' ')
				q++;
			for (;;) {
				const char *eol = strstr(q, "\r\n");
				buf_add(&b, q, (size_t)(eol - q));
				if (eol[2] != ' ' && eol[2] != '\t')
					break;
				q = eol + 2; /* unfolding removes CRLF, keeps the space */
			}
			return buf_detach(&b);
		}
	}
	return NULL;
}

/* Decodes RFC 2047 B-words (adjacent words joined, as RFC 2047 §6.2 says) and keeps the rest. */
static char *decode_words(const char *s)
{
	struct buf b;
	buf_init(&b, 0);
	while (*s) {
		const char *w = strstr(s, "=?UTF-8?B?");
		if (!w) {
			buf_adds(&b, s);
			break;
		}
		/* whitespace between two encoded words is dropped */
		bool between = b.len && !strncmp(s, " ", 1) && w == s + 1;
		if (!between)
			buf_add(&b, s, (size_t)(w - s));
		const char *e = strstr(w + 10, "?=");
		unsigned char out[256];
		int n = EVP_DecodeBlock(out, (const unsigned char *)w + 10, (int)(e - w - 10));
		size_t len = (size_t)e - (size_t)(w + 10);
		if (len >= 1 && e[-1] == '=')
			n--;
		if (len >= 2 && e[-2] == '=')
			n--;
		buf_add(&b, out, (size_t)n);
		s = e + 2;
	}
	return buf_detach(&b);
}

static int hexval(char c)
{
	return c >= 'A' ? c - 'A' + 10 : c - '0';
}

/* Body of the MIME part with Content-Type `type`, quoted-printable decoded. */
static char *part(const char *msg, const char *type)
{
	char ct[64];
	snprintf(ct, sizeof ct, "Content-Type: %s; charset=utf-8\r\n", type);
	const char *p = strstr(msg, ct);
	assert_non_null(p);
	p = strstr(p, "\r\n\r\n") + 4;
	const char *end = strstr(p, "\r\n--=_tracker_");
	assert_non_null(end);
	struct buf b;
	buf_init(&b, 0);
	for (; p < end; p++) {
		if (*p == '=' && p[1] == '\r') {
			p += 2;
		} else if (*p == '=') {
			buf_addc(&b, (char)(hexval(p[1]) * 16 + hexval(p[2])));
			p += 2;
		} else if (*p == '\r') {
			buf_addc(&b, '\n');
			p++;
		} else {
			buf_addc(&b, *p);
		}
	}
	return buf_detach(&b);
}

static void test_build_parse_back(void **state)
{
	(void)state;
	struct notify_digest d = digest("zoe@example.org", "Zoë Ångström");
	struct buf b;
	struct error err;
	buf_init(&b, 0);
	error_init(&err);
	assert_int_equal(email_build(&b, &params, &d, &err), 0);
	const char *m = buf_cstr(&b);

	/* CRLF only, every line <= 76 octets */
	for (const char *p = m; *p; p++)
		if (*p == '\n')
			assert_true(p > m && p[-1] == '\r');
	for (const char *p = m, *e; (e = strstr(p, "\r\n")); p = e + 2)
		assert_true(e - p <= 76);

	char *v, *dec;
	v = header(m, "To");
	dec = decode_words(v);
	assert_string_equal(dec, "Zoë Ångström <zoe@example.org>");
	free(v);
	free(dec);
	v = header(m, "From");
	assert_string_equal(v, "\"Tracker\" <tracker@example.org>");
	free(v);
	v = header(m, "Subject");
	assert_string_equal(v, "[tracker] 3 overdue action items (1 P0): Database failover outage");
	free(v);
	v = header(m, "Date");
	assert_string_equal(v, "Mon, 20 Apr 2026 15:46:40 +0000");
	free(v);
	v = header(m, "Auto-Submitted");
	assert_string_equal(v, "auto-generated");
	free(v);
	v = header(m, "List-Id");
	assert_string_equal(v, "tracker reminders <reminders.tracker.example.org>");
	free(v);
	v = header(m, "List-Unsubscribe");
	assert_string_equal(v, "<https://tracker.example.org/u>");
	free(v);
	v = header(m, "Content-Type");
	assert_non_null(strstr(v, "multipart/alternative; boundary=\"=_tracker_"));
	free(v);
	char *id1 = header(m, "Message-ID");
	assert_int_equal(strlen(id1), strlen("<@example.org>") + 32);

	char *text = part(m, "text/plain");
	assert_non_null(strstr(text, "Hello Zoë Ångström,"));
	assert_non_null(strstr(text, "INC-2026-03-01-040#2: Fix <script>"));
	assert_non_null(strstr(text, "https://tracker.example.org/items/INC-2026-03-01-040%233"));
	assert_non_null(strstr(text, "days late"));
	char *html = part(m, "text/html");
	assert_non_null(strstr(html, "Fix &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"));
	assert_null(strstr(html, "<script>"));
	assert_non_null(strstr(html, "R\xC3\xA9viser"));
	assert_non_null(strstr(m, "--=_tracker_"));
	free(text);
	free(html);

	/* a retry (same key, later date) keeps the Message-ID */
	struct email_params later = params;
	later.date += 3600;
	buf_reset(&b);
	assert_int_equal(email_build(&b, &later, &d, &err), 0);
	char *id2 = header(buf_cstr(&b), "Message-ID");
	assert_string_equal(id1, id2);
	free(id1);
	free(id2);
	buf_release(&b);
}

/* A digest of 2 overdue and 3 due-soon items says so (subject, X-Tracker-Kind, a "due soon" label),
 * and a stand-in reads why they get an item. On the old code the subject said "5 overdue action items". */
static void test_mixed_digest_counts_and_why(void **state)
{
	(void)state;
	struct notify_item its[5];
	char inc[5][32], key[5][16];
	static const char *const kinds[] = {"overdue", "due_soon", "overdue", "due_soon", "due_soon"};
	static const int late[] = {4, 0, 1, -1, -2};
	for (size_t i = 0; i < 5; i++) {
		sample_item(&its[i], i, inc[i], key[i]);
		its[i].kind = kinds[i];
		its[i].days_late = late[i];
		its[i].priority = i == 0 ? 0 : 1;
	}
	its[0].why = "you get this as approver of INC-2026-03-01-040, because owner bob has no e-mail in "
		     "tracker people";
	struct notify_digest d = {.idempotency_key = "k-mixed",
				  .recipient_addr = "carol@example.org",
				  .kind = "mixed",
				  .items = its,
				  .nitems = 5,
				  .now = 1776700000};
	struct buf b;
	struct error err;
	buf_init(&b, 0);
	error_init(&err);
	assert_int_equal(email_build(&b, &params, &d, &err), 0);
	const char *m = buf_cstr(&b);
	char *v = header(m, "Subject");
	assert_string_equal(v, "[tracker] 2 overdue, 3 due soon (1 P0): Database failover outage");
	free(v);
	v = header(m, "X-Tracker-Kind");
	assert_string_equal(v, "mixed");
	free(v);
	char *text = part(m, "text/plain");
	assert_non_null(strstr(text, "2 overdue, 3 due soon (1 P0), as of 2026-04-20."));
	assert_non_null(strstr(text, "(due soon: today)"));
	assert_non_null(strstr(text, "(due soon: in 2 days)"));
	assert_non_null(strstr(text, "(4 days late)"));
	assert_non_null(strstr(text,
			       "    Note: you get this as approver of INC-2026-03-01-040, because owner bob "
			       "has no e-mail in tracker people\n"));
	char *html = part(m, "text/html");
	assert_non_null(strstr(html, "<em>Note: you get this as approver of INC-2026-03-01-040"));
	assert_non_null(strstr(html, " (due soon)</td>"));
	free(text);
	free(html);

	/* all due soon; all overdue; without item kinds the days decide (old payloads) */
	for (size_t i = 0; i < 5; i++)
		its[i].kind = "due_soon";
	buf_reset(&b);
	assert_int_equal(email_build(&b, &params, &d, &err), 0);
	v = header(buf_cstr(&b), "Subject");
	assert_string_equal(v, "[tracker] 5 action items due soon (1 P0): Database failover outage");
	free(v);
	v = header(buf_cstr(&b), "X-Tracker-Kind");
	assert_string_equal(v, "due_soon");
	free(v);
	for (size_t i = 0; i < 5; i++)
		its[i].kind = NULL;
	d.kind = "overdue";
	buf_reset(&b);
	assert_int_equal(email_build(&b, &params, &d, &err), 0);
	v = header(buf_cstr(&b), "Subject");
	assert_string_equal(v, "[tracker] 2 overdue, 3 due soon (1 P0): Database failover outage");
	free(v);
	/* escalations with overdue items of one's own */
	its[0].kind = "escalation";
	its[1].kind = its[2].kind = its[3].kind = its[4].kind = "overdue";
	buf_reset(&b);
	assert_int_equal(email_build(&b, &params, &d, &err), 0);
	v = header(buf_cstr(&b), "Subject");
	assert_string_equal(v, "[tracker] 4 overdue, 1 escalated (1 P0): Database failover outage");
	free(v);
	for (size_t i = 0; i < 5; i++)
		its[i].kind = "escalation";
	buf_reset(&b);
	assert_int_equal(email_build(&b, &params, &d, &err), 0);
	v = header(buf_cstr(&b), "X-Tracker-Kind");
	assert_string_equal(v, "escalation");
	free(v);
	buf_release(&b);
}

static void test_non_ascii_subject(void **state)
{
	(void)state;
	struct notify_digest d = digest("zoe@example.org", NULL);
	d.nitems = 1; /* one incident: its title joins the subject */
	items[0].incident_title =
	    "Panne du stockage à Paris — très longue description de l'incident pour plier";
	struct buf b;
	struct error err;
	buf_init(&b, 0);
	assert_int_equal(email_build(&b, &params, &d, &err), 0);
	char *v = header(buf_cstr(&b), "Subject");
	assert_non_null(strstr(v, "=?UTF-8?B?"));
	char *dec = decode_words(v);
	assert_string_equal(dec,
			    "[tracker] 1 overdue action item (1 P0): Panne du stockage à Paris — très longue "
			    "description de l'incident pour plier");
	free(v);
	free(dec);
	v = header(buf_cstr(&b), "To");
	assert_string_equal(v, "<zoe@example.org>");
	free(v);
	buf_release(&b);
}

static void test_injection_refused(void **state)
{
	(void)state;
	const char *bad_addrs[] = {"zoe@example.org\r\nRCPT TO:<evil@example.org>",
				   "zoe@example.org\n",
				   "zoe@exa\rmple.org",
				   "Zoe <zoe@example.org>",
				   "no-at-sign",
				   "a@b@c",
				   "",
				   "zo e@example.org"};
	struct buf b;
	struct error err;
	buf_init(&b, 0);
	for (size_t i = 0; i < sizeof bad_addrs / sizeof bad_addrs[0]; i++) {
		struct notify_digest d = digest(bad_addrs[i], NULL);
		error_init(&err);
		assert_int_equal(email_build(&b, &params, &d, &err), -1);
		assert_int_equal(b.len, 0);
		assert_true(err.msg[0] != '\0');
	}
	struct notify_digest d = digest("zoe@example.org", "Zoe\r\nBcc: evil@example.org");
	assert_int_equal(email_build(&b, &params, &d, &err), -1);
	d = digest("zoe@example.org", NULL);
	d.nitems = 1;
	items[0].incident_title = "Title\r\nBcc: evil@example.org";
	assert_int_equal(email_build(&b, &params, &d, &err), -1);
	assert_non_null(strstr(err.msg, "control character"));
	struct email_params p = params;
	p.from = "tracker@example.org\r\nRCPT TO:<x@y>";
	d = digest("zoe@example.org", NULL);
	assert_int_equal(email_build(&b, &p, &d, &err), -1);
	p = params;
	p.list_id = "x\r\nBcc: evil@example.org";
	assert_int_equal(email_build(&b, &p, &d, &err), -1);
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

static void test_header_encode_folding(void **state)
{
	(void)state;
	struct buf b;
	struct error err;
	buf_init(&b, 0);
	/* 40 three-byte characters: encoded, folded, no word splits a character */
	struct buf in;
	buf_init(&in, 0);
	for (int i = 0; i < 40; i++)
		buf_adds(&in, "\xE7\x9B\xA3");
	assert_int_equal(email_header_encode(&b, buf_cstr(&in), 9, &err), 0);
	for (const char *p = buf_cstr(&b), *e; p; p = e ? e + 2 : NULL) {
		e = strstr(p, "\r\n");
		size_t len = e ? (size_t)(e - p) : strlen(p);
		assert_true(len + (p == b.data ? 9 : 0) <= 76);
	}
	struct buf unfolded; /* header unfolding, then RFC 2047 §6.2: space between words is dropped */
	buf_init(&unfolded, 0);
	for (const char *p = buf_cstr(&b); *p; p++)
		if (!strncmp(p, "\r\n ", 3))
			p += 2;
		else
			buf_addc(&unfolded, *p);
	char *dec = decode_words(buf_cstr(&unfolded));
	assert_string_equal(dec, buf_cstr(&in));
	free(dec);
	buf_release(&unfolded);
	buf_release(&in);
	buf_reset(&b);
	assert_int_equal(email_header_encode(&b, "plain text", 9, &err), 0);
	assert_string_equal(buf_cstr(&b), "plain text");
	assert_int_equal(email_header_encode(&b, "a\nb", 9, &err), -1);
	buf_release(&b);
}

static void test_qp(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	const char *s = "a=b caf\xC3\xA9 \n.dot\ntrailing \n";
	email_qp_encode(&b, s, strlen(s));
	assert_string_equal(buf_cstr(&b), "a=3Db caf=C3=A9=20\r\n=2Edot\r\ntrailing=20\r\n");
	buf_reset(&b);
	char longline[300];
	memset(longline, 'x', sizeof longline - 1);
	longline[sizeof longline - 1] = '\0';
	email_qp_encode(&b, longline, strlen(longline));
	for (const char *p = buf_cstr(&b), *e; (e = strstr(p, "\r\n")); p = e + 2)
		assert_true(e - p <= 76);
	buf_release(&b);
}

static void test_smtp_result_mapping(void **state)
{
	(void)state;
	struct notify_outcome o;
	assert_int_equal(email_map_result(CURLE_OK, 250, NULL, &o), NOTIFY_OK);
	assert_int_equal(email_map_result(CURLE_SEND_ERROR, 451, "RCPT failed: 451", &o), NOTIFY_TEMPFAIL);
	assert_int_equal(email_map_result(CURLE_SEND_ERROR, 550, "RCPT failed: 550", &o), NOTIFY_PERMFAIL);
	assert_non_null(strstr(o.err.msg, "550"));
	assert_int_equal(email_map_result(CURLE_WEIRD_SERVER_REPLY, 554, NULL, &o), NOTIFY_PERMFAIL);
	assert_int_equal(email_map_result(CURLE_COULDNT_CONNECT, 0, NULL, &o), NOTIFY_TEMPFAIL);
	assert_int_equal(email_map_result(CURLE_OPERATION_TIMEDOUT, 0, NULL, &o), NOTIFY_TEMPFAIL);
	assert_int_equal(email_map_result(CURLE_LOGIN_DENIED, 535, NULL, &o), NOTIFY_TEMPFAIL);
	assert_int_equal(email_map_result(CURLE_PEER_FAILED_VERIFICATION, 0, NULL, &o), NOTIFY_TEMPFAIL);
}

static void test_capture_transport(void **state)
{
	(void)state;
	struct notify_transport t;
	struct notify_options opt = {0};
	struct error err;
	struct notify_outcome o;
	assert_int_equal(notify_open(&t, "pigeon", &opt, &err), -1);
	assert_int_equal(notify_open(&t, "capture", &opt, &err), 0);
	struct notify_digest d = digest("zoe@example.org", NULL);
	assert_int_equal(notify_send(&t, &d, &o), NOTIFY_OK);
	d.recipient_addr = "bad\r\n@x";
	assert_int_equal(notify_send(&t, &d, &o), NOTIFY_PERMFAIL);
	d.nitems = 0;
	assert_int_equal(notify_send(&t, &d, &o), NOTIFY_PERMFAIL);
	assert_int_equal(t.sent, 1);
	notify_close(&t);
	notify_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_build_parse_back),      cmocka_unit_test(test_mixed_digest_counts_and_why),
	    cmocka_unit_test(test_non_ascii_subject),     cmocka_unit_test(test_injection_refused),
	    cmocka_unit_test(test_header_encode_folding), cmocka_unit_test(test_qp),
	    cmocka_unit_test(test_smtp_result_mapping),   cmocka_unit_test(test_capture_transport),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
