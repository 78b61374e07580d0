/*
 * people — who the owners are: handle → name, e-mail, time zone, manager, Slack id.
 *
 * Owners without an entry still work everywhere; the entry is what reminders need (an address, a
 * time zone for "their morning", a manager to escalate to). people_unmapped() lists the owners the
 * reminders would miss.
 *
 * Validation (people_check): a handle is 1–64 bytes, no leading '@' (people_handle() strips one), no
 * white space, control characters or commas. An e-mail has exactly one '@' with text on both sides
 * and no white space, control characters or any of , ; < > " (it may end up in a mail header). A time
 * zone must be in libical's zone database (e.g. Europe/Berlin). The manager is a handle (it need not
 * exist yet). No field may hold CR, LF or NUL. An empty value means "not set" (SQL NULL).
 *
 * Writers (people_upsert, people_remove, people_import_csv) run inside the caller's transaction
 * (store_begin … store_commit). Strings in struct person are borrowed.
 */
#ifndef TRACKER_PEOPLE_H
#define TRACKER_PEOPLE_H

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
/* True if `tz` names a zone in libical's database. */
int people_tz_valid(const char *tz);

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

/* Imports CSV text (RFC 4180: commas, "quoted" fields with "" for a quote, CRLF or LF): a header row
 * naming any of handle, name, email, tz, manager, slack (any order, case-insensitive; handle is
 * required), then one person per row. Columns the header lacks keep their stored values. `name` is
 * the file name used in messages ("file:line: …"). Any bad row fails the whole import: the caller
 * rolls back. */
int people_import_csv(struct store *st, const char *name, const char *data, size_t len, int64_t now,
		      struct people_import_summary *sum, struct error *err);

/* Whether `handle` (one leading '@' ignored) is someone: a person in the table or the owner of any
 * item, open or not. Returns 1 if so, 0 if not, -1 on a database error. */
int people_known(struct store *st, const char *handle, struct error *err);

/* Owners of open items (not done/wont_do, not removed) with no people entry (`reason` "no entry") or
 * no e-mail ("no email"), by handle, with how many open items they own. */
typedef int (*unmapped_cb)(const char *handle, const char *reason, int open_items, void *ud);
int people_unmapped(struct store *st, unmapped_cb cb, void *ud, struct error *err);

#endif
