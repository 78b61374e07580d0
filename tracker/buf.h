/*
 * buf — a growable byte buffer with a hard size cap (after git's strbuf and curl's dynbuf).
 *
 * Invariants: `data` is always NUL-terminated once the buffer has grown (an initialised, untouched buffer
 * has data == NULL and len == 0; use buf_cstr() to read it as a string). `len` never exceeds `max`:
 * an append that would pass the cap fails with -1 and leaves the buffer unchanged, so the cap bounds
 * what any input can make us allocate.
 *
 * Ownership: the buffer owns `data`. buf_release() frees it; buf_detach() hands it to the caller
 * (who must free() it) and resets the buffer.
 */
#ifndef TRACKER_BUF_H
#define TRACKER_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};

#define BUF_MAX_DEFAULT ((size_t)64 << 20) /* 64 MiB */

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
char *buf_detach(struct buf *b);
void buf_reset(struct buf *b);
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
const char *buf_cstr(const struct buf *b);
void buf_truncate(struct buf *b, size_t len);

#endif
