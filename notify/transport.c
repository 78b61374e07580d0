/*
 * transport.c — the table of transports and the calls that go through it (after OpenSMTPD's
 * scheduler_backend.c), plus the "capture" transport for tests: instead of sending, it writes each
 * digest into a directory as <hash>.eml (the e-mail email_build() makes, when the digest has an address)
 * and <hash>.json (the generic webhook body), so tests of the scheduler can look at what would have gone.
 */
#include "notify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "banned.h"

extern const struct notify_transport_ops notify_smtp_ops;
extern const struct notify_transport_ops notify_webhook_ops;
static const struct notify_transport_ops capture_ops;

static const struct notify_transport_ops *const transports[] = {
    &notify_smtp_ops,
    &notify_webhook_ops,
    &capture_ops,
};

const struct notify_transport_ops *notify_transport_find(const char *name)
{
	for (size_t i = 0; name && i < sizeof transports / sizeof transports[0]; i++)
		if (!strcmp(transports[i]->name, name))
			return transports[i];
	return NULL;
}

int notify_open(struct notify_transport *t, const char *name, const struct notify_options *opt,
		struct error *err)
{
	memset(t, 0, sizeof *t);
	const struct notify_transport_ops *ops = notify_transport_find(name);
	if (!ops)
		return error_set(err, ERR_CONFIG,
				 "unknown notification transport \"%s\" (smtp, webhook, capture)",
				 name ? name : "");
	t->opt = *opt;
	if (ops->open(t, opt, err) < 0)
		return -1;
	t->ops = ops;
	return 0;
}

enum notify_result notify_send(struct notify_transport *t, const struct notify_digest *d,
			       struct notify_outcome *out)
{
	out->result = NOTIFY_PERMFAIL;
	out->code = 0;
	out->retry_after = 0;
	error_init(&out->err);
	if (!t->ops) {
		out->result = NOTIFY_TEMPFAIL;
		error_set(&out->err, ERR_IO, "notification transport is not open");
		return out->result;
	}
	if (!d->nitems || !d->items) {
		error_set(&out->err, ERR_DATA, "digest %s has no items",
			  d->idempotency_key ? d->idempotency_key : "");
		return out->result;
	}
	if (t->ops->send(t, d, out) == NOTIFY_OK)
		t->sent++;
	return out->result;
}

void notify_close(struct notify_transport *t)
{
	if (t->ops)
		t->ops->close(t);
	t->ops = NULL;
	t->state = NULL;
}

/* ---- capture ---- */

struct capture_state {
	char *dir;
};

static int capture_open(struct notify_transport *t, const struct notify_options *opt, struct error *err)
{
	struct capture_state *s = calloc(1, sizeof *s);
	if (!s)
		return error_set(err, ERR_IO, "out of memory");
	if (opt->capture_dir && !(s->dir = strdup(opt->capture_dir))) {
		free(s);
		return error_set(err, ERR_IO, "out of memory");
	}
	t->state = s;
	return 0;
}

static void capture_close(struct notify_transport *t)
{
	struct capture_state *s = t->state;
	if (s)
		free(s->dir);
	free(s);
}

static int write_file(const char *dir, const char *name, const struct buf *b, struct error *err)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return error_set(err, ERR_IO, "%s: %s", path, strerror(errno));
	size_t n = fwrite(b->data ? b->data : "", 1, b->len, f);
	if (fclose(f) != 0 || n != b->len)
		return error_set(err, ERR_IO, "%s: write failed", path);
	return 0;
}

static enum notify_result capture_send(struct notify_transport *t, const struct notify_digest *d,
				       struct notify_outcome *out)
{
	struct capture_state *s = t->state;
	const struct config *c = t->opt.config;
	struct buf b;
	buf_init(&b, BUF_MAX_DEFAULT);
	char id[37], name[64];
	webhook_msg_id(d->idempotency_key ? d->idempotency_key : "", id);
	out->result = NOTIFY_PERMFAIL;
	if (d->recipient_addr) {
		struct email_params p = {
		    .from = c && c->smtp_from ? c->smtp_from : "tracker@localhost",
		    .list_id = c ? c->smtp_list_id : NULL,
		    .unsubscribe_url = c ? c->smtp_unsubscribe_url : NULL,
		    .base_url = c ? c->server_base_url : NULL,
		    .date = t->opt.clock ? t->opt.clock(t->opt.clock_ctx) : (int64_t)time(NULL),
		};
		if (email_build(&b, &p, d, &out->err) < 0)
			goto out;
		snprintf(name, sizeof name, "%s.eml", id + 4);
		if (s->dir && write_file(s->dir, name, &b, &out->err) < 0) {
			out->result = NOTIFY_TEMPFAIL;
			goto out;
		}
		buf_reset(&b);
	}
	if (webhook_build_body(&b, WEBHOOK_GENERIC, d, id, c ? c->server_base_url : NULL, &out->err) < 0)
		goto out;
	snprintf(name, sizeof name, "%s.json", id + 4);
	if (s->dir && write_file(s->dir, name, &b, &out->err) < 0) {
		out->result = NOTIFY_TEMPFAIL;
		goto out;
	}
	out->result = NOTIFY_OK;
out:
	buf_release(&b);
	return out->result;
}

static const struct notify_transport_ops capture_ops = {
    .name = "capture",
    .open = capture_open,
    .send = capture_send,
    .close = capture_close,
};
