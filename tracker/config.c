/*
 * config.c — table-driven INI loading with libinih.
 *
 * One table lists every key: section, name, type and where it lands in struct config. The inih
 * handler looks the key up; an unknown key makes the handler fail, and ini_parse() then reports that
 * line, which we turn into "file:line: unknown key [section] key".
 */
#include "config.h"
#include "readfile.h"

#include <errno.h>
#include <ini.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "source.h"
#include "suggest.h"
#include "banned.h"

enum ctype { C_STR, C_LONG, C_BOOL };

struct key {
	const char *section;
	const char *name;
	enum ctype type;
	size_t off;
};

#define K(sec, name, type, field)                                                                            \
	{                                                                                                    \
		sec, name, type, offsetof(struct config, field)                                              \
	}
static const struct key keys[] = {
    K("store", "path", C_STR, store_path),
    K("store", "url", C_STR, store_url),
    K("store", "password_file", C_STR, store_password_file),
    K("store", "busy_timeout_ms", C_LONG, busy_timeout_ms),
    K("import", "max_size", C_LONG, import_max_size),
    K("import", "date_order", C_STR, import_date_order),
    K("import", "id_pattern", C_STR, import_id_pattern),
    K("import", "require_id", C_BOOL, import_require_id),
    K("import", "action_headings", C_STR, import_action_headings),
    K("user", "handle", C_STR, user_handle),
    K("smtp", "url", C_STR, smtp_url),
    K("smtp", "from", C_STR, smtp_from),
    K("smtp", "starttls", C_STR, smtp_starttls),
    K("smtp", "username", C_STR, smtp_username),
    K("smtp", "password_file", C_STR, smtp_password_file),
    K("smtp", "password_env", C_STR, smtp_password_env),
    K("smtp", "timeout", C_LONG, smtp_timeout),
    K("smtp", "verify_tls", C_BOOL, smtp_verify_tls),
    K("smtp", "ca_file", C_STR, smtp_ca_file),
    K("smtp", "list_id", C_STR, smtp_list_id),
    K("smtp", "unsubscribe_url", C_STR, smtp_unsubscribe_url),
    K("server", "listen", C_STR, server_listen),
    K("server", "base_url", C_STR, server_base_url),
    K("server", "max_connections", C_LONG, server_max_connections),
    K("server", "connection_timeout", C_LONG, server_connection_timeout),
    K("server", "max_connections_per_ip", C_LONG, server_max_connections_per_ip),
    K("server", "busy_timeout_ms", C_LONG, server_busy_timeout_ms),
    K("server", "max_request_size", C_LONG, server_max_request_size),
    K("server", "dashboard", C_STR, server_dashboard),
    K("server", "secret_file", C_STR, server_secret_file),
    K("server", "instance", C_STR, server_instance),
    K("reminders", "priorities", C_STR, rem_priorities),
    K("reminders", "repeat", C_STR, rem_repeat),
    K("reminders", "due_soon", C_STR, rem_due_soon),
    K("reminders", "escalate_after", C_STR, rem_escalate_after),
    K("reminders", "escalation_to", C_STR, rem_escalation_to),
    K("reminders", "send_at", C_STR, rem_send_at),
    K("reminders", "business_days", C_STR, rem_business_days),
    K("reminders", "timezone", C_STR, rem_timezone),
    K("reminders", "fallback_to", C_STR, rem_fallback_to),
    K("reminders", "max_attempts", C_LONG, rem_max_attempts),
    K("reminders", "backoff_base", C_STR, rem_backoff_base),
    K("reminders", "backoff_max", C_STR, rem_backoff_max),
    K("reminders", "lease", C_STR, rem_lease),
    K("reminders", "claim_batch", C_LONG, rem_claim_batch),
    K("sync", "dir", C_STR, sync_dir),
};
#undef K

#define W(name, type, field)                                                                                 \
	{                                                                                                    \
		"webhook", name, type, offsetof(struct webhook_config, field)                                \
	}
static const struct key webhook_keys[] = {
    W("url", C_STR, url),          W("format", C_STR, format),
    W("secret", C_STR, secret),    W("secret_file", C_STR, secret_file),
    W("timeout", C_LONG, timeout), W("allow_http", C_BOOL, allow_http),
    W("ca_file", C_STR, ca_file),  W("priorities", C_STR, priorities),
    W("owners", C_STR, owners),    W("incidents", C_STR, incidents),
};
#undef W

const char *const config_known_keys[] = {"store.path",
					 "store.busy_timeout_ms",
					 "import.max_size",
					 "import.date_order",
					 "import.id_pattern",
					 "import.require_id",
					 "import.action_headings",
					 "user.handle",
					 "smtp.url",
					 "smtp.from",
					 "smtp.starttls",
					 "smtp.username",
					 "smtp.password_file",
					 "smtp.password_env",
					 "smtp.timeout",
					 "smtp.verify_tls",
					 "smtp.ca_file",
					 "smtp.list_id",
					 "smtp.unsubscribe_url",
					 "server.listen",
					 "server.base_url",
					 "server.max_connections",
					 "server.connection_timeout",
					 "server.max_connections_per_ip",
					 "server.busy_timeout_ms",
					 "server.max_request_size",
					 "server.dashboard",
					 "server.secret_file",
					 "server.instance",
					 "reminders.priorities",
					 "reminders.repeat",
					 "reminders.due_soon",
					 "reminders.escalate_after",
					 "reminders.escalation_to",
					 "reminders.send_at",
					 "reminders.business_days",
					 "reminders.timezone",
					 "reminders.fallback_to",
					 "reminders.max_attempts",
					 "reminders.backoff_base",
					 "reminders.backoff_max",
					 "reminders.lease",
					 "reminders.claim_batch",
					 "webhook.url",
					 "webhook.format",
					 "webhook.secret",
					 "webhook.secret_file",
					 "webhook.timeout",
					 "webhook.allow_http",
					 "webhook.ca_file",
					 "webhook.priorities",
					 "webhook.owners",
					 "webhook.incidents",
					 "sync.dir",
					 "source.repo",
					 "source.branch",
					 "source.paths",
					 "source.username",
					 "source.token_file",
					 "source.ssh_key",
					 "source.interval",
					 "source.webhook_secret_file",
					 "source.writeback",
					 "source.commit_author",
					 NULL};

void config_init(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->busy_timeout_ms = 5000;
	c->import_max_size = 4L << 20;
	c->smtp_timeout = 30;
	c->smtp_verify_tls = true;
	c->server_max_connections = 1024;
	c->server_max_connections_per_ip = 256;
	c->server_busy_timeout_ms = 100;
	c->server_connection_timeout = 30;
	c->server_max_request_size = 64 * 1024;
	c->rem_max_attempts = 8;
	c->rem_claim_batch = 32;
}

static void free_strings(void *base, const struct key *tab, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (tab[i].type == C_STR) {
			char **p = (char **)((char *)base + tab[i].off);
			free(*p);
			*p = NULL;
		}
	}
}

void config_release(struct config *c)
{
	free_strings(c, keys, sizeof keys / sizeof keys[0]);
	for (size_t i = 0; i < c->nwebhooks; i++) {
		free_strings(&c->webhooks[i], webhook_keys, sizeof webhook_keys / sizeof webhook_keys[0]);
		free(c->webhooks[i].name);
	}
	free(c->webhooks);
	for (size_t i = 0; i < c->nsources; i++)
		source_release(&c->sources[i]);
	free(c->sources);
	c->sources = NULL;
	c->nsources = 0;
	free(c->path);
	c->webhooks = NULL;
	c->nwebhooks = 0;
	c->path = NULL;
}

#define CONFIG_MAX_BYTES ((size_t)1 << 20)

struct load_state {
	struct config *c;
	char problem[512];
};

static int set_value(void *base, const struct key *k, const char *value, char *problem, size_t plen)
{
	void *dst = (char *)base + k->off;
	switch (k->type) {
	case C_STR: {
		char **p = dst;
		char *v = strdup(value);
		if (!v)
			return snprintf(problem, plen, "out of memory"), -1;
		free(*p);
		*p = v;
		return 0;
	}
	case C_LONG: {
		char *end;
		errno = 0;
		long v = strtol(value, &end, 10);
		if (errno || end == value || *end != '\0' || v < 0) {
			snprintf(problem, plen, "[%s] %s: expected a non-negative whole number, got \"%s\"",
				 k->section, k->name, value);
			return -1;
		}
		*(long *)dst = v;
		return 0;
	}
	case C_BOOL:
		if (!strcasecmp(value, "true") || !strcasecmp(value, "yes") || !strcasecmp(value, "on") ||
		    !strcmp(value, "1"))
			*(bool *)dst = true;
		else if (!strcasecmp(value, "false") || !strcasecmp(value, "no") ||
			 !strcasecmp(value, "off") || !strcmp(value, "0"))
			*(bool *)dst = false;
		else {
			snprintf(problem, plen, "[%s] %s: expected true or false, got \"%s\"", k->section,
				 k->name, value);
			return -1;
		}
		return 0;
	}
	return -1;
}

/* A regular expression key is compiled once here, so a bad one is reported with its line. */
static int check_pattern(const struct key *k, const char *value, char *problem, size_t plen)
{
	if (strcmp(k->section, "import") || strcmp(k->name, "id_pattern") || !*value)
		return 0;
	regex_t re;
	int rc = regcomp(&re, value, REG_EXTENDED | REG_NOSUB);
	if (rc == 0) {
		regfree(&re);
		return 0;
	}
	char msg[200];
	regerror(rc, &re, msg, sizeof msg);
	snprintf(problem, plen,
		 "[import] id_pattern \"%s\" is not a valid POSIX extended regular expression: %s", value,
		 msg);
	return -1;
}

static struct webhook_config *webhook_get(struct config *c, const char *name)
{
	for (size_t i = 0; i < c->nwebhooks; i++)
		if (!strcmp(c->webhooks[i].name, name))
			return &c->webhooks[i];
	struct webhook_config *w = realloc(c->webhooks, (c->nwebhooks + 1) * sizeof *w);
	if (!w)
		return NULL;
	c->webhooks = w;
	w = &c->webhooks[c->nwebhooks];
	memset(w, 0, sizeof *w);
	w->name = strdup(name);
	if (!w->name)
		return NULL;
	w->timeout = 10;
	c->nwebhooks++;
	return w;
}

static struct source_cfg *source_get(struct config *c, const char *name)
{
	for (size_t i = 0; i < c->nsources; i++)
		if (!strcmp(c->sources[i].name, name))
			return &c->sources[i];
	struct source_cfg *s = realloc(c->sources, (c->nsources + 1) * sizeof *s);
	if (!s)
		return NULL;
	c->sources = s;
	s = &c->sources[c->nsources];
	source_init(s);
	if (!(s->name = strdup(name)))
		return NULL;
	c->nsources++;
	return s;
}

/* A [source NAME] key: the value is checked at once, so a bad one is reported with its line. */
static int source_handler(struct load_state *st, const char *section, const char *name, const char *value)
{
	const char *sname = section + 7;
	while (*sname == ' ')
		sname++;
	if (!*sname) {
		snprintf(st->problem, sizeof st->problem, "[source] needs a name: [source NAME]");
		return 0;
	}
	if (!source_name_ok(sname)) {
		snprintf(st->problem, sizeof st->problem,
			 "[source %s]: a source name is 1 to %d letters, digits, '-', '_' or '.' (not first)",
			 sname, SOURCE_NAME_MAX);
		return 0;
	}
	struct source_cfg *s = source_get(st->c, sname);
	if (!s) {
		snprintf(st->problem, sizeof st->problem, "out of memory");
		return 0;
	}
	int r = source_set(s, name, value, st->problem, sizeof st->problem);
	if (r == 1) {
		size_t n = 0;
		while (source_keys[n])
			n++;
		const char *best = suggest_nearest(name, source_keys, n);
		char hint[96] = "";
		if (best)
			snprintf(hint, sizeof hint, " (did you mean %s?)", best);
		snprintf(st->problem, sizeof st->problem, "unknown key \"%s\" in [source %s]%s", name, sname,
			 hint);
		return 0;
	}
	return r == 0;
}

/* " (did you mean X?)" when a known key of the section — or a known section — is one typo away. */
static void did_you_mean(char *out, size_t size, const struct key *table, size_t n, const char *section,
			 const char *word, bool sections)
{
	const char *cand[64];
	size_t k = 0;
	for (size_t i = 0; i < n && k < sizeof cand / sizeof cand[0]; i++) {
		const char *w = sections ? table[i].section : table[i].name;
		if (!sections && section && strcmp(table[i].section, section))
			continue;
		bool dup = false;
		for (size_t j = 0; j < k && !dup; j++)
			dup = !strcmp(cand[j], w);
		if (!dup)
			cand[k++] = w;
	}
	if (sections && k < sizeof cand / sizeof cand[0])
		cand[k++] = "webhook";
	if (sections && k < sizeof cand / sizeof cand[0])
		cand[k++] = "source";
	const char *best = suggest_nearest(word, cand, k);
	if (best)
		snprintf(out, size, sections ? "; did you mean [%s]?" : " (did you mean %s?)", best);
	else
		out[0] = '\0';
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	char hint[96];
	struct load_state *st = user;
	if (!strncmp(section, "source ", 7) || !strcmp(section, "source"))
		return source_handler(st, section[6] ? section : "source ", name, value);
	if (!strncmp(section, "webhook ", 8)) {
		const char *wname = section + 8;
		while (*wname == ' ')
			wname++;
		if (!*wname) {
			snprintf(st->problem, sizeof st->problem, "[webhook] needs a name: [webhook NAME]");
			return 0;
		}
		for (size_t i = 0; i < sizeof webhook_keys / sizeof webhook_keys[0]; i++) {
			if (!strcmp(webhook_keys[i].name, name)) {
				struct webhook_config *w = webhook_get(st->c, wname);
				if (!w) {
					snprintf(st->problem, sizeof st->problem, "out of memory");
					return 0;
				}
				return set_value(w, &webhook_keys[i], value, st->problem,
						 sizeof st->problem) == 0;
			}
		}
		did_you_mean(hint, sizeof hint, webhook_keys, sizeof webhook_keys / sizeof webhook_keys[0],
			     NULL, name, false);
		snprintf(st->problem, sizeof st->problem, "unknown key \"%s\" in [%s]%s", name, section,
			 hint);
		return 0;
	}
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (!strcmp(keys[i].section, section) && !strcmp(keys[i].name, name)) {
			if (set_value(st->c, &keys[i], value, st->problem, sizeof st->problem) < 0)
				return 0;
			return check_pattern(&keys[i], value, st->problem, sizeof st->problem) == 0;
		}
	}
	bool known_section = false;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		known_section |= !strcmp(keys[i].section, section);
	if (known_section) {
		did_you_mean(hint, sizeof hint, keys, sizeof keys / sizeof keys[0], section, name, false);
		snprintf(st->problem, sizeof st->problem, "unknown key \"%s\" in [%s]%s", name, section,
			 hint);
	} else if (!*section) {
		snprintf(st->problem, sizeof st->problem, "key \"%s\" outside any [section]", name);
	} else {
		did_you_mean(hint, sizeof hint, keys, sizeof keys / sizeof keys[0], NULL, section, true);
		snprintf(st->problem, sizeof st->problem, "unknown section [%s] (key \"%s\"%s)", section,
			 name, hint);
	}
	return 0;
}

static int check_values(struct config *c, const char *name, struct error *err)
{
	if (c->import_date_order && strcmp(c->import_date_order, "auto") &&
	    strcmp(c->import_date_order, "dmy") && strcmp(c->import_date_order, "mdy"))
		return error_set(err, ERR_CONFIG,
				 "%s: [import] date_order must be auto, dmy or mdy, not \"%s\"", name,
				 c->import_date_order);
	if (c->smtp_starttls && strcmp(c->smtp_starttls, "required") && strcmp(c->smtp_starttls, "off"))
		return error_set(err, ERR_CONFIG, "%s: [smtp] starttls must be required or off, not \"%s\"",
				 name, c->smtp_starttls);
	if (c->server_dashboard && strcmp(c->server_dashboard, "token") &&
	    strcmp(c->server_dashboard, "open"))
		return error_set(err, ERR_CONFIG, "%s: [server] dashboard must be token or open, not \"%s\"",
				 name, c->server_dashboard);
	for (size_t i = 0; i < c->nsources; i++) {
		char problem[512];
		if (source_check(&c->sources[i], problem, sizeof problem) < 0)
			return error_set(err, ERR_CONFIG, "%s: %s", name, problem);
	}
	for (size_t i = 0; i < c->nwebhooks; i++) {
		const struct webhook_config *w = &c->webhooks[i];
		if (!w->url)
			return error_set(err, ERR_CONFIG, "%s: [webhook %s] has no url", name, w->name);
		if (w->format && strcmp(w->format, "slack") && strcmp(w->format, "generic"))
			return error_set(err, ERR_CONFIG,
					 "%s: [webhook %s] format must be slack or generic, not \"%s\"", name,
					 w->name, w->format);
	}
	return 0;
}

static int finish(struct config *c, int rc, struct load_state *st, const char *name, struct error *err)
{
	if (rc == -1)
		return error_set(err, ERR_CONFIG, "%s: cannot read: %s", name, strerror(errno));
	if (rc == -2)
		return error_set(err, ERR_CONFIG, "%s: out of memory", name);
	if (rc > 0) {
		if (st->problem[0])
			return error_set(err, ERR_CONFIG, "%s:%d: %s", name, rc, st->problem);
		return error_set(err, ERR_CONFIG, "%s:%d: syntax error (expected [section] or key = value)",
				 name, rc);
	}
	return check_values(c, name, err);
}

int config_load_string(struct config *c, const char *text, const char *name, struct error *err)
{
	struct load_state st = {.c = c};
	int rc = ini_parse_string(text, handler, &st);
	return finish(c, rc, &st, name, err);
}

int config_load(struct config *c, const char *explicit_path, struct error *err)
{
	char path[4096];
	const char *chosen = NULL;
	if (explicit_path) {
		chosen = explicit_path;
	} else {
		const char *xdg = getenv("XDG_CONFIG_HOME");
		const char *home = getenv("HOME");
		path[0] = '\0';
		if (xdg && *xdg)
			snprintf(path, sizeof path, "%s/tracker/config.ini", xdg);
		else if (home && *home)
			snprintf(path, sizeof path, "%s/.config/tracker/config.ini", home);
		FILE *f = path[0] ? fopen(path, "r") : NULL;
		if (f) {
			fclose(f);
			chosen = path;
		} else if ((f = fopen("/etc/tracker/config.ini", "r"))) {
			fclose(f);
			chosen = "/etc/tracker/config.ini";
		}
	}
	if (!chosen)
		return 0;
	c->path = strdup(chosen);
	struct buf text;
	buf_init(&text, CONFIG_MAX_BYTES);
	if (read_file_capped(chosen, CONFIG_MAX_BYTES, &text, NULL, err) < 0) {
		buf_release(&text);
		err->kind = ERR_CONFIG;
		error_prefix(err, "config file");
		return -1;
	}
	int rc = config_load_string(c, buf_cstr(&text), chosen, err);
	buf_release(&text);
	return rc;
}

const struct webhook_config *config_webhook(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->nwebhooks; i++)
		if (!strcmp(c->webhooks[i].name, name))
			return &c->webhooks[i];
	return NULL;
}

const struct source_cfg *config_source(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->nsources; i++)
		if (!strcmp(c->sources[i].name, name))
			return &c->sources[i];
	return NULL;
}
