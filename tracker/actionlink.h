/*
 * actionlink — signed, expiring, one-time links that let a reminder's reader act on an item without
 * logging in: /act/<action>/<item>/<expiry>/<nonce>/<sig>.
 *
 *   action  "done" (mark the item done) or "snooze" (snooze it for a week)
 *   item    "INC-…#KEY", percent-encoded (the # is %23)
 *   expiry  Unix seconds after which the link is refused
 *   nonce   16 random bytes, base64url; the server records it when the link is used, so a link works once
 *   sig     base64url(HMAC-SHA256(secret, "tracker-act-v1\n" action "\n" item "\n" expiry "\n" nonce))
 *
 * Following a link (GET) only shows a confirmation page; its button POSTs to the same URL, which
 * checks the signature (CRYPTO_memcmp), the expiry and the nonce again before changing anything.
 *
 * The secret: [server] secret_file, else "server.secret" next to the database. If the file does not
 * exist it is created (mode 0600, O_EXCL) holding 64 random hex characters. Its first line is the key;
 * it must be at least 32 bytes. Replacing the file invalidates every link already sent.
 *
 * Reminder e-mails and Slack messages call action_link_make() to carry links (wired in by the
 * scheduler; the expiry is the caller's choice, e.g. 14 days).
 */
#ifndef TRACKER_ACTIONLINK_H
#define TRACKER_ACTIONLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

#define ACTION_SECRET_MAX 512
#define ACTION_SIG_CHARS 43   /* base64url of 32 bytes */
#define ACTION_NONCE_CHARS 22 /* base64url of 16 bytes */

struct action_secret {
	unsigned char key[ACTION_SECRET_MAX];
	size_t len;
};

/* The secret file's path: `configured` if set, else "<directory of db_path>/server.secret". Caller frees. */
char *action_secret_path(const char *configured, const char *db_path);
/* Reads the secret, creating the file (0600) when it does not exist. */
int action_secret_load(const char *path, struct action_secret *s, struct error *err);
/* Wipes the key. */
void action_secret_wipe(struct action_secret *s);

/* True for "done" and "snooze". */
bool action_known(const char *action);

/* The signature of a link's parts, base64url (ACTION_SIG_CHARS + 1 bytes). */
void action_sign(const struct action_secret *s, const char *action, const char *item_ref, int64_t expiry,
		 const char *nonce, char out[static ACTION_SIG_CHARS + 1]);

/* A keyed MAC under the same secret for another purpose (the dashboard's CSRF form tokens):
 * base64url(HMAC-SHA256(secret, "tracker-" purpose "-v1\n" data)). `purpose` keeps the uses apart, so a
 * MAC made for one can never pass as another or as a link signature. */
void action_secret_mac(const struct action_secret *s, const char *purpose, const char *data,
		       char out[static ACTION_SIG_CHARS + 1]);

/* Appends "<base_url>/act/<action>/<item%23key>/<expiry>/<nonce>/<sig>" (base_url without a trailing
 * slash; NULL or "" gives a path). A fresh nonce is drawn for each link. */
int action_link_make(const struct action_secret *s, const char *base_url, const char *action,
		     const char *item_ref, int64_t expiry, struct buf *out, struct error *err);

/* Checks a link's parts at time `now`: 0 when the signature matches and the link has not expired;
 * -1 with a message ("bad signature", "expired") otherwise. The nonce is the caller's to consume
 * (action_nonce_consume). */
int action_link_verify(const struct action_secret *s, const char *action, const char *item_ref,
		       const char *expiry_text, const char *nonce, const char *sig, int64_t now,
		       int64_t *expiry, struct error *err);

/* The one-time rule (a link works once) is the tokens store's: action_nonce_used() and
 * action_nonce_consume() in tokens.h. */

#endif
