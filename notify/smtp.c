/*
 * smtp.c — the "smtp" transport: sends digests built by email_build() through libcurl's SMTP client.
 *
 * One CURL easy handle lives as long as the transport, so libcurl keeps the connection (and its TLS
 * session) open between messages of a batch: EHLO, STARTTLS and AUTH happen once, then each message is
 * MAIL FROM / RCPT TO / DATA. After a failure libcurl drops the connection and the next message opens a
 * new one. Every outcome goes through email_map_result(), the one place SMTP replies and libcurl codes
 * become OK / TEMPFAIL / PERMFAIL. The password is read at open (file or environment, never argv),
 * handed to libcurl, wiped at close and never put in a message.
 */
#include "notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "banned.h"

struct smtp_state {
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
	char *password;
	char *url;
	struct buf from_addr;
	struct email_params params;
	struct buf msg; /* the message being uploaded */
	size_t off;
};

const char *notify_result_name(enum notify_result r)
{
	switch (r) {
	case NOTIFY_OK:
		return "ok";
	case NOTIFY_TEMPFAIL:
		return "tempfail";
	case NOTIFY_PERMFAIL:
		return "permfail";
	}
	return "?";
}

enum notify_result email_map_result(int cc, long smtp_code, const char *curl_msg, struct notify_outcome *out)
{
	out->code = smtp_code;
	out->retry_after = 0;
	error_init(&out->err);
	const char *msg = curl_msg && *curl_msg ? curl_msg : curl_easy_strerror((CURLcode)cc);
	if (cc == CURLE_OK) {
		out->result = NOTIFY_OK;
		return out->result;
	}
	if (cc == CURLE_LOGIN_DENIED) {
		/* a configuration problem, not this message's: keep it for when the operator fixes it */
		out->result = NOTIFY_TEMPFAIL;
		error_set(&out->err, ERR_IO,
			  "SMTP login refused (%ld): %s; check [smtp] username and password", smtp_code, msg);
	} else if (smtp_code >= 500 && smtp_code < 600) {
		out->result = NOTIFY_PERMFAIL;
		error_set(&out->err, ERR_IO, "SMTP server refused the message permanently (%ld): %s",
			  smtp_code, msg);
	} else if (smtp_code >= 400 && smtp_code < 500) {
		out->result = NOTIFY_TEMPFAIL;
		error_set(&out->err, ERR_IO, "SMTP server deferred the message (%ld): %s", smtp_code, msg);
	} else {
		/* connection refused, timeouts, DNS, TLS, dropped connections: retry */
		out->result = NOTIFY_TEMPFAIL;
		error_set(&out->err, ERR_IO, "SMTP delivery failed: %s", msg);
	}
	return out->result;
}

static size_t read_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct smtp_state *s = userdata;
	size_t room = size * nmemb, left = s->msg.len - s->off;
	size_t n = left < room ? left : room;
	memcpy(ptr, s->msg.data + s->off, n);
	s->off += n;
	return n;
}

static void smtp_close(struct notify_transport *t)
{
	struct smtp_state *s = t->state;
	if (!s)
		return;
	if (s->curl)
		curl_easy_cleanup(s->curl);
	if (s->password) {
		OPENSSL_cleanse(s->password, strlen(s->password));
		free(s->password);
	}
	free(s->url);
	buf_release(&s->from_addr);
	buf_release(&s->msg);
	free(s);
	t->state = NULL;
}

static int smtp_open(struct notify_transport *t, const struct notify_options *opt, struct error *err)
{
	const struct config *c = opt->config;
	int rc = -1;
	struct smtp_state *s = calloc(1, sizeof *s);
	if (!s)
		return error_set(err, ERR_IO, "out of memory");
	t->state = s;
	buf_init(&s->from_addr, 4096);
	buf_init(&s->msg, BUF_MAX_DEFAULT);
	struct buf fname;
	buf_init(&fname, 4096);

	if (!c || !c->smtp_url) {
		error_set(err, ERR_CONFIG, "[smtp] url is not set (smtp://host:port or smtps://host:port)");
		goto out;
	}
	bool implicit_tls = !strncmp(c->smtp_url, "smtps://", 8);
	if (!implicit_tls && strncmp(c->smtp_url, "smtp://", 7)) {
		error_set(err, ERR_CONFIG, "[smtp] url must start with smtp:// or smtps://");
		goto out;
	}
	for (const unsigned char *p = (const unsigned char *)c->smtp_url; *p; p++)
		if (*p <= 0x20 || *p == 0x7F) {
			error_set(err, ERR_CONFIG, "[smtp] url holds a space or control character");
			goto out;
		}
	if (email_split_from(c->smtp_from, &fname, &s->from_addr, err) < 0)
		goto out;
	bool starttls = !c->smtp_starttls || strcmp(c->smtp_starttls, "off") != 0;
	if (c->smtp_password_file) {
		if (notify_read_secret_file(c->smtp_password_file, &s->password, err) < 0) {
			error_prefix(err, "[smtp] password_file");
			goto out;
		}
	} else if (c->smtp_password_env) {
		const char *v = getenv(c->smtp_password_env);
		if (!v || !*v) {
			error_set(err, ERR_CONFIG, "[smtp] password_env: environment variable %s is not set",
				  c->smtp_password_env);
			goto out;
		}
		s->password = strdup(v);
	}
	/* A password written into the url (smtp://user:secret@host) is sent like password_file's: never
	 * without TLS. libcurl's URL parser finds it (percent-encoding, IPv6 hosts and all); the message
	 * does not repeat the url, so the password does not reach a log. */
	bool url_password = false;
	CURLU *cu = curl_url();
	if (cu && curl_url_set(cu, CURLUPART_URL, c->smtp_url, 0) == CURLUE_OK) {
		char *pw = NULL;
		if (curl_url_get(cu, CURLUPART_PASSWORD, &pw, 0) == CURLUE_OK && pw) {
			url_password = true;
			OPENSSL_cleanse(pw, strlen(pw));
		}
		curl_free(pw);
	}
	curl_url_cleanup(cu);
	if (url_password && !implicit_tls && !starttls) {
		error_set(err, ERR_CONFIG,
			  "[smtp] url holds a password (user:password@host): refusing to send it without "
			  "TLS: use smtps:// or starttls = required (and better, move it to password_file)");
		goto out;
	}
	if ((c->smtp_username || s->password) && !implicit_tls && !starttls) {
		error_set(err, ERR_CONFIG,
			  "[smtp] refusing to send a password without TLS: use smtps:// or "
			  "starttls = required");
		goto out;
	}
	s->url = strdup(c->smtp_url);
	s->curl = curl_easy_init();
	if (!s->url || !s->curl) {
		error_set(err, ERR_IO, "cannot create a libcurl handle");
		goto out;
	}
	long timeout = c->smtp_timeout > 0 ? c->smtp_timeout : 30;
	CURL *h = s->curl;
	int bad = 0;
	bad |= curl_easy_setopt(h, CURLOPT_URL, s->url) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps") != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, s->errbuf) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout) != CURLE_OK;
	bad |=
	    curl_easy_setopt(h, CURLOPT_USE_SSL,
			     (long)(starttls || implicit_tls ? CURLUSESSL_ALL : CURLUSESSL_NONE)) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, c->smtp_verify_tls ? 1L : 0L) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c->smtp_verify_tls ? 2L : 0L) != CURLE_OK;
	if (c->smtp_ca_file && *c->smtp_ca_file)
		bad |= curl_easy_setopt(h, CURLOPT_CAINFO, c->smtp_ca_file) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_UPLOAD, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_READDATA, s) != CURLE_OK;
	if (c->smtp_username)
		bad |= curl_easy_setopt(h, CURLOPT_USERNAME, c->smtp_username) != CURLE_OK;
	if (s->password)
		bad |= curl_easy_setopt(h, CURLOPT_PASSWORD, s->password) != CURLE_OK;
	if (bad) {
		error_set(err, ERR_CONFIG,
			  "libcurl does not support a needed SMTP option (needs libcurl >= 7.85)");
		goto out;
	}
	s->params.from = c->smtp_from;
	s->params.list_id = c->smtp_list_id;
	s->params.unsubscribe_url = c->smtp_unsubscribe_url;
	s->params.base_url = c->server_base_url;
	rc = 0;
out:
	buf_release(&fname);
	if (rc < 0)
		smtp_close(t);
	return rc;
}

static enum notify_result smtp_send(struct notify_transport *t, const struct notify_digest *d,
				    struct notify_outcome *out)
{
	struct smtp_state *s = t->state;
	struct curl_slist *rcpt = NULL;
	char path[300];
	s->params.date = t->opt.clock ? t->opt.clock(t->opt.clock_ctx) : (int64_t)time(NULL);
	buf_reset(&s->msg);
	s->off = 0;
	if (email_build(&s->msg, &s->params, d, &out->err) < 0) {
		/* refused before anything is sent: bad address, injected CR/LF, no items */
		out->result = NOTIFY_PERMFAIL;
		goto out;
	}
	snprintf(path, sizeof path, "<%s>", d->recipient_addr);
	rcpt = curl_slist_append(NULL, path);
	if (!rcpt) {
		error_set(&out->err, ERR_IO, "out of memory");
		out->result = NOTIFY_TEMPFAIL;
		goto out;
	}
	snprintf(path, sizeof path, "<%s>", buf_cstr(&s->from_addr));
	curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, path);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)s->msg.len);
	s->errbuf[0] = '\0';
	CURLcode cc = curl_easy_perform(s->curl);
	long code = 0;
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
	email_map_result((int)cc, code, s->errbuf, out);
out:
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rcpt);
	return out->result;
}

const struct notify_transport_ops notify_smtp_ops = {
    .name = "smtp",
    .open = smtp_open,
    .send = smtp_send,
    .close = smtp_close,
};
