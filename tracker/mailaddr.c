/*
 * mailaddr.c — checking an e-mail address for the mailer (see mailaddr.h).
 */
#include "mailaddr.h"

#include <stdbool.h>
#include <string.h>

#include "banned.h"

int mailaddr_check(const char *addr, struct error *err)
{
	if (!addr || !*addr)
		return error_set(err, ERR_DATA, "no e-mail address");
	for (const unsigned char *p = (const unsigned char *)addr; *p; p++)
		if (*p < 0x20 || *p == 0x7F)
			return error_set(err, ERR_DATA,
					 "e-mail address holds a control character (CR, LF…): refused");
	size_t len = strlen(addr);
	if (len > 254)
		return error_set(err, ERR_DATA, "e-mail address is longer than 254 characters");
	const char *at = strrchr(addr, '@');
	if (!at || at == addr || !at[1])
		return error_set(err, ERR_DATA, "\"%s\" is not an e-mail address (local@domain)", addr);
	for (const unsigned char *p = (const unsigned char *)addr; *p; p++) {
		if (*p >= 0x80)
			return error_set(err, ERR_DATA,
					 "\"%s\" has non-ASCII characters: the mailer does not use SMTPUTF8, "
					 "give an ASCII address",
					 addr);
		if (*p == ' ' || strchr("<>()\",;:\\[]", *p))
			return error_set(err, ERR_DATA,
					 "\"%s\" is not a plain e-mail address (character '%c' not allowed)",
					 addr, *p);
		if (*p == '@' && (const char *)p != at)
			return error_set(err, ERR_DATA, "\"%s\" has more than one '@'", addr);
	}
	return 0;
}
