/*
 * tz — time zones from libical's built-in database, without the C library's TZ state.
 *
 * A struct tz is a resolved zone: open it once (the name lookup is the slow part) and convert many
 * instants with it. Local time is a day number (tdate.h) and minutes after local midnight. Conversions
 * are pure apart from libical's own lazily filled, internal cache of zone transitions.
 *
 * DST: tz_to_utc() maps a local time that occurs twice (the repeated hour on a fall-back day) to its
 * first occurrence, and a local time that does not exist (02:30 on a spring-forward day in Berlin) to
 * the first instant after the gap (03:00 CEST), so "at or after 09:00 local" always has an instant.
 *
 * The name-based helpers tz_local(), tz_utc() and tz_valid() are at the end.
 */
#ifndef TRACKER_TZ_H
#define TRACKER_TZ_H

#include <stdbool.h>
#include <stdint.h>

struct _icaltimezone;

struct tz {
	struct _icaltimezone *zone; /* NULL = UTC; borrowed from libical's built-in cache */
};

/* Resolves `name` (NULL, "" and "UTC" are UTC). Returns 0, or -1 for an unknown zone. */
int tz_open(struct tz *z, const char *name);
/* Offset of local time from UTC at instant `t`, in seconds (+3600 for CET). */
int tz_offset(const struct tz *z, int64_t t);
/* Local date and minutes after local midnight of instant `t`. */
void tz_to_local(const struct tz *z, int64_t t, int32_t *date, int *minutes);
/* The first instant at or after local `date` `minutes` (see DST above). */
int64_t tz_to_utc(const struct tz *z, int32_t date, int minutes);

/* Time zones (libical's built-in database). Local date and minutes after midnight of `t` in `tz`
 * (NULL or "" = UTC). Returns -1 for an unknown zone name. */
int tz_local(const char *tz, int64_t t, int32_t *date, int *minutes);
/* The UTC instant of local date `date` at `minutes` after midnight in `tz` (the first one, across a
 * DST change). Returns -1 for an unknown zone. */
int tz_utc(const char *tz, int32_t date, int minutes, int64_t *t);
bool tz_valid(const char *tz);

#endif
