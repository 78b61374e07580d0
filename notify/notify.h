/*
 * notify — delivery channels: reminder e-mail (libcurl SMTP), webhooks (libcurl HTTP, Slack or generic
 * JSON, signed after Standard Webhooks) and iCalendar feeds (libical).
 *
 * notify/ knows nothing of SQLite. Callers (the scheduler's dispatcher, `tracker ical`, `tracker notify
 * test`) fill the plain structs below from the store and hand them in; every string is borrowed for the
 * duration of the call and never kept.
 *
 * Three layers, each callable on its own:
 *
 *  1. Message builders — pure functions of their arguments that write bytes into a caller-owned
 *     struct buf: email_build(), webhook_build_body(), webhook_sign(), ical_render(). They never read
 *     the clock (times come in as arguments), so the same data gives the same bytes; unit tests compare
 *     them with fixtures.
 *  2. Result mapping — one function per transport turns a libcurl code plus the server's reply into the
 *     closed set OK / TEMPFAIL / PERMFAIL: email_map_result(), webhook_map_result(). The table is in
 *     docs/notify.md.
 *  3. Transports — a small vtable chosen by name ("smtp", "webhook", "capture"), in the manner of
 *     OpenSMTPD's scheduler_backend.c. A transport is opened once from the configuration, sends any
 *     number of digests (the smtp transport reuses one libcurl handle, so one connection, for the whole
 *     batch) and is closed.
 *
 * libcurl: the caller must have called curl_global_init(CURL_GLOBAL_DEFAULT) once (main does; tests do
 * it themselves). Secrets (SMTP password, webhook secret) are read from files or the environment when a
 * transport opens, kept only inside it, wiped on close and never put in an error message.
 *
 * Errors follow tracker/error.h: int-returning functions return 0 or -1 and fill the caller's struct
 * error. Delivery returns an enum notify_result and fills a struct notify_outcome.
 */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "error.h"

/* ---------------------------------------------------------------------------------------------------- */
/* Data in                                                                                               */

/* One action item as the channels see it. Strings may be NULL (shown as empty / left out) except
 * incident_id and key, which form the identity "INC-2026-03-14-042#3". Text may be any bytes: builders
 * sanitise it (invalid UTF-8 → U+FFFD, control characters dropped) or refuse it where it would become a
 * mail header. */
struct notify_item {
	const char *incident_id;    /* "INC-2026-03-14-042" */
	const char *key;            /* the ID cell: "3" */
	const char *action;         /* what was promised */
	const char *owner;          /* handle or name */
	const char *incident_title; /* may be NULL */
	const char *status;         /* "open" | "in_progress" | "blocked" | "done" | "wont_do" */
	int32_t due;                /* day number (tdate.h), DATE_NONE when there is none */
	int priority;               /* 0..3 for P0..P3, -1 (PRIORITY_NONE) when unknown */
	int days_late;              /* as of the digest's time; <= 0 when not late */
	int sequence;               /* change counter; the iCalendar SEQUENCE */
	int64_t updated_at;         /* Unix seconds of the last change: DTSTAMP and LAST-MODIFIED */
	int64_t closed_at;          /* Unix seconds it was closed, 0 if open (VTODO COMPLETED) */
	/* Signed, expiring one-time links (tracker/actionlink.h) to mark the item done or snooze it a
	 * week, made by the scheduler when [server] base_url is set; NULL when there are none. E-mails,
	 * Slack messages and generic webhooks show them; calendar feeds never do. */
	const char *done_url;
	const char *snooze_url;
	/* Why the item is in the digest: "overdue" | "due_soon" | "escalation". NULL: from the digest
	 * (an "escalation" digest's items are escalations), else days_late > 0 → overdue, else due soon.
	 * Counts in subjects and headers (notify_digest_counts()) and the "due soon" label come from it. */
	const char *kind;
	/* For a stand-in recipient, why they get this item, as a sentence to them: "you get this as
	 * approver of INC-…, because owner bob has no e-mail in tracker people", "you are bob's manager;
	 * this P0 is 5 days overdue". NULL when the owner is the recipient. Decided by the reminder policy.
	 */
	const char *why;
	/* The owner's Slack member id ("U024BE7LH") from people: Slack lines mention them as <@id>. Used
	 * only when it is a plain id (letters and digits); NULL otherwise. */
	const char *owner_slack;
};

/* One reminder for one recipient on one channel: what the outbox row holds. */
struct notify_digest {
	const char *idempotency_key; /* unique per reminder; Message-ID and webhook-id derive from it, so a
					retry carries the same id and receivers can drop duplicates */
	const char *recipient_addr;  /* e-mail address (smtp); ignored by webhooks */
	const char *recipient_name;  /* display name, may be NULL */
	const char *kind;            /* "overdue" | "due_soon" | "escalation" | "mixed"; a fallback only:
					the channels count the items' own kinds (notify_digest_kind()) */
	const struct notify_item *items;
	size_t nitems;
	int64_t now; /* the time the digest speaks of ("as of"), Unix seconds */
};

/* ---------------------------------------------------------------------------------------------------- */
/* Delivery outcome                                                                                      */

enum notify_result {
	NOTIFY_OK = 0,   /* delivered (accepted by the server) */
	NOTIFY_TEMPFAIL, /* try again later: 4xx, 408/429/5xx, timeouts, network errors */
	NOTIFY_PERMFAIL, /* will never work as is: 5xx SMTP, bad address, 4xx HTTP, 3xx redirects */
};

/* "ok", "tempfail", "permfail". */
const char *notify_result_name(enum notify_result r);

struct notify_outcome {
	enum notify_result result;
	long code;        /* SMTP reply or HTTP status, 0 when the server never answered */
	long retry_after; /* seconds the server asked us to wait (HTTP Retry-After), else 0 */
	struct error err; /* what went wrong, for last_error; empty on NOTIFY_OK */
};

/* ---------------------------------------------------------------------------------------------------- */
/* Transports                                                                                            */

struct notify_transport;

struct notify_options {
	const struct config *config; /* [smtp], [server] base_url, [webhook NAME] */
	const char *webhook;         /* "webhook": which [webhook NAME] to use */
	const char *capture_dir;     /* "capture": directory for the messages (NULL: count only) */
	/* Wall clock for the e-mail Date header and webhook-timestamp; NULL means time(). */
	int64_t (*clock)(void *ctx);
	void *clock_ctx;
};

struct notify_transport_ops {
	const char *name;
	/* Validates the configuration, reads secrets, sets up handles. On failure the transport is left
	 * closed; close() need not be called. */
	int (*open)(struct notify_transport *t, const struct notify_options *opt, struct error *err);
	/* Sends one digest; fills `out` and returns out->result. */
	enum notify_result (*send)(struct notify_transport *t, const struct notify_digest *d,
				   struct notify_outcome *out);
	/* Frees everything (wipes secrets). */
	void (*close)(struct notify_transport *t);
};

struct notify_transport {
	const struct notify_transport_ops *ops;
	struct notify_options opt;
	void *state;        /* the transport's own */
	unsigned long sent; /* digests delivered since open */
};

/* The ops for a name ("smtp", "webhook", "capture"), or NULL. */
const struct notify_transport_ops *notify_transport_find(const char *name);

/* Opens transport `name`. Returns 0, or -1 (unknown name, bad configuration, unreadable secret). */
int notify_open(struct notify_transport *t, const char *name, const struct notify_options *opt,
		struct error *err);
/* Sends one digest through an open transport. A digest with no items is refused as PERMFAIL. */
enum notify_result notify_send(struct notify_transport *t, const struct notify_digest *d,
			       struct notify_outcome *out);
/* Closes it; safe on a transport whose open failed or that was zero-initialised. */
void notify_close(struct notify_transport *t);

/* ---------------------------------------------------------------------------------------------------- */
/* Shared text helpers (notify/text.c)                                                                   */

/* Appends `s` with invalid UTF-8 replaced by U+FFFD and control characters removed (a newline is kept
 * when keep_newline). NULL appends nothing. */
int notify_text_clean(struct buf *out, const char *s, bool keep_newline);
/* Appends `s` cleaned as above and HTML-escaped (& < > " '). */
int notify_html_escape(struct buf *out, const char *s);
/* Appends "INC-…#key". */
int notify_item_id(struct buf *out, const struct notify_item *it);
/* Appends the item's web link "<base>/items/<incident>%23<key>" (percent-encoded); nothing if base is
 * NULL or empty. */
int notify_item_url(struct buf *out, const char *base_url, const struct notify_item *it);
/* Appends "<base>/incidents/<incident>"; nothing if base is NULL or empty. */
int notify_incident_url(struct buf *out, const char *base_url, const char *incident_id);
/* hex of SHA-256(s), truncated to `nhex` characters (<= 64); out must hold nhex + 1. */
void notify_sha256_hex(const char *s, size_t len, char *out, size_t nhex);
/* "P0".."P3", or "P?" */
const char *notify_priority_name(int priority);
/* Items of a digest by kind (notify_item_kind()). */
struct notify_counts {
	size_t overdue, due_soon, escalation;
};
/* The kind of item `it` of digest `d`: "overdue", "due_soon" or "escalation" (see notify_item.kind). */
const char *notify_item_kind(const struct notify_digest *d, const struct notify_item *it);
void notify_digest_counts(const struct notify_digest *d, struct notify_counts *c);
/* "overdue", "due_soon" or "escalation" when every item is of that kind, else "mixed": the value of
 * X-Tracker-Kind and of the generic webhook's "kind". */
const char *notify_digest_kind(const struct notify_digest *d);
/* The subject line without the "[tracker] " tag, from the items' kinds: "3 overdue action items
 * (2 P0)", "2 action items due soon (1 P1)", "Escalation: 1 overdue action item (1 P0)", and for a
 * mixed digest "2 overdue, 3 due soon (1 P0)" (escalations count as "N escalated"). The priority in
 * brackets is the count of the highest priority present. */
int notify_summary(struct buf *out, const struct notify_digest *d);
/* Whether `id` is a plain Slack member id (A-Z, a-z, 0-9, 2..32 characters) that <@id> may carry. */
bool notify_slack_id_ok(const char *id);
/* Reads the first line of a file (secret files): strips the trailing newline; refuses empty files and
 * files larger than 4 KiB. The caller frees *out (wipe it first). */
int notify_read_secret_file(const char *path, char **out, struct error *err);

/* ---------------------------------------------------------------------------------------------------- */
/* E-mail (notify/email.c, notify/smtp.c)                                                                */

struct email_params {
	const char *from;            /* "addr@example.org" or "Name <addr@example.org>" */
	const char *list_id;         /* List-Id value; NULL: "<reminders.tracker.DOMAIN-OF-FROM>" */
	const char *unsubscribe_url; /* List-Unsubscribe when set */
	const char *base_url;        /* links to items and incidents when set */
	int64_t date;                /* the Date header, Unix seconds */
};

/* Builds the complete message (headers, multipart/alternative text/plain + text/html, quoted-printable,
 * CRLF, lines <= 76 octets in bodies and <= 998 anywhere) for digest `d` into `out`.
 * Refuses (-1, ERR_DATA) a recipient address, name or any header text holding CR, LF or a control
 * character, an address that is not a plain addr-spec, and a digest without items.
 * The Message-ID is "<sha256(idempotency_key)[:32]@domain-of-from>", so retries keep it. */
int email_build(struct buf *out, const struct email_params *p, const struct notify_digest *d,
		struct error *err);
/* Appends `s` as a header value: as is when short printable ASCII, else as RFC 2047 encoded-words
 * (=?UTF-8?B?…?=) folded with CRLF SP so that no line passes 76 octets. `used` is the length of the
 * header line so far ("Subject: " = 9). Refuses CR, LF and other controls. */
int email_header_encode(struct buf *out, const char *s, size_t used, struct error *err);
/* Splits "[smtp] from" ("addr" or "Name <addr>") into display name and checked address. */
int email_split_from(const char *from, struct buf *name, struct buf *addr, struct error *err);
/* 0 when `addr` is a plain addr-spec (local@domain, printable ASCII, no spaces, no <>()",;:\ and no
 * control characters), else -1 with a message. */
int email_check_address(const char *addr, struct error *err);
/* Appends `len` bytes as quoted-printable with CRLF line ends (input LF or CRLF are hard breaks). */
int email_qp_encode(struct buf *out, const char *s, size_t len);
/* The one place SMTP results are classified: libcurl's code `cc` (a CURLcode) and the last SMTP reply
 * `smtp_code` (0 if none). Fills out->result, out->code and a message in out->err. */
enum notify_result email_map_result(int cc, long smtp_code, const char *curl_msg, struct notify_outcome *out);

/* ---------------------------------------------------------------------------------------------------- */
/* Webhooks (notify/webhook.c, notify/sign.c)                                                            */

enum webhook_format {
	WEBHOOK_GENERIC = 0, /* {"version":1,"type":"tracker.reminder",…,"items":[…]} */
	WEBHOOK_SLACK,       /* {"text":…,"blocks":[…]}, & < > escaped; Mattermost reads "text" */
};

/* "slack" → WEBHOOK_SLACK, "generic" or NULL → WEBHOOK_GENERIC; -1 if unknown. */
int webhook_format_from_name(const char *name);
/* Writes the JSON body (compact, keys in a fixed order) for `d`. `msg_id` goes into the generic body's
 * "id"; base_url adds links. */
int webhook_build_body(struct buf *out, enum webhook_format fmt, const struct notify_digest *d,
		       const char *msg_id, const char *base_url, struct error *err);
/* Appends Slack's escaping of `s` (& → &amp;, < → &lt;, > → &gt;) after cleaning it. */
int webhook_slack_escape(struct buf *out, const char *s);
/* "msg_" + 32 hex characters of SHA-256(idempotency key): out holds 37 bytes. */
void webhook_msg_id(const char *idempotency_key, char out[static 37]);
/* Standard Webhooks signature: "v1," + base64(HMAC-SHA256(key, msg_id "." timestamp "." body)).
 * The key is the base64-decoded part after "whsec_" when the secret has that prefix, else the secret's
 * bytes. `out` receives a NUL-terminated string (needs 48 bytes). */
int webhook_sign(const char *secret, const char *msg_id, int64_t timestamp, const char *body, size_t len,
		 char *out, size_t outsz, struct error *err);
/* The one place HTTP results are classified: 2xx OK; 408, 429, 5xx and network errors TEMPFAIL (with
 * out->retry_after from Retry-After for 429/503); 3xx (never followed) and other 4xx PERMFAIL. */
enum notify_result webhook_map_result(int cc, long http_status, long retry_after, const char *curl_msg,
				      struct notify_outcome *out);

/* ---------------------------------------------------------------------------------------------------- */
/* iCalendar (notify/ical.c)                                                                             */

enum ical_flavour {
	ICAL_EVENTS = 0, /* VEVENT: one all-day event on the due date per open item with one */
	ICAL_TODOS,      /* VTODO: every item, DUE;VALUE=DATE, STATUS and PERCENT-COMPLETE */
};

struct ical_feed {
	const char *name; /* NAME and X-WR-CALNAME */
	enum ical_flavour flavour;
	const char *base_url; /* links in DESCRIPTION and URL when set */
	const struct notify_item *items;
	size_t nitems;
};

/* "events" or NULL → ICAL_EVENTS, "todo" → ICAL_TODOS; -1 if unknown. */
int ical_flavour_from_name(const char *name);
/* Renders the whole VCALENDAR into `out`: CRLF line ends, lines folded at <= 75 octets on UTF-8
 * boundaries, components sorted by (incident, key). Deterministic: no clock is read; DTSTAMP and
 * LAST-MODIFIED come from each item's updated_at, SEQUENCE from its sequence. UIDs are
 * sha256("incident#key")[:32] + "@tracker" (events) and sha256("todo:incident#key")[:32] + "@tracker"
 * (todos): stable across re-imports and edits. */
int ical_render(struct buf *out, const struct ical_feed *feed, struct error *err);
/* The UID for an item in a flavour; out holds 41 bytes. */
void ical_uid(const struct notify_item *it, enum ical_flavour fl, char out[static 41]);

#endif
