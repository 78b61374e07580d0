/*
 * people — who the owners are: handle → name, e-mail, time zone, manager, Slack id.
 *
 * Owners without an entry still work everywhere; the entry is what reminders need (an address, a
 * time zone for "their morning", a manager to escalate to). people_unmapped() lists the owners the
 * reminders would miss.
 *
 * Validation (people_check): a handle is 1–64 bytes, no leading '@' (people_handle() strips one), no
 * white space, control characters or commas. An e-mail must be one the mailer can deliver to
 * (mailaddr_check, the same rule notify/email.c applies). A time zone must be in libical's zone
 * database (e.g. Europe/Berlin). The manager is a handle; people_check_manager() says whether it is
 * in the table (the commands require it unless --allow-unknown-manager). No field may hold CR, LF or
 * NUL. An empty value means "not set" (SQL NULL).
 *
 * Writers (people_upsert, people_remove, people_import_csv) run inside the caller's transaction
 * (store_begin … store_commit). Strings in struct person are borrowed.
 */
#ifndef TRACKER_PEOPLE_H
#define TRACKER_PEOPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

struct person {
	const char *handle, *name, *email, *tz, *manager, *slack;
	const char *created_at, *updated_at; /* filled when read; ignored when written */
};

/* Bits of the fields a write sets; the others keep their stored value (NULL for a new person). */
enum person_field {
	PERSON_NAME = 1 << 0,
	PERSON_EMAIL = 1 << 1,
	PERSON_TZ = 1 << 2,
	PERSON_MANAGER = 1 << 3,
	PERSON_SLACK = 1 << 4,
};

/* `h` without one leading '@'. */
const char *people_handle(const char *h);
/* Validates the handle and the fields in `set`. Returns 0 or -1 (ERR_DATA, naming the field). */
int people_check(const struct person *p, unsigned set, struct error *err);

/* Creates or updates a person (validated first). `now` Unix seconds. */
int people_upsert(struct store *st, const struct person *p, unsigned set, int64_t now, struct error *err);
/* Removes a person; an unknown handle is an ERR_DATA error. */
int people_remove(struct store *st, const char *handle, struct error *err);

typedef int (*person_cb)(const struct person *p, void *ud);
/* Calls cb for every person, by handle; strings valid only during the call. */
int people_list(struct store *st, person_cb cb, void *ud, struct error *err);
/* Calls cb for one person; returns 1 (no call) if there is no such handle. */
int people_get(struct store *st, const char *handle, person_cb cb, void *ud, struct error *err);

struct people_import_summary {
	unsigned added, updated, unchanged;
};

struct people_import_opts {
	bool allow_unknown_manager; /* else a manager not in the table (nor in the file) is a bad row */
	/* Called with "file:line: message" for every bad row; NULL: err gets the only one. */
	void (*problem)(const char *msg, void *ud);
	void *ud;
};

/* Imports CSV text (RFC 4180: commas, "quoted" fields with "" for a quote, CRLF or LF): a header row
 * naming any of handle, name, email, tz, manager, slack (any order, case-insensitive; handle is
 * required), then one person per row. Columns the header lacks keep their stored values. `name` is
 * the file name used in messages ("file:line: …"). Every row is checked (people_check, duplicates,
 * field counts, then managers — one defined later in the file is fine) and every bad one reported
 * through opts->problem; any bad row returns -1 (ERR_DATA "file: N bad rows", or the one message
 * when there is no callback) and the caller rolls back. A CSV syntax error stops at once. `opts` may
 * be NULL. */
int people_import_csv(struct store *st, const char *name, const char *data, size_t len, int64_t now,
		      const struct people_import_opts *opts, struct people_import_summary *sum,
		      struct error *err);

/* Whether `handle` (one leading '@' ignored) is someone: a person in the table or the owner of any
 * item, open or not. Returns 1 if so, 0 if not, -1 on a database error. */
int people_known(struct store *st, const char *handle, struct error *err);

/* 0 when `manager` (one leading '@' ignored) is in the people table, else -1: ERR_DATA saying that
 * `handle`'s manager is nobody (escalations would go nowhere), or a database error. */
int people_check_manager(struct store *st, const char *handle, const char *manager, struct error *err);

/* What reminders would miss: first the owners of open items (not done/wont_do, not removed) with no
 * people entry (`reason` "no entry") or no e-mail ("no email"), by handle; then people whose stored
 * e-mail the mailer refuses ("unusable email: why", mailaddr_check) or whose manager is not in the
 * table ("manager X not in people"), by handle — each with how many open items they own. */
typedef int (*unmapped_cb)(const char *handle, const char *reason, int open_items, void *ud);
int people_unmapped(struct store *st, unmapped_cb cb, void *ud, struct error *err);

#endif
