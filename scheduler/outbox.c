/*
 * outbox.c — the durable outbox of notifications and its dispatcher (see outbox.h).
 *
 * DELIVERY GUARANTEE: AT-LEAST-ONCE.
 *
 * A digest is enqueued in the same transaction that records the reminders it carries, so once a pass
 * commits, the notification exists durably and will be attempted until it is sent or declared dead.
 * The dispatcher claims a row (state 'sending', a lease until now + lease), sends it with no
 * transaction open, and then marks it sent. A crash, SIGKILL or power loss between the send and the
 * mark leaves the row 'sending'; when its lease expires, a later pass claims it again and sends it
 * again. The resend carries the same e-mail Message-ID and the same webhook-id, because both derive
 * from the row's idempotency key, so a receiver that remembers ids can drop the duplicate.
 *
 * Why not exactly-once: the send (an SMTP DATA answer, an HTTP response) and our database commit are
 * two systems with no shared transaction. Whatever order we write them in, a crash between the two
 * leaves us unable to know whether the server got the message. We choose to send again rather than to
 * lose a reminder: a duplicate e-mail is an annoyance, a lost reminder about an overdue P0 item is the
 * failure this product exists to prevent. Exactly-once delivery needs the receiver's cooperation
 * (deduplication by the id we give it), which is why the id is stable.
 *
 * Marks are conditional on still holding the lease (WHERE lease_owner = me AND state = 'sending'): a
 * dispatcher that stalled past its lease cannot overwrite the outcome of the one that took over.
 * Temporary failures retry with capped exponential backoff and full jitter (AWS "full jitter": the
 * delay is uniform in [0, min(cap, base * 2^(n-1))], at least one second so a pass never retries the
 * same row twice), honouring a server's Retry-After when it is longer; after max_attempts the row is
 * dead. Permanent failures are dead at once. Dead rows stay listed and can be retried by an operator.
 */
#include "outbox.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "tdate.h"
#include "banned.h"

/* ---------------------------------------------------------------------------------------------------- */
/* Configuration                                                                                         */

int outbox_parse_duration(const char *s, const char *key, int64_t *out, struct error *err)
{
	const char *p = s;
	if (!s || !*s)
		return error_set(err, ERR_CONFIG, "%s: empty duration (use e.g. 30s, 5m, 6h, 2d)", key);
	int64_t v = 0;
	if (*p < '0' || *p > '9')
		goto bad;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (*p - '0');
		if (v > 100L * 365 * 86400)
			return error_set(err, ERR_CONFIG, "%s: \"%s\" is too long", key, s);
		p++;
	}
	int64_t mul = 1;
	switch (*p) {
	case '\0':
	case 's':
		mul = 1;
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	default:
		goto bad;
	}
	if (*p && p[1])
		goto bad;
	if (v == 0)
		return error_set(err, ERR_CONFIG, "%s: \"%s\" must be longer than zero", key, s);
	if (v * mul > 100L * 365 * 86400)
		return error_set(err, ERR_CONFIG, "%s: \"%s\" is too long", key, s);
	*out = v * mul;
	return 0;
bad:
	return error_set(err, ERR_CONFIG,
			 "%s: \"%s\" is not a duration (a number and a unit s, m, h or d, e.g. 30s, 5m, 6h)",
			 key, s);
}

int outbox_config_parse(const struct config *cfg, struct outbox_config *oc, struct error *err)
{
	oc->max_attempts = 8;
	oc->backoff_base = 60;
	oc->backoff_max = 6 * 3600;
	oc->lease = 5 * 60;
	oc->claim_batch = 32;
	if (cfg->rem_max_attempts < 1 || cfg->rem_max_attempts > 1000)
		return error_set(err, ERR_CONFIG, "[reminders] max_attempts: %ld is out of range (1 to 1000)",
				 cfg->rem_max_attempts);
	oc->max_attempts = cfg->rem_max_attempts;
	if (cfg->rem_backoff_base && outbox_parse_duration(cfg->rem_backoff_base, "[reminders] backoff_base",
							   &oc->backoff_base, err) < 0)
		return -1;
	if (cfg->rem_backoff_max &&
	    outbox_parse_duration(cfg->rem_backoff_max, "[reminders] backoff_max", &oc->backoff_max, err) < 0)
		return -1;
	if (cfg->rem_lease && outbox_parse_duration(cfg->rem_lease, "[reminders] lease", &oc->lease, err) < 0)
		return -1;
	if (cfg->rem_claim_batch < 1 || cfg->rem_claim_batch > 1000)
		return error_set(err, ERR_CONFIG, "[reminders] claim_batch: %ld is out of range (1 to 1000)",
				 cfg->rem_claim_batch);
	oc->claim_batch = cfg->rem_claim_batch;
	char id[128];
	if (cfg->server_instance && outbox_instance_id(cfg, id, err) < 0)
		return -1;
	if (oc->backoff_max < oc->backoff_base)
		return error_set(err, ERR_CONFIG,
				 "[reminders] backoff_max (%lld s) is shorter than backoff_base (%lld s)",
				 (long long)oc->backoff_max, (long long)oc->backoff_base);
	return 0;
}

int64_t outbox_backoff(const struct outbox_config *oc, long attempts, uint64_t rnd)
{
	int64_t cap = oc->backoff_base;
	for (long i = 1; i < attempts && cap < oc->backoff_max; i++)
		cap *= 2;
	if (cap > oc->backoff_max)
		cap = oc->backoff_max;
	int64_t d = (int64_t)(rnd % ((uint64_t)cap + 1));
	return d < 1 ? 1 : d;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Claims and outcomes (the rows' statements are tracker/store/outbox.c)                                */

static int cmp_rows(const void *a, const void *b)
{
	const struct outbox_row *x = a, *y = b;
	if (x->next_attempt_at != y->next_attempt_at)
		return x->next_attempt_at < y->next_attempt_at ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int outbox_claim(struct store *st, const char *owner, int64_t now, const struct outbox_config *oc,
		 size_t limit, struct outbox_rows *rows, struct error *err)
{
	return outbox_claim_at(st, owner, now, now, oc, limit, rows, err);
}

int outbox_claim_at(struct store *st, const char *owner, int64_t now, int64_t lease_from,
		    const struct outbox_config *oc, size_t limit, struct outbox_rows *rows, struct error *err)
{
	rows->v = NULL;
	rows->n = 0;
	/* Row-level: on PostgreSQL no database-wide lock (several instances claim at once, each taking
	 * other rows: FOR UPDATE SKIP LOCKED in the store); on SQLite BEGIN IMMEDIATE as ever. */
	if (store_begin_rows(st, err) < 0)
		return -1;
	/* A row whose lease ran out max_attempts times never got an outcome: each dispatcher that took it
	 * died (or hung) while sending it. Claiming it again could crash the next one too. Both statements
	 * run in this one transaction. */
	if (outbox_bury_stalled(st, now, oc->max_attempts, NULL, err) < 0 ||
	    outbox_take_ready(st, owner, now, lease_from + oc->lease, limit ? limit : 32, rows, err) < 0 ||
	    store_commit(st, err) < 0)
		goto fail;
	if (rows->n > 1)
		qsort(rows->v, rows->n, sizeof rows->v[0], cmp_rows);
	return 0;
fail:
	store_rollback(st);
	outbox_rows_release(rows);
	return -1;
}

int outbox_mark(struct store *st, const struct outbox_config *oc, const struct outbox_row *r,
		const char *owner, const struct notify_outcome *out, int64_t now, uint64_t rnd,
		enum outbox_state *state, int64_t *next_at, struct error *err)
{
	struct outbox_outcome o = {.last_code = out->code};
	if (out->result == NOTIFY_OK) {
		o.state = OUTBOX_SENT;
	} else if (out->result == NOTIFY_TEMPFAIL && r->attempts < oc->max_attempts) {
		o.state = OUTBOX_PENDING;
		int64_t d = outbox_backoff(oc, r->attempts, rnd);
		if (out->retry_after > d)
			d = out->retry_after;
		o.next_attempt_at = now + d;
	} else {
		o.state = OUTBOX_DEAD;
	}
	if (o.state != OUTBOX_SENT && out->err.msg[0])
		o.last_error = out->err.msg;
	int rc = outbox_record(st, r->id, owner, &o, now, err);
	if (rc < 0)
		return -1;
	*state = o.state;
	if (next_at)
		*next_at = o.next_attempt_at;
	return rc;
}

static uint64_t random_u64(void)
{
	uint64_t v = 0;
	if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		v = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)(unsigned)getpid();
	}
	return v;
}

void outbox_owner_id(char out[static 128])
{
	char host[64] = "localhost";
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	snprintf(out, 128, "%s:%ld:%08llx", host, (long)getpid(),
		 (unsigned long long)(random_u64() & 0xffffffffULL));
}

int outbox_instance_id(const struct config *cfg, char out[static 128], struct error *err)
{
	const char *v = cfg->server_instance;
	if (!v) {
		outbox_owner_id(out);
		return 0;
	}
	size_t n = strlen(v);
	if (n == 0 || n > 100)
		return error_set(err, ERR_CONFIG, "[server] instance: \"%s\" must be 1 to 100 characters", v);
	for (const char *p = v; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("._-:@/", *p)))
			return error_set(
			    err, ERR_CONFIG,
			    "[server] instance: \"%s\" has a character other than letters, digits "
			    "and . _ - : @ / (at position %zu)",
			    v, (size_t)(p - v) + 1);
	}
	snprintf(out, 128, "%s", v);
	return 0;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Payload                                                                                               */

static json_t *jstr_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

int outbox_payload_build(const struct notify_digest *d, const char *const *kinds, const char *const *reasons,
			 char **out, struct error *err)
{
	*out = NULL;
	json_t *o = json_object(), *items = json_array();
	char tbuf[21], dbuf[11];
	int rc = -1;
	if (!o || !items)
		goto oom;
	time_format(d->now, tbuf);
	if (json_object_set_new(o, "version", json_integer(1)) < 0 ||
	    json_object_set_new(o, "kind", jstr_or_null(d->kind)) < 0 ||
	    json_object_set_new(o, "recipient", jstr_or_null(d->recipient_addr)) < 0 ||
	    json_object_set_new(o, "recipient_name", jstr_or_null(d->recipient_name)) < 0 ||
	    json_object_set_new(o, "now", json_string(tbuf)) < 0)
		goto oom;
	for (size_t i = 0; i < d->nitems; i++) {
		const struct notify_item *it = &d->items[i];
		json_t *j = json_object();
		if (!j || json_array_append_new(items, j) < 0)
			goto oom;
		if (it->due != DATE_NONE)
			date_format(it->due, dbuf);
		if (it->updated_at)
			time_format(it->updated_at, tbuf);
		if (json_object_set_new(j, "incident", jstr_or_null(it->incident_id)) < 0 ||
		    json_object_set_new(j, "key", jstr_or_null(it->key)) < 0 ||
		    json_object_set_new(j, "title", jstr_or_null(it->incident_title)) < 0 ||
		    json_object_set_new(j, "action", jstr_or_null(it->action)) < 0 ||
		    json_object_set_new(j, "owner", jstr_or_null(it->owner)) < 0 ||
		    json_object_set_new(j, "status", jstr_or_null(it->status)) < 0 ||
		    json_object_set_new(j, "due", it->due != DATE_NONE ? json_string(dbuf) : json_null()) <
			0 ||
		    json_object_set_new(j, "priority",
					it->priority >= 0 ? json_integer(it->priority) : json_null()) < 0 ||
		    json_object_set_new(j, "days_late", json_integer(it->days_late)) < 0 ||
		    json_object_set_new(j, "sequence", json_integer(it->sequence)) < 0 ||
		    json_object_set_new(j, "updated_at", it->updated_at ? json_string(tbuf) : json_null()) <
			0 ||
		    json_object_set_new(j, "kind", jstr_or_null(kinds ? kinds[i] : it->kind)) < 0 ||
		    json_object_set_new(j, "reason", jstr_or_null(reasons ? reasons[i] : NULL)) < 0)
			goto oom;
		if ((it->why && json_object_set_new(j, "why", json_string(it->why)) < 0) ||
		    (it->owner_slack &&
		     json_object_set_new(j, "owner_slack", json_string(it->owner_slack)) < 0))
			goto oom;
		if (it->done_url && it->snooze_url &&
		    (json_object_set_new(j, "done_url", json_string(it->done_url)) < 0 ||
		     json_object_set_new(j, "snooze_url", json_string(it->snooze_url)) < 0))
			goto oom;
	}
	if (json_object_set_new(o, "items", items) < 0) {
		items = NULL;
		goto oom;
	}
	items = NULL;
	*out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!*out)
		goto oom;
	rc = 0;
	goto out;
oom:
	error_set(err, ERR_IO, "outbox: out of memory building a payload");
out:
	json_decref(items);
	json_decref(o);
	return rc;
}

static const char *jget_str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

int outbox_payload_digest(const char *payload, const char *idempotency_key, json_t **json,
			  struct notify_digest *d, struct notify_item **items, struct error *err)
{
	json_error_t je;
	memset(d, 0, sizeof *d);
	*items = NULL;
	*json = json_loads(payload, 0, &je);
	if (!*json)
		return error_set(err, ERR_DATA, "outbox: payload is not JSON: %s", je.text);
	json_t *o = *json, *arr = json_object_get(o, "items");
	if (!json_is_object(o) || json_integer_value(json_object_get(o, "version")) != 1 ||
	    !json_is_array(arr) || json_array_size(arr) == 0)
		goto bad;
	size_t n = json_array_size(arr);
	*items = calloc(n, sizeof **items);
	if (!*items)
		return error_set(err, ERR_IO, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *j = json_array_get(arr, i);
		struct notify_item *it = &(*items)[i];
		if (!json_is_object(j))
			goto bad;
		it->incident_id = jget_str(j, "incident");
		it->key = jget_str(j, "key");
		if (!it->incident_id || !it->key)
			goto bad;
		it->incident_title = jget_str(j, "title");
		it->action = jget_str(j, "action");
		it->owner = jget_str(j, "owner");
		it->status = jget_str(j, "status");
		it->due = DATE_NONE;
		const char *due = jget_str(j, "due");
		if (due && date_parse(due, &it->due) < 0)
			goto bad;
		json_t *p = json_object_get(j, "priority");
		it->priority = json_is_integer(p) ? (int)json_integer_value(p) : -1;
		it->days_late = (int)json_integer_value(json_object_get(j, "days_late"));
		it->sequence = (int)json_integer_value(json_object_get(j, "sequence"));
		it->done_url = jget_str(j, "done_url");
		it->snooze_url = jget_str(j, "snooze_url");
		it->kind = jget_str(j, "kind");
		it->why = jget_str(j, "why");
		it->owner_slack = jget_str(j, "owner_slack");
		const char *up = jget_str(j, "updated_at");
		if (up && time_parse(up, &it->updated_at) < 0)
			goto bad;
	}
	d->idempotency_key = idempotency_key;
	d->recipient_addr = jget_str(o, "recipient");
	d->recipient_name = jget_str(o, "recipient_name");
	d->kind = jget_str(o, "kind");
	const char *now = jget_str(o, "now");
	if (!now || time_parse(now, &d->now) < 0)
		goto bad;
	d->items = *items;
	d->nitems = n;
	return 0;
bad:
	free(*items);
	*items = NULL;
	json_decref(*json);
	*json = NULL;
	return error_set(err, ERR_DATA, "outbox: payload does not hold a version 1 digest");
}

/* ---------------------------------------------------------------------------------------------------- */
/* Dispatcher                                                                                            */

struct channel_tp {
	char *channel;
	struct notify_transport t;
	bool ok;
	struct error err; /* why it could not be opened */
};

struct dispatch_state {
	struct outbox_dispatcher *d;
	struct channel_tp *tps;
	size_t ntps;
};

static void logf_(struct outbox_dispatcher *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct outbox_dispatcher *d, const char *fmt, ...)
{
	if (!d->log)
		return;
	char line[1400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	d->log(d->log_ctx, line);
}

/* The open transport for `channel`, opening it on first use; NULL with *why set when it cannot be. */
static struct notify_transport *transport_for(struct dispatch_state *ds, const char *channel,
					      const struct error **why)
{
	for (size_t i = 0; i < ds->ntps; i++) {
		if (!strcmp(ds->tps[i].channel, channel)) {
			*why = &ds->tps[i].err;
			return ds->tps[i].ok ? &ds->tps[i].t : NULL;
		}
	}
	struct channel_tp *nv = realloc(ds->tps, (ds->ntps + 1) * sizeof *nv);
	if (!nv)
		return NULL;
	ds->tps = nv;
	struct channel_tp *c = &ds->tps[ds->ntps];
	memset(c, 0, sizeof *c);
	error_init(&c->err);
	c->channel = strdup(channel);
	if (!c->channel) {
		error_set(&c->err, ERR_IO, "out of memory");
		*why = &c->err;
		return NULL;
	}
	ds->ntps++;
	*why = &c->err;
	struct notify_options opt = {.config = ds->d->cfg};
	const char *name;
	if (ds->d->transport_override) {
		name = ds->d->transport_override;
		opt.capture_dir = ds->d->capture_dir;
	} else if (!strcmp(channel, "email")) {
		name = "smtp";
	} else if (!strncmp(channel, "webhook:", 8)) {
		name = "webhook";
		opt.webhook = channel + 8;
	} else {
		error_set(&c->err, ERR_CONFIG, "unknown channel \"%s\"", channel);
		return NULL;
	}
	if (notify_open(&c->t, name, &opt, &c->err) < 0) {
		logf_(ds->d, "channel %s: cannot open: %s", channel, c->err.msg);
		return NULL;
	}
	c->ok = true;
	return &c->t;
}

/* The dispatcher's clock for leases and outcomes (see wall_clock). */
static int64_t clock_now(const struct outbox_dispatcher *d)
{
	if (!d->wall_clock)
		return d->now;
	int64_t t = d->clock ? d->clock(d->clock_ctx) : (int64_t)time(NULL);
	return t > d->now ? t : d->now;
}

static int send_one(struct dispatch_state *ds, const struct outbox_row *r, struct outbox_stats *stats,
		    struct error *err)
{
	struct outbox_dispatcher *d = ds->d;
	/* The rows of a batch are sent one after another: a row whose lease is half gone by its turn is
	 * renewed first, so that no other instance takes it over while we send it (a slow server, a
	 * large batch). A lease already lost is not sent: another dispatcher owns the row. */
	int64_t at = clock_now(d);
	if (r->lease_until - at < d->oc->lease / 2) {
		int k = outbox_renew(d->st, r->id, d->owner, at, at + d->oc->lease, err);
		if (k < 0)
			return -1;
		if (k == 1) {
			stats->lost++;
			logf_(d,
			      "lost #%lld %s %s: lease taken over by another dispatcher before sending, not "
			      "sent",
			      (long long)r->id, r->channel, r->recipient);
			return 0;
		}
		stats->renewed++;
	}
	struct notify_outcome out;
	memset(&out, 0, sizeof out);
	error_init(&out.err);
	json_t *json = NULL;
	struct notify_item *items = NULL;
	struct notify_digest dg;
	size_t nitems = 0;
	if (outbox_payload_digest(r->payload, r->idempotency_key, &json, &dg, &items, &out.err) < 0) {
		out.result = NOTIFY_PERMFAIL;
	} else {
		nitems = dg.nitems;
		const struct error *why = NULL;
		struct notify_transport *t = transport_for(ds, r->channel, &why);
		if (!t) {
			out.result = NOTIFY_TEMPFAIL;
			error_set(&out.err, ERR_IO, "%s",
				  why && why->msg[0] ? why->msg : "cannot open transport");
		} else {
			notify_send(t, &dg, &out);
		}
	}
	json_decref(json);
	free(items);
	enum outbox_state ns = OUTBOX_PENDING;
	int64_t next = 0;
	int m = outbox_mark(d->st, d->oc, r, d->owner, &out, clock_now(d), random_u64(), &ns, &next, err);
	if (m < 0)
		return -1;
	if (m == 1) {
		stats->lost++;
		logf_(d, "lost #%lld %s %s: lease taken over by another dispatcher, not marked",
		      (long long)r->id, r->channel, r->recipient);
		return 0;
	}
	switch (ns) {
	case OUTBOX_SENT:
		stats->sent++;
		logf_(d, "sent #%lld %s %s (%zu item%s, attempt %ld, code %ld)", (long long)r->id, r->channel,
		      r->recipient, nitems, nitems == 1 ? "" : "s", r->attempts, out.code);
		break;
	case OUTBOX_PENDING: {
		stats->retried++;
		char when[21];
		time_format(next, when);
		logf_(d, "retry #%lld %s %s at %s (attempt %ld of %ld failed: %s)", (long long)r->id,
		      r->channel, r->recipient, when, r->attempts, d->oc->max_attempts, out.err.msg);
		break;
	}
	case OUTBOX_DEAD:
	case OUTBOX_SENDING:
		stats->dead++;
		logf_(d, "dead #%lld %s %s after %ld attempt%s (%s: %s)", (long long)r->id, r->channel,
		      r->recipient, r->attempts, r->attempts == 1 ? "" : "s", notify_result_name(out.result),
		      out.err.msg);
		break;
	}
	return 0;
}

int outbox_dispatch(struct outbox_dispatcher *d, struct outbox_stats *stats, struct error *err)
{
	struct dispatch_state ds = {.d = d};
	int rc = -1;
	memset(stats, 0, sizeof *stats);
	for (;;) {
		if (d->stop && *d->stop)
			break;
		struct outbox_rows rows;
		size_t batch = d->batch ? d->batch : (size_t)d->oc->claim_batch;
		if (outbox_claim_at(d->st, d->owner, d->now, clock_now(d), d->oc, batch ? batch : 32, &rows,
				    err) < 0)
			goto out;
		if (rows.n == 0)
			break;
		stats->claimed += rows.n;
		for (size_t i = 0; i < rows.n; i++) {
			int r;
			if (d->stop && *d->stop) {
				r = outbox_release(d->st, &rows.v[i], d->owner, err);
				if (r == 0)
					stats->released++;
			} else {
				r = send_one(&ds, &rows.v[i], stats, err);
			}
			if (r < 0) {
				outbox_rows_release(&rows);
				goto out;
			}
		}
		outbox_rows_release(&rows);
	}
	rc = 0;
out:
	for (size_t i = 0; i < ds.ntps; i++) {
		if (ds.tps[i].ok)
			notify_close(&ds.tps[i].t);
		free(ds.tps[i].channel);
	}
	free(ds.tps);
	return rc;
}
