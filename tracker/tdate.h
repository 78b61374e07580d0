/*
 * tdate — calendar dates and UTC instants without the C library's time-zone state.
 *
 * A date is a day number (days since 1970-01-01, proleptic Gregorian); an instant is Unix seconds.
 * Functions are pure and thread-safe (no gmtime/localtime, no TZ). Time zones live in libical (tz.h).
 * Text forms: dates are "YYYY-MM-DD"; instants are "YYYY-MM-DDTHH:MM:SSZ" (UTC).
 */
#ifndef TRACKER_TDATE_H
#define TRACKER_TDATE_H

#include <stdbool.h>
#include <stdint.h>

#define DATE_NONE INT32_MIN

/* Day number for a calendar date; false if the date does not exist (2026-02-30). */
bool date_from_ymd(int y, int m, int d, int32_t *days);
void date_to_ymd(int32_t days, int *y, int *m, int *d);
/* 0 = Monday … 6 = Sunday. */
int date_weekday(int32_t days);
/* Writes "YYYY-MM-DD" (11 bytes with the NUL). */
void date_format(int32_t days, char out[static 11]);
/* Strict "YYYY-MM-DD". Returns 0, or -1 if malformed or not a real date. */
int date_parse(const char *s, int32_t *days);

/* Writes "YYYY-MM-DDTHH:MM:SSZ" (21 bytes with the NUL). */
void time_format(int64_t t, char out[static 21]);
/* ISO 8601: "YYYY-MM-DD" (midnight UTC), "YYYY-MM-DDTHH:MM[:SS][.fff](Z|±HH:MM)", a space allowed for
 * 'T'; no offset means UTC. Returns 0 or -1. */
int time_parse(const char *s, int64_t *t);
int32_t time_to_date(int64_t t);

/* A duration in the config's form: digits and a unit s, m, h or d (no unit: seconds), e.g. 30s, 5m,
 * 6h, 2d. Returns 0 with *secs set, DURATION_BAD (not that form), DURATION_ZERO or DURATION_LONG
 * (over 100 years). */
enum { DURATION_BAD = -1, DURATION_ZERO = -2, DURATION_LONG = -3 };
int duration_parse(const char *s, int64_t *secs);

#endif
