/*
 * error — the caller-owned error record core functions fill (after libssh's ssh_set_error and curl's
 * CURLOPT_ERRORBUFFER).
 *
 * Core code never prints or exits: a failing function returns a negative value and writes one message
 * into the caller's struct error saying what was wrong, where (file:line, item id, config key) and, where
 * useful, what to do. Only commands turn the message into output and an exit code.
 */
#ifndef TRACKER_ERROR_H
#define TRACKER_ERROR_H

#include <stddef.h>

enum err_kind {
	ERR_NONE = 0,
	ERR_DATA,   /* bad input data: a rejected document, an unknown item — exit 1 */
	ERR_USAGE,  /* bad command line — exit 2 */
	ERR_CONFIG, /* bad configuration — exit 3 */
	ERR_STORE,  /* database problem — exit 4 */
	ERR_IO,     /* file or network problem — exit 5 */
};

struct error {
	enum err_kind kind;
	char msg[1024];
};

void error_init(struct error *e);
/* Sets the message (formatted) and kind; returns -1 so callers can `return error_set(...)`. */
int error_set(struct error *e, enum err_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prepends "prefix: " to an existing message. */
void error_prefix(struct error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
