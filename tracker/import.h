/*
 * import — reading one post-mortem into a typed document, by the rules of issue 2.
 *
 * Two stages, both free of the database so `tracker check` and the fuzzer can use them:
 *   1. import_read_file()/import_parse_buffer(): the input checks (size, UTF-8, NUL, BOM), then the
 *      Markdown walk (cmark-gfm, parse.c) that finds incident fields and the tables of action
 *      sections, with each cell cleaned of markup (norm_text()).
 *   2. the rules (rules.c): cells → typed items via normalize.h, placeholders, duplicate keys,
 *      warnings and errors, each with its line.
 * The store side (merge.c) takes a struct import_doc and writes it.
 *
 * Lines are 1-based lines of the original file (CRLF, CR and LF all end a line).
 */
#ifndef TRACKER_IMPORT_H
#define TRACKER_IMPORT_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "model.h"
#include "normalize.h"

enum diag_level { DIAG_WARNING, DIAG_ERROR };

struct diag {
	enum diag_level level;
	unsigned line; /* 0 when the message is about the whole file */
	char *msg;
};

/* Where a table cell is in the source: its line and its 1-based byte columns [col_start, col_end]
 * as the parser reports them (the content between the pipes); all 0 when the row has no such cell. */
struct cellpos {
	unsigned line, col_start, col_end;
};

struct import_item {
	char *key;
	bool key_auto; /* no key column: key is the row's 1-based position */
	char *action;
	char **owners; /* first is the owner */
	int nowners;
	int32_t due;  /* DATE_NONE if none */
	int priority; /* 0..3 or PRIORITY_NONE */
	enum status status;
	char *status_raw; /* the cell as written (cleaned), NULL if empty */
	char *extra;      /* JSON object of the other columns, "{}" if none; list items keep "details"
			     (array of strings), "links" (array of URLs) and "reason" here */
	unsigned line;
	/* Where the cells are in the source, for write-back. */
	struct cellpos pos_status, pos_due, pos_owner;
	/* List items (issue 9): where the character inside a task box "[ ]" is (line, col_start ==
	 * col_end), 0 when the item has no box; from_list tells a list item from a table row. */
	struct cellpos pos_box;
	bool from_list;
};

struct import_incident {
	char *id;
	char *title;
	int32_t date; /* DATE_NONE if none */
	char *duration;
	int severity; /* -1 if none */
	char *reporter;
	char *approved_by;
	int32_t review_date; /* DATE_NONE if none */
	char *status;        /* the document's own status ("Complete, action items in progress"), or NULL */
	bool id_derived;     /* no usable id in the document: `id` was derived from the file name */
	char *
	    id_placeholder; /* the placeholder written where the id belongs ("INC-YYYY-MM-DD-XXX"), or NULL */
};

/* What fstat() said of a file when it was read: the key of the re-import skip (merge.h). `known` is
 * false for a buffer, and for a file modified within IMPORT_RACY_S seconds of its reading — such a
 * stat could belong to two versions of the file, so it is not trusted (the hash decides). */
struct import_stat {
	int64_t size, mtime_ns, ino;
	bool known;
};

#define IMPORT_RACY_S 2

struct import_doc {
	char *path;
	struct import_incident inc;
	struct import_item *items;
	size_t nitems;
	size_t placeholders;  /* placeholder rows skipped */
	bool no_items_warned; /* the "no action items" warning was given */
	struct diag *diags;
	size_t ndiags;
	size_t nerrors;
	unsigned char sha256[32]; /* of the whole file as read */
	struct import_stat src;   /* import_load_file(): the file's stat when it was read */
	char rules[64];           /* import_rules_id() of the rules and options it was read with */
};

struct import_opts {
	size_t max_size; /* bytes; 0 means 4 MiB */
	enum date_order date_order;
	/* [import] id_pattern, compiled (POSIX ERE), or NULL: a written value is an id only when it
	 * matches as a whole. */
	regex_t *id_re;
	const char *id_pattern; /* its text (borrowed), for import_rules_id() */
	/* [import] require_id (or check --strict): a document without a written id is rejected — with
	 * id_re, one that matches it; without, one of the template's form INC-YYYY-MM-DD-N. */
	bool require_id;
	/* [import] action_headings: more heading phrases, separated by ',' or ';' (sections.h); NULL */
	const char *action_headings;
	/* handles and names of the people table, NULL-terminated, for "(Name)" owners in list items;
	 * NULL when there is none. people_handles[i] is the handle of people[i] (same length). */
	const char *const *people;
	const char *const *people_handles;
	/* import_rules_id() of these options when the caller has computed it once for a batch; NULL:
	 * computed per document (it hashes the people table). */
	const char *rules_id;
};

struct config;
/* Fills `o` from the [import] section (max_size, date_order, action_headings, id_pattern,
 * require_id); people and people_handles are left NULL for the caller. The pattern was
 * checked when the config was loaded; if it still does not compile, err names it. Release with
 * import_opts_release(). */
int import_opts_from_config(struct import_opts *o, const struct config *cfg, struct error *err);
void import_opts_release(struct import_opts *o);

void import_doc_init(struct import_doc *d);
void import_doc_release(struct import_doc *d);

/* Reads and parses a file. Returns 0 if the document is acceptable (warnings allowed), -1 if it is
 * rejected (doc->nerrors > 0, messages in doc->diags) or cannot be read (err set, nothing in diags). */
int import_read_file(const char *path, const struct import_opts *o, struct import_doc *doc,
		     struct error *err);
/* The same on a buffer; `path` is used in messages. */
int import_parse_buffer(const char *path, const char *data, size_t len, const struct import_opts *o,
			struct import_doc *doc);

/* The parts of import_read_file(), for the importer's skip and pipeline (cmd_import.c):
 * import_load_file() checks the file (regular, size limit) and reads it whole into *data (malloc'd,
 * caller frees) and doc->src; same returns as import_read_file() (a file over the limit is a
 * diagnostic). import_parse_hashed() is import_parse_buffer() for a caller that has already put the
 * SHA-256 of the bytes into doc->sha256 (sha256_bytes()). Neither touches global state: the parse
 * may run in a worker thread while the previous document is written. */
int import_load_file(const char *path, const struct import_opts *o, struct import_doc *doc, char **data,
		     size_t *len, struct error *err);
int import_parse_hashed(const char *path, const char *data, size_t len, const struct import_opts *o,
			struct import_doc *doc);

/* The parser's one-time global set-up (cmark-gfm's extension registry). Call it once before a second
 * thread parses; parse_markdown() calls it too, which is then only a read. */
void import_prepare_threads(void);

/* A short name of the import rules (IMPORT_RULES_VERSION) and of the options that change what a file
 * reads as (date order, [import] action_headings, the people table): a document stored under another
 * name is read again even if the file did not change. Bump IMPORT_RULES_VERSION in import.c when a
 * rule changes what an existing document imports as; add an option that changes results here. */
void import_rules_id(const struct import_opts *o, char out[64]);

/* The stat of a file as the skip compares it (`known` per IMPORT_RACY_S against the clock now). */
struct stat;
void import_stat_from(struct import_stat *out, const struct stat *sb);

/* Adds a diagnostic (printf-style). Errors count in doc->nerrors. */
void import_diag(struct import_doc *d, enum diag_level lvl, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
