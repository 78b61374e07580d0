/*
 * http_api.c — the JSON API under /api/v1 (see http.h). Items use the `tracker list --format json`
 * schema (item_to_json), incidents the `tracker incidents --format json` one. Every request needs an
 * API token (Authorization: Bearer); changes need a read-write token and go through change_apply()
 * (tracker/change.h, the same core as `tracker set`) with source "api" and the token's name as the actor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"
#include "change.h"
#include "incidents.h"
#include "items.h"
#include "model.h"
#include "tdate.h"
#include "banned.h"

struct query {
	struct item_filter f;
	json_t *owners;
	char before[11];
	char bad[300];
	int64_t now;
	bool has_now;
};

static bool parse_bool(const char *v, bool *out)
{
	if (!v || !*v || !strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes")) {
		*out = true;
		return true;
	}
	if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no")) {
		*out = false;
		return true;
	}
	return false;
}

/* "P0,P1" or "0,1" → mask; -1 when bad. */
static int parse_mask(const char *v, bool priorities)
{
	int mask = 0;
	const char *p = v;
	while (*p) {
		size_t n = strcspn(p, ",");
		char w[32];
		if (n == 0 || n >= sizeof w)
			return -1;
		memcpy(w, p, n);
		w[n] = '\0';
		if (priorities) {
			const char *d = (w[0] == 'P' || w[0] == 'p') ? w + 1 : w;
			if (d[0] < '0' || d[0] > '3' || d[1])
				return -1;
			mask |= 1 << (d[0] - '0');
		} else {
			int st = status_from_name(w);
			if (st < 0)
				return -1;
			mask |= 1 << st;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return mask;
}

static enum MHD_Result query_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	struct query *q = cls;
	bool b;
	int m;
	if (q->bad[0])
		return MHD_NO;
	const char *v = value ? value : "";
	if (!strcmp(key, "owner")) {
		const char *p = v;
		while (*p) {
			size_t n = strcspn(p, ",");
			if (n) {
				const char *h = *p == '@' ? p + 1 : p;
				json_array_append_new(q->owners, json_stringn(h, n - (size_t)(h - p)));
			}
			p += n;
			if (*p)
				p++;
		}
	} else if (!strcmp(key, "priority") && (m = parse_mask(v, true)) >= 0) {
		q->f.priorities = (unsigned)m;
	} else if (!strcmp(key, "status") && (m = parse_mask(v, false)) >= 0) {
		q->f.statuses = (unsigned)m;
	} else if (!strcmp(key, "incident") && *v) {
		q->f.incident = v;
	} else if (!strcmp(key, "overdue") && parse_bool(value, &b)) {
		q->f.overdue = b;
	} else if (!strcmp(key, "unassigned") && parse_bool(value, &b)) {
		q->f.unassigned = b;
	} else if (!strcmp(key, "unscheduled") && parse_bool(value, &b)) {
		q->f.unscheduled = b;
	} else if (!strcmp(key, "removed") && parse_bool(value, &b)) {
		q->f.removed = b;
	} else if (!strcmp(key, "all") && parse_bool(value, &b)) {
		q->f.all = b;
	} else if (!strcmp(key, "due_before")) {
		int32_t d = 0;
		if (date_parse(v, &d) < 0)
			snprintf(q->bad, sizeof q->bad, "due_before: \"%.200s\" is not a date (YYYY-MM-DD)",
				 v);
		if (!q->bad[0])
			date_format(d, q->before);
		q->f.due_before = q->before;
	} else if (!strcmp(key, "sort")) {
		static const char *const names[] = {"default", "due", "priority", "owner", "incident", "age"};
		size_t i = 0;
		while (i < 6 && strcmp(names[i], v))
			i++;
		if (i == 6)
			snprintf(q->bad, sizeof q->bad, "sort: use due, priority, owner, incident or age");
		else
			q->f.sort = (enum item_sort)i;
	} else if (!strcmp(key, "limit")) {
		char *end;
		long n = strtol(v, &end, 10);
		if (end == v || *end || n <= 0)
			snprintf(q->bad, sizeof q->bad, "limit: \"%.200s\" is not a positive number", v);
		q->f.limit = n;
	} else if (!strcmp(key, "now")) {
		if (time_parse(v, &q->now) < 0)
			snprintf(q->bad, sizeof q->bad, "now: \"%.200s\" is not an ISO 8601 date or time", v);
		q->has_now = true;
	} else {
		snprintf(
		    q->bad, sizeof q->bad,
		    "bad query parameter \"%.100s\" (owner, priority, status, incident, overdue, due_before, "
		    "unassigned, unscheduled, removed, all, sort, limit, now)",
		    key);
	}
	return q->bad[0] ? MHD_NO : MHD_YES;
}

static int collect(const struct item *it, void *ud)
{
	return json_array_append_new(ud, item_to_json(it)) < 0 ? -1 : 0;
}

static enum MHD_Result list_items(struct http_impl *s, struct MHD_Connection *c, struct req *r,
				  struct store *st)
{
	struct query q = {.owners = json_array()};
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, query_arg, &q);
	if (q.bad[0]) {
		json_decref(q.owners);
		return http_json_error(s, c, r, 400, "%s", q.bad);
	}
	char *owners = json_array_size(q.owners) ? json_dumps(q.owners, JSON_COMPACT) : NULL;
	q.f.owners_json = owners;
	json_t *arr = json_array();
	struct error err;
	error_init(&err);
	int32_t today = time_to_date(q.has_now ? q.now : http_now(s));
	int rc = items_query(st, &q.f, today, collect, arr, &err);
	free(owners);
	json_decref(q.owners);
	if (rc < 0) {
		json_decref(arr);
		http_logf(s, "api items: %s", err.msg);
		return http_json_error(s, c, r, store_unreachable(st) ? 503 : 500, "database error");
	}
	return http_send_json(s, c, r, 200, arr);
}

int64_t http_find_item(struct store *st, const char *ref)
{
	int64_t id = 0;
	struct error err;
	error_init(&err);
	int rc = items_find_exact(st, ref, &id, &err);
	return rc < 0 ? -1 : rc == 0 ? id : 0;
}

static int one(const struct item *it, void *ud)
{
	*(json_t **)ud = item_to_json(it);
	return 0;
}

static json_t *item_json(struct http_impl *s, struct store *st, int64_t id, bool history, struct error *err)
{
	json_t *j = NULL;
	if (items_get(st, id, time_to_date(http_now(s)), one, &j, err) < 0 || !j)
		return NULL;
	if (history) {
		json_t *h = items_history_json(st, id, err);
		json_object_set_new(j, "history", h ? h : json_array());
	}
	return j;
}

/* Reads the POST body into a change (change.h). Returns NULL on success or a message for a 400. */
static const char *parse_change(json_t *body, struct change *ch, char *msg, size_t msglen)
{
	const char *key;
	json_t *v;
	struct error err;
	error_init(&err);
	if (!json_is_object(body))
		return "the body must be a JSON object";
	json_object_foreach(body, key, v)
	{
		int rc = 0;
		if (!strcmp(key, "status")) {
			if (!json_is_string(v))
				return "status: use open, in_progress, blocked, done or wont_do";
			rc = change_set_status(ch, json_string_value(v), &err);
		} else if (!strcmp(key, "due")) {
			int32_t d;
			if (json_is_null(v))
				rc = change_set_due(ch, "none", &err);
			else if (!json_is_string(v) || date_parse(json_string_value(v), &d) < 0)
				return "due: a date YYYY-MM-DD (a real one), or null for none";
			else
				rc = change_set_due(ch, json_string_value(v), &err);
		} else if (!strcmp(key, "owner") || !strcmp(key, "owners")) {
			struct buf list;
			buf_init(&list, 16384);
			if (json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0)) {
				buf_adds(&list, "none");
			} else if (json_is_string(v)) {
				buf_adds(&list, json_string_value(v));
			} else if (json_is_array(v)) {
				size_t i;
				json_t *e;
				json_array_foreach(v, i, e)
				{
					if (!json_is_string(e) || strchr(json_string_value(e), ',')) {
						buf_release(&list);
						return "owner: a handle, a list of handles, or null for "
						       "unassigned";
					}
					if (i)
						buf_addc(&list, ',');
					buf_adds(&list, json_string_value(e));
				}
			} else {
				buf_release(&list);
				return "owner: a handle, a list of handles, or null for unassigned";
			}
			rc = change_set_owners(ch, buf_cstr(&list), &err);
			buf_release(&list);
		} else if (!strcmp(key, "note") || !strcmp(key, "reason")) {
			const char *t = json_string_value(v);
			if (!t || strlen(t) > 2000) {
				snprintf(msg, msglen, "%s: a string of at most 2000 bytes", key);
				return msg;
			}
			if (key[0] == 'n')
				ch->note = t;
			else
				ch->reason = t;
		} else {
			snprintf(msg, msglen, "unknown field \"%.100s\" (status, due, owner, note, reason)",
				 key);
			return msg;
		}
		if (rc < 0) {
			snprintf(msg, msglen, "%s", err.msg);
			return msg;
		}
	}
	if (change_check(ch, &err) < 0) {
		snprintf(msg, msglen, "%s", err.msg);
		return msg;
	}
	return NULL;
}

static enum MHD_Result change_item(struct http_impl *s, struct MHD_Connection *c, struct req *r,
				   struct store *st, const struct api_token *tok, int64_t id)
{
	json_error_t jerr;
	json_t *body =
	    json_loadb(r->body.data ? r->body.data : "", r->body.len, JSON_REJECT_DUPLICATES, &jerr);
	if (!body)
		return http_json_error(s, c, r, 400, "bad JSON: %s (line %d, column %d)", jerr.text,
				       jerr.line, jerr.column);
	struct change ch;
	change_init(&ch);
	char msg[1100];
	const char *bad = parse_change(body, &ch, msg, sizeof msg);
	enum MHD_Result ret;
	if (bad) {
		ret = http_json_error(s, c, r, 400, "%s", bad);
		goto out;
	}
	struct error err;
	error_init(&err);
	struct change_result res = {0};
	if (store_begin(st, &err) < 0 ||
	    change_apply(st, id, &ch, tok->name, "api", http_now(s), &res, &err) < 0 ||
	    store_commit(st, &err) < 0) {
		store_rollback(st);
		if (err.kind == ERR_USAGE || err.kind == ERR_DATA) {
			ret = http_json_error(s, c, r, 400, "%s", err.msg);
			goto out;
		}
		http_logf(s, "api change: %s", err.msg);
		ret = http_json_error(s, c, r, 503, "database busy or failing; try again");
		goto out;
	}
	atomic_fetch_add(&s->gen, 1);
	json_t *j = item_json(s, st, id, false, &err);
	if (j)
		json_object_set_new(j, "changed", json_boolean(res.changed));
	ret = j ? http_send_json(s, c, r, 200, j)
		: http_json_error(s, c, r, store_unreachable(st) ? 503 : 500, "cannot read the item back");
out:
	change_release(&ch);
	json_decref(body);
	return ret;
}

static int incident_json(const struct incident_row *n, void *ud)
{
	return json_array_append_new(ud, incident_to_json(n, false)) < 0;
}

static enum MHD_Result incidents(struct http_impl *s, struct MHD_Connection *c, struct req *r,
				 struct store *st)
{
	json_t *arr = json_array();
	struct error err;
	error_init(&err);
	if (incidents_list(st, 0, incident_json, arr, &err) < 0) {
		json_decref(arr);
		http_logf(s, "api incidents: %s", err.msg);
		return http_json_error(s, c, r, store_unreachable(st) ? 503 : 500, "database error");
	}
	return http_send_json(s, c, r, 200, arr);
}

/* 405 with the methods the resource has (Allow, RFC 9110 15.5.6) and a JSON error. */
static enum MHD_Result method_not_allowed(struct http_impl *s, struct MHD_Connection *c, struct req *r,
					  const char *method, const char *allow)
{
	char *text = NULL;
	json_t *j = json_pack("{s:s}", "error", "method not allowed here");
	if (j) {
		char msg[200];
		snprintf(msg, sizeof msg, "method %.40s not allowed here (allowed: %s)", method, allow);
		json_object_set_new(j, "error", json_string(msg));
		text = json_dumps(j, JSON_COMPACT);
		json_decref(j);
	}
	if (!text)
		return MHD_NO;
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	http_common_headers(resp);
	http_header(resp, "Content-Type", "application/json");
	http_header(resp, "Cache-Control", "no-store");
	http_header(resp, "Allow", allow);
	enum MHD_Result ret = http_queue(s, c, r, 405, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result http_api(struct http_impl *s, struct MHD_Connection *c, struct req *r, const char *method,
			 const char *path)
{
	bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	bool post = !strcmp(method, "POST");
	if (!get && !(post && r->route == R_API_ITEM))
		return method_not_allowed(s, c, r, method,
					  r->route == R_API_ITEM ? "GET, HEAD, POST" : "GET, HEAD");
	struct store *st = http_pool_get(s);
	struct api_token tok;
	enum MHD_Result ret;
	int a = http_auth(s, st, c, &tok);
	if (a != 0) {
		http_pool_put(s, st);
		if (a < 0)
			return http_json_error(s, c, r, 503, "database busy or failing; try again");
		return http_json_error(s, c, r, 401,
				       "an API token is required: Authorization: Bearer TOKEN "
				       "(tracker token create)");
	}
	if (r->route == R_API_ITEMS) {
		ret = list_items(s, c, r, st);
	} else if (r->route == R_API_INCIDENTS) {
		ret = incidents(s, c, r, st);
	} else {
		const char *ref = path + strlen("/api/v1/items/");
		int64_t id = http_find_item(st, ref);
		if (id < 0) {
			ret = http_json_error(s, c, r, store_unreachable(st) ? 503 : 500, "database error");
		} else if (id == 0) {
			ret = http_json_error(s, c, r, 404, "no item \"%.200s\" (write INC-…%%23KEY)", ref);
		} else if (post && tok.read_only) {
			ret = http_json_error(s, c, r, 403, "this token is read-only");
		} else if (post) {
			ret = change_item(s, c, r, st, &tok, id);
		} else {
			struct error err;
			error_init(&err);
			json_t *j = item_json(s, st, id, true, &err);
			ret =
			    j ? http_send_json(s, c, r, 200, j)
			      : http_json_error(s, c, r, store_unreachable(st) ? 503 : 500, "database error");
		}
	}
	apitoken_release(&tok);
	http_pool_put(s, st);
	return ret;
}
