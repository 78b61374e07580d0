/*
 * error.c — filling the caller-owned error record.
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "banned.h"

void error_init(struct error *e)
{
	e->kind = ERR_NONE;
	e->msg[0] = '\0';
}

int error_set(struct error *e, enum err_kind kind, const char *fmt, ...)
{
	if (!e)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	e->kind = kind;
	return -1;
}

void error_prefix(struct error *e, const char *fmt, ...)
{
	char pre[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(pre, sizeof pre - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t plen = strlen(pre);
	memcpy(pre + plen, ": ", 3);
	plen += 2;
	size_t mlen = strnlen(e->msg, sizeof e->msg - 1);
	if (plen + mlen >= sizeof e->msg)
		mlen = sizeof e->msg - 1 - plen;
	memmove(e->msg + plen, e->msg, mlen);
	memcpy(e->msg, pre, plen);
	e->msg[plen + mlen] = '\0';
}
