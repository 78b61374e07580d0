/*
 * actionlink.c — HMAC-signed action links and the server secret (see actionlink.h).
 */
#include "actionlink.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "readfile.h"
#include "db.h"
#include "sha256.h"
#include "tokens.h"
#include "banned.h"

char *action_secret_path(const char *configured, const char *db_path)
{
	if (configured && *configured)
		return strdup(configured);
	struct buf b;
	buf_init(&b, 8192);
	if (db_is_postgresql(db_path)) {
		/* No file beside a PostgreSQL database: the user's config directory. Several instances
		 * sharing one database must share one secret: [server] secret_file (docs/postgresql.md). */
		const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
		if (xdg && *xdg)
			buf_adds(&b, xdg);
		else {
			buf_adds(&b, home && *home ? home : ".");
			buf_adds(&b, "/.config");
		}
		if (buf_adds(&b, "/tracker/server.secret") < 0) {
			buf_release(&b);
			return NULL;
		}
		return buf_detach(&b);
	}
	const char *slash = db_path ? strrchr(db_path, '/') : NULL;
	if (slash)
		buf_add(&b, db_path, (size_t)(slash - db_path + 1));
	if (buf_adds(&b, "server.secret") < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static int create_secret(const char *path, struct error *err)
{
	unsigned char raw[32];
	char text[66];
	if (RAND_bytes(raw, sizeof raw) != 1)
		return error_set(err, ERR_IO, "cannot get random bytes for the server secret");
	hex_lower(raw, sizeof raw, text);
	text[64] = '\n';
	text[65] = '\0';
	OPENSSL_cleanse(raw, sizeof raw);
	/* Its directory (0700) when missing: the default beside a PostgreSQL store is ~/.config/tracker. */
	char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) < 0 && errno == ENOENT) {
			char *up = strrchr(dir, '/');
			if (up && up != dir) {
				*up = '\0';
				mkdir(dir, 0700);
				*up = '/';
			}
			mkdir(dir, 0700);
		}
	}
	free(dir);
	/* Written whole under a temporary name, then linked into place: several instances starting at
	 * once each make one, the first link wins, and no one ever reads a file still being written
	 * (creating it in place let another instance read it empty and refuse to start). */
	struct atomic_file af = {0};
	int rc = atomic_file_write(&af, path, "secret", text, 65, NULL, err);
	OPENSSL_cleanse(text, sizeof text);
	if (rc == 0 && atomic_file_create(&af, err) < 0)
		rc = -1; /* (1: someone else made it first: theirs is read) */
	atomic_file_release(&af);
	if (rc < 0)
		error_prefix(err, "the server secret");
	return rc < 0 ? -1 : 0;
}

int action_secret_load(const char *path, struct action_secret *s, struct error *err)
{
	memset(s, 0, sizeof *s);
	if (access(path, F_OK) != 0 && create_secret(path, err) < 0)
		return -1;
	struct buf buf;
	buf_init(&buf, 4096);
	if (read_file_capped(path, 4096, &buf, NULL, err) < 0) {
		err->kind = ERR_CONFIG;
		error_prefix(err, "the server secret");
		return -1;
	}
	char text[ACTION_SECRET_MAX + 2];
	size_t n = buf.len < sizeof text ? buf.len : sizeof text;
	memcpy(text, buf_cstr(&buf), n);
	if (buf.data)
		OPENSSL_cleanse(buf.data, buf.len);
	buf_release(&buf);
	size_t len = 0;
	while (len < n && text[len] != '\n' && text[len] != '\r')
		len++;
	int rc = 0;
	if (len < 32 || len > ACTION_SECRET_MAX)
		rc = error_set(err, ERR_CONFIG,
			       "%s: the server secret must be one line of 32 to %d bytes (delete the file to "
			       "have a new one made)",
			       path, ACTION_SECRET_MAX);
	else {
		memcpy(s->key, text, len);
		s->len = len;
	}
	OPENSSL_cleanse(text, sizeof text);
	return rc;
}

void action_secret_wipe(struct action_secret *s)
{
	OPENSSL_cleanse(s->key, sizeof s->key);
	s->len = 0;
}

bool action_known(const char *action)
{
	return !strcmp(action, "done") || !strcmp(action, "snooze");
}

void action_sign(const struct action_secret *s, const char *action, const char *item_ref, int64_t expiry,
		 const char *nonce, char out[static ACTION_SIG_CHARS + 1])
{
	struct buf msg;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	buf_init(&msg, 8192);
	buf_printf(&msg, "tracker-act-v1\n%s\n%s\n%" PRId64 "\n%s", action, item_ref, expiry, nonce);
	HMAC(EVP_sha256(), s->key, (int)s->len, (const unsigned char *)buf_cstr(&msg), msg.len, md, &mdlen);
	token_base64url(md, 32, out);
	buf_release(&msg);
}

void action_secret_mac(const struct action_secret *s, const char *purpose, const char *data,
		       char out[static ACTION_SIG_CHARS + 1])
{
	struct buf msg;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	buf_init(&msg, 8192);
	buf_printf(&msg, "tracker-%s-v1\n%s", purpose, data);
	HMAC(EVP_sha256(), s->key, (int)s->len, (const unsigned char *)buf_cstr(&msg), msg.len, md, &mdlen);
	token_base64url(md, 32, out);
	buf_release(&msg);
}

static int pct_encode(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		    c == '.' || c == '_' || c == '~') {
			if (buf_addc(out, (char)c) < 0)
				return -1;
		} else if (buf_addc(out, '%') < 0 || buf_addc(out, hex[c >> 4]) < 0 ||
			   buf_addc(out, hex[c & 15]) < 0) {
			return -1;
		}
	}
	return 0;
}

int action_link_make(const struct action_secret *s, const char *base_url, const char *action,
		     const char *item_ref, int64_t expiry, struct buf *out, struct error *err)
{
	unsigned char raw[16];
	char nonce[ACTION_NONCE_CHARS + 2], sig[ACTION_SIG_CHARS + 1];
	if (!action_known(action))
		return error_set(err, ERR_USAGE, "unknown action \"%s\" (done or snooze)", action);
	if (RAND_bytes(raw, sizeof raw) != 1)
		return error_set(err, ERR_IO, "cannot get random bytes for a link nonce");
	token_base64url(raw, sizeof raw, nonce);
	action_sign(s, action, item_ref, expiry, nonce, sig);
	size_t blen = base_url ? strlen(base_url) : 0;
	while (blen && base_url[blen - 1] == '/')
		blen--;
	if ((blen && buf_add(out, base_url, blen) < 0) || buf_printf(out, "/act/%s/", action) < 0 ||
	    pct_encode(out, item_ref) < 0 || buf_printf(out, "/%" PRId64 "/%s/%s", expiry, nonce, sig) < 0)
		return error_set(err, ERR_IO, "action link too long");
	return 0;
}

int action_link_verify(const struct action_secret *s, const char *action, const char *item_ref,
		       const char *expiry_text, const char *nonce, const char *sig, int64_t now,
		       int64_t *expiry, struct error *err)
{
	char want[ACTION_SIG_CHARS + 1];
	char *end;
	errno = 0;
	long long e = strtoll(expiry_text, &end, 10);
	if (errno || end == expiry_text || *end || e <= 0)
		return error_set(err, ERR_DATA, "bad link");
	if (!action_known(action) || strlen(nonce) != ACTION_NONCE_CHARS || strlen(sig) != ACTION_SIG_CHARS)
		return error_set(err, ERR_DATA, "bad link");
	action_sign(s, action, item_ref, (int64_t)e, nonce, want);
	if (CRYPTO_memcmp(want, sig, ACTION_SIG_CHARS) != 0)
		return error_set(err, ERR_DATA, "bad signature");
	if ((int64_t)e < now)
		return error_set(err, ERR_DATA, "expired");
	*expiry = (int64_t)e;
	return 0;
}
