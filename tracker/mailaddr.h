/*
 * mailaddr — the one rule for an e-mail address the mailer can deliver to.
 *
 * A plain addr-spec: local@domain, one '@', at most 254 characters, printable ASCII (the SMTP client
 * does not speak SMTPUTF8), no spaces, no <>()",;:\[] and no control characters (libcurl would pass
 * CR/LF into the SMTP dialogue). `tracker people add/import` refuse what this refuses, `people
 * unmapped` lists stored addresses it refuses, and the mailer (notify/email.c, email_check_address)
 * checks every recipient and [smtp] from with it.
 */
#ifndef TRACKER_MAILADDR_H
#define TRACKER_MAILADDR_H

#include "error.h"

/* 0 when `addr` is deliverable, else -1 (ERR_DATA) with a message saying why. */
int mailaddr_check(const char *addr, struct error *err);

#endif
