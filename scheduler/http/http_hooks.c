/*
 * http_hooks.c — POST /hooks/git/<source>: a git host's push delivery (GitHub, GitLab, Gitea/Forgejo).
 *
 * In order, each step answering at once when it fails:
 *   404  no [source NAME] of that name (or it has no webhook_secret_file: deliveries cannot be checked)
 *   405  not a POST
 *   401  no signature header, or a wrong one (hooksig.h). The body says only "signature missing or
 *        wrong"; the reason goes to the log.
 *   400  signed, but no delivery id header, or a body that is not a push's JSON (the body says which)
 *   409  the delivery id was seen before for this source (deliveries.h): a replay,
 * refused 200  {"status":"ignored","reason":…}: a ping or another event, a push to another branch or a tag,
 *        the deletion of the branch — nothing to sync
 *   202  {"status":"accepted",…}: a push to the source's branch; the sync runs on the sync worker
 *        (syncsvc.h), never in this request
 *   503  the database was busy recording the delivery (Retry-After): nothing was recorded, the sender
 *        may deliver again
 * The delivery is recorded (replay refusal) before it is answered 200 or 202, so an ignored delivery
 * replayed is refused too. No SQL here: the store's deliveries module does it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hooksig.h"
#include "deliveries.h"
#include "http_internal.h"
#include "syncsvc.h"
#include "banned.h"

static const char *mhd_header(void *ctx, const char *name)
{
	return MHD_lookup_connection_value(ctx, MHD_HEADER_KIND, name);
}

static enum MHD_Result ignored(struct http_impl *s, struct MHD_Connection *c, struct req *q, const char *name,
			       const char *reason)
{
	syncsvc_count_delivery(s->sync, name, SYNC_DELIVERY_IGNORED);
	return http_send_json(
	    s, c, q, 200,
	    json_pack("{s:s, s:s, s:s}", "status", "ignored", "source", name, "reason", reason));
}

enum MHD_Result http_hooks(struct http_impl *s, struct MHD_Connection *c, struct req *q, const char *method,
			   const char *name)
{
	char branch[256];
	unsigned char *secret = NULL;
	size_t secret_len = 0;
	enum MHD_Result ret;
	int found = strchr(name, '/') ? 1 : syncsvc_source(s->sync, name, branch, &secret, &secret_len);
	if (found < 0)
		return http_json_error(s, c, q, 500, "out of memory");
	if (found > 0 || !secret) {
		hook_secret_free(secret, secret_len);
		return http_not_found(s, c, q);
	}
	if (strcmp(method, "POST")) {
		hook_secret_free(secret, secret_len);
		return http_method_not_allowed(s, c, q, "POST");
	}
	struct hook_delivery d;
	char why[300];
	const char *body = q->body.data ? q->body.data : "";
	enum hook_auth auth =
	    hook_verify(mhd_header, c, body, q->body.len, secret, secret_len, &d, why, sizeof why);
	hook_secret_free(secret, secret_len);
	if (auth != HOOK_AUTH_OK) {
		syncsvc_count_delivery(s->sync, name,
				       auth == HOOK_UNSIGNED ? SYNC_DELIVERY_UNSIGNED
							     : SYNC_DELIVERY_BAD_SIGNATURE);
		http_logf(s, "hooks %s: delivery refused: %s", name, why);
		return http_json_error(s, c, q, 401, "signature missing or wrong");
	}
	if (!d.id[0]) {
		syncsvc_count_delivery(s->sync, name, SYNC_DELIVERY_BAD_REQUEST);
		return http_json_error(
		    s, c, q, 400, "no delivery id: a %s delivery carries it in %s (needed to refuse replays)",
		    hook_provider_name(d.provider),
		    d.provider == HOOK_GITHUB   ? "X-GitHub-Delivery"
		    : d.provider == HOOK_GITLAB ? "X-Gitlab-Event-UUID"
						: "X-Gitea-Delivery");
	}
	struct error err;
	error_init(&err);
	if (hook_parse_push(body, q->body.len, &d, &err) < 0) {
		syncsvc_count_delivery(s->sync, name, SYNC_DELIVERY_BAD_REQUEST);
		return http_json_error(s, c, q, 400, "%s delivery %s: %s", hook_provider_name(d.provider),
				       d.id, err.msg);
	}

	struct store *st = http_pool_get(s);
	bool fresh = false;
	int rc = delivery_record(st, name, d.id, hook_provider_name(d.provider), http_now(s), &fresh, &err);
	http_pool_put(s, st);
	if (rc < 0) {
		http_logf(s, "hooks %s: recording delivery %s: %s", name, d.id, err.msg);
		return http_json_error(s, c, q, 503, "database busy or failing; deliver again");
	}
	if (!fresh) {
		syncsvc_count_delivery(s->sync, name, SYNC_DELIVERY_REPLAY);
		http_logf(s, "hooks %s: delivery %s refused: already received (a replay)", name, d.id);
		return http_json_error(s, c, q, 409, "delivery %s was already received", d.id);
	}

	char reason[600];
	if (!d.is_push) {
		snprintf(reason, sizeof reason, "not a push event (%s)",
			 d.event[0] ? d.event : "no event header");
		return ignored(s, c, q, name, reason);
	}
	if (!hook_ref_is_branch(&d, branch)) {
		snprintf(reason, sizeof reason, "a push to %s; this source follows refs/heads/%s", d.ref,
			 branch);
		return ignored(s, c, q, name, reason);
	}
	if (d.deleted)
		return ignored(s, c, q, name, "the push deleted the branch");
	syncsvc_count_delivery(s->sync, name, SYNC_DELIVERY_ACCEPTED);
	syncsvc_request(s->sync, name, d.after);
	http_logf(s, "hooks %s: %s delivery %s: push of %s to %s, sync queued", name,
		  hook_provider_name(d.provider), d.id, d.after[0] ? d.after : "?", d.ref);
	ret = http_send_json(s, c, q, 202,
			     json_pack("{s:s, s:s, s:s, s:s}", "status", "accepted", "source", name,
				       "delivery", d.id, "commit", d.after));
	return ret;
}
