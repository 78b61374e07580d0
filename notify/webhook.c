/*
 * webhook.c — the "webhook" transport: POSTs a digest as JSON (jansson) to one [webhook NAME] URL,
 * either Slack's incoming-webhook shape ("text" for Mattermost and notifications, "blocks" for Slack)
 * or a generic, versioned document, signed after Standard Webhooks (sign.c).
 *
 * libcurl is held to https (http only with allow_http = true), never follows redirects (a 3xx is a
 * permanent failure that says so: the URL in the configuration is wrong) and always verifies TLS.
 * webhook_map_result() is the one place HTTP statuses and libcurl codes become OK / TEMPFAIL /
 * PERMFAIL; a 429 or 503 hands the server's Retry-After back to the caller.
 */
#include "notify.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "tdate.h"

#include "banned.h"

#define SLACK_MAX_BLOCKS 48
#define SLACK_SECTION_MAX 2800
#define SLACK_TEXT_ITEMS 20
#define ACTION_MAX 300

int webhook_format_from_name(const char *name)
{
	if (!name || !strcmp(name, "generic"))
		return WEBHOOK_GENERIC;
	if (!strcmp(name, "slack"))
		return WEBHOOK_SLACK;
	return -1;
}

/* Appends cleaned `s`, cut at `max` bytes on a UTF-8 boundary with "…" when longer. */
static int add_trunc(struct buf *out, const char *s, size_t max, bool slack)
{
	struct buf t;
	buf_init(&t, 1 << 20);
	int rc = notify_text_clean(&t, s, false);
	if (rc == 0 && t.len > max) {
		size_t k = max;
		while (k > 0 && ((unsigned char)t.data[k] & 0xC0) == 0x80)
			k--;
		buf_truncate(&t, k);
		rc = buf_adds(&t, "\xE2\x80\xA6");
	}
	if (rc == 0)
		rc = slack ? webhook_slack_escape(out, buf_cstr(&t)) : buf_add(out, buf_cstr(&t), t.len);
	buf_release(&t);
	return rc;
}

int webhook_slack_escape(struct buf *out, const char *s)
{
	struct buf t;
	buf_init(&t, BUF_MAX_DEFAULT);
	int rc = notify_text_clean(&t, s, true);
	for (size_t i = 0; rc == 0 && i < t.len; i++) {
		char c = t.data[i];
		rc = c == '&'   ? buf_adds(out, "&amp;")
		     : c == '<' ? buf_adds(out, "&lt;")
		     : c == '>' ? buf_adds(out, "&gt;")
				: buf_addc(out, c);
	}
	buf_release(&t);
	return rc;
}

/* jansson wants valid UTF-8: clean first. NULL → JSON null. */
static json_t *jstr(const char *s)
{
	if (!s)
		return json_null();
	struct buf t;
	buf_init(&t, BUF_MAX_DEFAULT);
	json_t *j = notify_text_clean(&t, s, true) < 0 ? NULL : json_stringn(buf_cstr(&t), t.len);
	buf_release(&t);
	return j;
}

static json_t *jbuf(const struct buf *b)
{
	return json_stringn(buf_cstr(b), b->len);
}

static json_t *generic_item(const struct notify_digest *d, const struct notify_item *it, const char *base_url)
{
	struct buf t;
	buf_init(&t, 1 << 20);
	json_t *o = json_object();
	char ds[11];
	if (it->due != DATE_NONE)
		date_format(it->due, ds);
	notify_item_id(&t, it);
	json_object_set_new(o, "id", jbuf(&t));
	json_object_set_new(o, "incident_id", jstr(it->incident_id));
	json_object_set_new(o, "key", jstr(it->key));
	json_object_set_new(o, "incident_title", jstr(it->incident_title));
	json_object_set_new(o, "action", jstr(it->action));
	json_object_set_new(o, "owner", jstr(it->owner));
	json_object_set_new(o, "status", jstr(it->status));
	json_object_set_new(o, "priority",
			    it->priority >= 0 && it->priority <= 3
				? json_string(notify_priority_name(it->priority))
				: json_null());
	json_object_set_new(o, "due", it->due != DATE_NONE ? json_string(ds) : json_null());
	json_object_set_new(o, "days_late", json_integer(it->days_late));
	json_object_set_new(o, "kind", json_string(notify_item_kind(d, it)));
	if (it->why && *it->why) {
		buf_reset(&t);
		notify_text_clean(&t, it->why, false);
		json_object_set_new(o, "why", jbuf(&t));
	}
	if (base_url && *base_url) {
		buf_reset(&t);
		notify_item_url(&t, base_url, it);
		json_object_set_new(o, "url", jbuf(&t));
	}
	if (it->done_url && it->snooze_url)
		json_object_set_new(o, "actions",
				    json_pack("{s:s, s:s}", "done", it->done_url, "snooze", it->snooze_url));
	buf_release(&t);
	return o;
}

static json_t *build_generic(const struct notify_digest *d, const char *msg_id, const char *base_url)
{
	struct buf t;
	buf_init(&t, 4096);
	char now[21];
	time_format(d->now, now);
	notify_summary(&t, d);
	json_t *o = json_object();
	json_object_set_new(o, "version", json_integer(1));
	json_object_set_new(o, "type", json_string("tracker.reminder"));
	json_object_set_new(o, "id", jstr(msg_id));
	struct notify_counts c;
	notify_digest_counts(d, &c);
	json_object_set_new(o, "kind", json_string(notify_digest_kind(d)));
	json_object_set_new(o, "generated_at", json_string(now));
	json_object_set_new(o, "summary", jbuf(&t));
	json_object_set_new(o, "counts",
			    json_pack("{s:I, s:I, s:I}", "overdue", (json_int_t)c.overdue, "due_soon",
				      (json_int_t)c.due_soon, "escalation", (json_int_t)c.escalation));
	if (d->recipient_name || d->recipient_addr) {
		json_t *r = json_object();
		json_object_set_new(r, "name", jstr(d->recipient_name));
		json_object_set_new(r, "address", jstr(d->recipient_addr));
		json_object_set_new(o, "recipient", r);
	}
	json_t *items = json_array();
	for (size_t i = 0; i < d->nitems; i++)
		json_array_append_new(items, generic_item(d, &d->items[i], base_url));
	json_object_set_new(o, "items", items);
	buf_release(&t);
	return o;
}

static int due_words(struct buf *b, const struct notify_digest *d, const struct notify_item *it)
{
	if (it->due == DATE_NONE)
		return buf_adds(b, "no due date");
	char ds[11];
	date_format(it->due, ds);
	if (it->days_late > 0)
		return buf_printf(b, "due %s (%d day%s late)", ds, it->days_late,
				  it->days_late == 1 ? "" : "s");
	if (!strcmp(notify_item_kind(d, it), "due_soon")) {
		if (it->days_late == 0)
			return buf_printf(b, "due %s _(due soon: today)_", ds);
		return buf_printf(b, "due %s _(due soon: in %d day%s)_", ds, -it->days_late,
				  it->days_late == -1 ? "" : "s");
	}
	return buf_printf(b, "due %s", ds);
}

/* One Slack mrkdwn line for an item: "• <url|INC#3> [P0] action — due … , owner <@U…>". */
static int slack_line(struct buf *b, const struct notify_digest *d, const struct notify_item *it,
		      const char *base_url)
{
	int rc = buf_adds(b, "\xE2\x80\xA2 ");
	struct buf id;
	buf_init(&id, 4096);
	rc |= notify_item_id(&id, it);
	if (base_url && *base_url) {
		rc |= buf_addc(b, '<');
		rc |= notify_item_url(b, base_url, it);
		rc |= buf_addc(b, '|');
		rc |= webhook_slack_escape(b, buf_cstr(&id));
		rc |= buf_addc(b, '>');
	} else {
		rc |= webhook_slack_escape(b, buf_cstr(&id));
	}
	buf_release(&id);
	rc |= buf_printf(b, " [%s] ", notify_priority_name(it->priority));
	rc |= add_trunc(b, it->action, ACTION_MAX, true);
	rc |= buf_adds(b, " \xE2\x80\x94 ");
	rc |= due_words(b, d, it);
	if (notify_slack_id_ok(it->owner_slack)) {
		rc |= buf_printf(b, ", owner <@%s>", it->owner_slack);
	} else if (it->owner && *it->owner) {
		rc |= buf_adds(b, ", owner ");
		rc |= add_trunc(b, it->owner, 100, true);
	}
	if (it->why && *it->why) {
		rc |= buf_adds(b, " \xE2\x80\x94 note: ");
		rc |= add_trunc(b, it->why, 400, true);
	}
	if (it->done_url && it->snooze_url) {
		/* Slack link syntax <url|text>: the URLs are ours (base64url and percent-encoding), so
		 * they hold no '|' or '>'; escaping keeps a hostile base_url inert all the same. */
		rc |= buf_adds(b, " \xC2\xB7 <");
		rc |= webhook_slack_escape(b, it->done_url);
		rc |= buf_adds(b, "|Mark done> \xC2\xB7 <");
		rc |= webhook_slack_escape(b, it->snooze_url);
		rc |= buf_adds(b, "|Snooze a week>");
	}
	return rc ? -1 : 0;
}

static json_t *mrkdwn_section(const struct buf *b)
{
	return json_pack("{s:s, s:{s:s, s:s%}}", "type", "section", "text", "type", "mrkdwn", "text",
			 buf_cstr(b), b->len);
}

static json_t *build_slack(const struct notify_digest *d, const char *base_url)
{
	struct buf text, sec, line, sum;
	buf_init(&text, 1 << 20);
	buf_init(&sec, 1 << 20);
	buf_init(&line, 1 << 20);
	buf_init(&sum, 4096);
	notify_summary(&sum, d);
	json_t *blocks = json_array();
	json_array_append_new(blocks, json_pack("{s:s, s:{s:s, s:s%}}", "type", "header", "text", "type",
						"plain_text", "text", buf_cstr(&sum), sum.len));
	buf_adds(&text, "[tracker] ");
	webhook_slack_escape(&text, buf_cstr(&sum));
	size_t shown = 0, in_sec = 0;
	for (size_t i = 0; i < d->nitems; i++) {
		const struct notify_item *it = &d->items[i];
		buf_reset(&line);
		slack_line(&line, d, it, base_url);
		if (i < SLACK_TEXT_ITEMS) {
			buf_addc(&text, '\n');
			buf_add(&text, line.data, line.len);
		}
		if (json_array_size(blocks) >= SLACK_MAX_BLOCKS)
			continue;
		bool new_incident =
		    i == 0 || strcmp(it->incident_id ? it->incident_id : "",
				     d->items[i - 1].incident_id ? d->items[i - 1].incident_id : "");
		if (sec.len && (new_incident || sec.len + line.len + 1 > SLACK_SECTION_MAX)) {
			json_array_append_new(blocks, mrkdwn_section(&sec));
			buf_reset(&sec);
			shown += in_sec;
			in_sec = 0;
			if (json_array_size(blocks) >= SLACK_MAX_BLOCKS)
				continue;
		}
		if (new_incident) {
			buf_adds(&sec, "*");
			if (base_url && *base_url) {
				buf_addc(&sec, '<');
				notify_incident_url(&sec, base_url, it->incident_id);
				buf_addc(&sec, '|');
				webhook_slack_escape(&sec, it->incident_id);
				buf_addc(&sec, '>');
			} else {
				webhook_slack_escape(&sec, it->incident_id);
			}
			buf_adds(&sec, "*");
			if (it->incident_title && *it->incident_title) {
				buf_adds(&sec, ": ");
				add_trunc(&sec, it->incident_title, 200, true);
			}
		}
		buf_addc(&sec, '\n');
		buf_add(&sec, line.data, line.len);
		in_sec++;
	}
	if (sec.len && json_array_size(blocks) < SLACK_MAX_BLOCKS) {
		json_array_append_new(blocks, mrkdwn_section(&sec));
		shown += in_sec;
	}
	if (d->nitems > SLACK_TEXT_ITEMS)
		buf_printf(&text, "\n\xE2\x80\xA6 and %zu more", d->nitems - SLACK_TEXT_ITEMS);
	if (shown < d->nitems) {
		buf_reset(&line);
		buf_printf(&line, "\xE2\x80\xA6 and %zu more items", d->nitems - shown);
		json_array_append_new(blocks,
				      json_pack("{s:s, s:[{s:s, s:s}]}", "type", "context", "elements",
						"type", "mrkdwn", "text", buf_cstr(&line)));
	}
	json_t *o = json_object();
	json_object_set_new(o, "text", jbuf(&text));
	json_object_set_new(o, "blocks", blocks);
	buf_release(&text);
	buf_release(&sec);
	buf_release(&line);
	buf_release(&sum);
	return o;
}

int webhook_build_body(struct buf *out, enum webhook_format fmt, const struct notify_digest *d,
		       const char *msg_id, const char *base_url, struct error *err)
{
	int rc = -1;
	char *s = NULL;
	json_t *o = NULL;
	if (!d->nitems || !d->items) {
		error_set(err, ERR_DATA, "digest has no items");
		goto out;
	}
	o = fmt == WEBHOOK_SLACK ? build_slack(d, base_url) : build_generic(d, msg_id, base_url);
	if (o)
		s = json_dumps(o, JSON_COMPACT);
	if (!s) {
		error_set(err, ERR_IO, "cannot encode the webhook body (out of memory)");
		goto out;
	}
	if (buf_adds(out, s) < 0) {
		error_set(err, ERR_IO, "webhook body too large");
		goto out;
	}
	rc = 0;
out:
	free(s);
	json_decref(o);
	return rc;
}

enum notify_result webhook_map_result(int cc, long http_status, long retry_after, const char *curl_msg,
				      struct notify_outcome *out)
{
	out->code = http_status;
	out->retry_after = 0;
	error_init(&out->err);
	const char *msg = curl_msg && *curl_msg ? curl_msg : curl_easy_strerror((CURLcode)cc);
	if (cc != CURLE_OK || http_status == 0) {
		out->result = NOTIFY_TEMPFAIL;
		error_set(&out->err, ERR_IO, "webhook delivery failed: %s", msg);
	} else if (http_status >= 200 && http_status < 300) {
		out->result = NOTIFY_OK;
	} else if (http_status == 408 || http_status == 429 || (http_status >= 500 && http_status < 600)) {
		out->result = NOTIFY_TEMPFAIL;
		out->retry_after = retry_after > 0 ? retry_after : 0;
		if (out->retry_after)
			error_set(&out->err, ERR_IO, "webhook answered HTTP %ld; retry after %ld s",
				  http_status, out->retry_after);
		else
			error_set(&out->err, ERR_IO, "webhook answered HTTP %ld; will retry", http_status);
	} else if (http_status >= 300 && http_status < 400) {
		out->result = NOTIFY_PERMFAIL;
		error_set(
		    &out->err, ERR_IO,
		    "webhook answered a redirect (HTTP %ld); redirects are not followed: put the final URL "
		    "in [webhook] url",
		    http_status);
	} else {
		out->result = NOTIFY_PERMFAIL;
		error_set(&out->err, ERR_IO, "webhook refused the request (HTTP %ld)", http_status);
	}
	return out->result;
}

/* ---- the transport ---- */

struct webhook_state {
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
	char *secret;
	char *url;
	const char *base_url;
	enum webhook_format fmt;
	struct buf body;
};

static size_t discard_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	(void)ptr;
	(void)userdata;
	return size * nmemb;
}

static void webhook_close(struct notify_transport *t)
{
	struct webhook_state *s = t->state;
	if (!s)
		return;
	if (s->curl)
		curl_easy_cleanup(s->curl);
	if (s->secret) {
		OPENSSL_cleanse(s->secret, strlen(s->secret));
		free(s->secret);
	}
	free(s->url);
	buf_release(&s->body);
	free(s);
	t->state = NULL;
}

static int webhook_open(struct notify_transport *t, const struct notify_options *opt, struct error *err)
{
	const struct webhook_config *w =
	    opt->config && opt->webhook ? config_webhook(opt->config, opt->webhook) : NULL;
	if (!w)
		return error_set(err, ERR_CONFIG, "no [webhook %s] section in the configuration",
				 opt->webhook ? opt->webhook : "NAME");
	int rc = -1;
	struct webhook_state *s = calloc(1, sizeof *s);
	if (!s)
		return error_set(err, ERR_IO, "out of memory");
	t->state = s;
	buf_init(&s->body, BUF_MAX_DEFAULT);
	int fmt = webhook_format_from_name(w->format);
	if (fmt < 0) {
		error_set(err, ERR_CONFIG, "[webhook %s] format must be slack or generic", w->name);
		goto out;
	}
	s->fmt = (enum webhook_format)fmt;
	if (!w->url) {
		error_set(err, ERR_CONFIG, "[webhook %s] has no url", w->name);
		goto out;
	}
	bool http = !strncmp(w->url, "http://", 7);
	if (strncmp(w->url, "https://", 8) && !(http && w->allow_http)) {
		error_set(err, ERR_CONFIG,
			  http ? "[webhook %s] url is plain http: use https, or set allow_http = true"
			       : "[webhook %s] url must start with https://",
			  w->name);
		goto out;
	}
	for (const unsigned char *p = (const unsigned char *)w->url; *p; p++)
		if (*p <= 0x20 || *p == 0x7F) {
			error_set(err, ERR_CONFIG, "[webhook %s] url holds a space or control character",
				  w->name);
			goto out;
		}
	if (w->secret && w->secret_file) {
		error_set(err, ERR_CONFIG, "[webhook %s] has both secret and secret_file: keep one", w->name);
		goto out;
	}
	if (w->secret_file) {
		if (notify_read_secret_file(w->secret_file, &s->secret, err) < 0) {
			error_prefix(err, "[webhook %s] secret_file", w->name);
			goto out;
		}
	} else if (w->secret && !(s->secret = strdup(w->secret))) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	if (s->secret) {
		char sig[64];
		if (webhook_sign(s->secret, "msg_check", 0, "", 0, sig, sizeof sig, err) < 0) {
			error_prefix(err, "[webhook %s] secret", w->name);
			goto out;
		}
	}
	s->url = strdup(w->url);
	s->curl = curl_easy_init();
	if (!s->url || !s->curl) {
		error_set(err, ERR_IO, "cannot create a libcurl handle");
		goto out;
	}
	const char *protos = w->allow_http ? "http,https" : "https";
	long timeout = w->timeout > 0 ? w->timeout : 10;
	CURL *h = s->curl;
	int bad = 0;
	bad |= curl_easy_setopt(h, CURLOPT_URL, s->url) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protos) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, protos) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, s->errbuf) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
	if (w->ca_file && *w->ca_file)
		bad |= curl_easy_setopt(h, CURLOPT_CAINFO, w->ca_file) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_USERAGENT, "tracker/" TRACKER_VERSION) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_cb) != CURLE_OK;
	if (bad) {
		error_set(err, ERR_CONFIG,
			  "libcurl does not support a needed HTTP option (needs libcurl >= 7.85)");
		goto out;
	}
	s->base_url = opt->config->server_base_url;
	rc = 0;
out:
	if (rc < 0)
		webhook_close(t);
	return rc;
}

static enum notify_result webhook_send(struct notify_transport *t, const struct notify_digest *d,
				       struct notify_outcome *out)
{
	struct webhook_state *s = t->state;
	struct curl_slist *hdrs = NULL, *tmp;
	char id[37], line[128], sig[64];
	int64_t ts = t->opt.clock ? t->opt.clock(t->opt.clock_ctx) : (int64_t)time(NULL);
	out->result = NOTIFY_PERMFAIL;
	webhook_msg_id(d->idempotency_key ? d->idempotency_key : "", id);
	buf_reset(&s->body);
	if (webhook_build_body(&s->body, s->fmt, d, id, s->base_url, &out->err) < 0)
		goto out;
	const char *fixed[] = {"Content-Type: application/json", "Expect:"};
	for (size_t i = 0; i < 2; i++) {
		if (!(tmp = curl_slist_append(hdrs, fixed[i])))
			goto oom;
		hdrs = tmp;
	}
	snprintf(line, sizeof line, "webhook-id: %s", id);
	if (!(tmp = curl_slist_append(hdrs, line)))
		goto oom;
	hdrs = tmp;
	snprintf(line, sizeof line, "webhook-timestamp: %" PRId64, ts);
	if (!(tmp = curl_slist_append(hdrs, line)))
		goto oom;
	hdrs = tmp;
	if (s->secret) {
		if (webhook_sign(s->secret, id, ts, s->body.data, s->body.len, sig, sizeof sig, &out->err) <
		    0)
			goto out;
		snprintf(line, sizeof line, "webhook-signature: %s", sig);
		if (!(tmp = curl_slist_append(hdrs, line)))
			goto oom;
		hdrs = tmp;
	}
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, s->body.data);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)s->body.len);
	s->errbuf[0] = '\0';
	CURLcode cc = curl_easy_perform(s->curl);
	long status = 0;
	curl_off_t retry = 0;
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(s->curl, CURLINFO_RETRY_AFTER, &retry);
	webhook_map_result((int)cc, status, (long)retry, s->errbuf, out);
	goto out;
oom:
	out->result = NOTIFY_TEMPFAIL;
	error_set(&out->err, ERR_IO, "out of memory");
out:
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	return out->result;
}

const struct notify_transport_ops notify_webhook_ops = {
    .name = "webhook",
    .open = webhook_open,
    .send = webhook_send,
    .close = webhook_close,
};
