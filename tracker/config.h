/*
 * config — the INI configuration (libinih), every key the program knows.
 *
 * Lookup: an explicit path (--config) must exist; otherwise $XDG_CONFIG_HOME/tracker/config.ini
 * (default ~/.config/tracker/config.ini), else /etc/tracker/config.ini, and a missing default file is
 * fine. An unknown section or key, or a value of the wrong type, is an error naming file, line and key.
 * contrib/config.example.ini documents every key; keep the two in step (a test compares them).
 *
 * Values are kept as the strings written (NULL when absent) except those with a fixed simple type;
 * modules that own a section (the scheduler for [reminders], say) parse and validate their own values
 * and report errors naming the key. The struct owns every string; config_release() frees them.
 */
#ifndef TRACKER_CONFIG_H
#define TRACKER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct source_cfg; /* sync/source.h */

struct webhook_config {
	char *name;
	char *url;
	char *format; /* slack | generic */
	char *secret;
	char *secret_file;
	long timeout;
	bool allow_http;
	char *ca_file;
	char *priorities;
	char *owners;
	char *incidents;
};

struct config {
	char *path; /* the file read, or NULL when none */

	/* [store] */
	char *store_path;
	char *store_url;           /* a PostgreSQL URL or libpq key=value string (wins over path) */
	char *store_password_file; /* a libpq password file (PGPASSFILE) for the PostgreSQL store */
	long busy_timeout_ms;

	/* [import] */
	long import_max_size;
	char *import_date_order;      /* auto | dmy | mdy */
	char *import_id_pattern;      /* POSIX ERE an incident id must match; checked when loaded */
	bool import_require_id;       /* a document without a written id is rejected */
	char *import_action_headings; /* more action-section headings, comma-separated (sections.h) */

	/* [user] */
	char *user_handle;

	/* [smtp] */
	char *smtp_url;
	char *smtp_from;
	char *smtp_starttls; /* required | off */
	char *smtp_username;
	char *smtp_password_file;
	char *smtp_password_env;
	long smtp_timeout;
	bool smtp_verify_tls;
	char *smtp_ca_file; /* PEM bundle to verify the server with instead of the system's */
	char *smtp_list_id;
	char *smtp_unsubscribe_url;

	/* [server] */
	char *server_listen;
	char *server_base_url;
	long server_max_connections;
	long server_connection_timeout;
	long server_max_connections_per_ip;
	long server_busy_timeout_ms;
	long server_max_request_size;
	char *server_dashboard; /* token | open */
	char *server_secret_file;
	char *
	    server_instance; /* this service instance's name (lease owner, /metrics); NULL: host:pid:random */

	/* [reminders] — parsed by the scheduler */
	char *rem_priorities;
	char *rem_repeat;
	char *rem_due_soon;
	char *rem_escalate_after;
	char *rem_escalation_to;
	char *rem_send_at;
	char *rem_business_days;
	char *rem_timezone;
	char *rem_fallback_to;
	long rem_max_attempts;
	char *rem_backoff_base;
	char *rem_backoff_max;
	char *rem_lease;
	long rem_claim_batch;

	struct webhook_config *webhooks;
	size_t nwebhooks;

	/* [sync] and the [source NAME] sections (issue 13: tracker/sync/source.h, docs/sync.md) */
	char *sync_dir; /* where the sources' mirrors live; NULL: $XDG_DATA_HOME/tracker/sources */
	struct source_cfg *sources;
	size_t nsources;
};

/* Sets every key to its default. */
void config_init(struct config *c);
void config_release(struct config *c);
/* Loads `explicit_path` (must exist) or the default locations. */
int config_load(struct config *c, const char *explicit_path, struct error *err);
/* Parses INI text (for tests); `name` is used in messages. */
int config_load_string(struct config *c, const char *text, const char *name, struct error *err);
const struct webhook_config *config_webhook(const struct config *c, const char *name);
/* The [source NAME] section, or NULL. */
const struct source_cfg *config_source(const struct config *c, const char *name);

/* Each known "section.key" in order, NULL-terminated (webhook keys as "webhook.key", source keys as
 * "source.key"); for docs tests. */
extern const char *const config_known_keys[];

#endif
