/*
 * tz.c — local dates and times in named zones (see tz.h), on libical's built-in zone database.
 *
 * Only one libical call does the work: icaltimezone_get_utc_offset_of_utc_time(), the offset in force
 * at a UTC instant, which has no ambiguity. Local → UTC is solved on top of it: the offsets a day before
 * and a day after are the only candidates (zones change offset at most once within a day or so); a
 * candidate is right when the offset at the instant it gives is itself. Two right answers are the
 * repeated hour (take the earlier); none is the gap of a spring-forward, whose end is found by bisection.
 */
#include "tz.h"

#include <libical/ical.h>
#include <string.h>

#include "tdate.h"
#include "banned.h"

int tz_open(struct tz *z, const char *name)
{
	z->zone = NULL;
	if (!name || !*name || !strcmp(name, "UTC"))
		return 0;
	icaltimezone *zone = icaltimezone_get_builtin_timezone(name);
	if (!zone)
		return -1;
	if (zone != icaltimezone_get_utc_timezone())
		z->zone = zone;
	return 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int tz_offset(const struct tz *z, int64_t t)
{
	if (!z->zone)
		return 0;
	int64_t days = floor_div(t, 86400);
	int64_t secs = t - days * 86400;
	int y, m, d;
	date_to_ymd((int32_t)days, &y, &m, &d);
	struct icaltimetype tt = icaltime_null_time();
	tt.year = y;
	tt.month = m;
	tt.day = d;
	tt.hour = (int)(secs / 3600);
	tt.minute = (int)(secs / 60 % 60);
	tt.second = (int)(secs % 60);
	tt.is_date = 0;
	int is_daylight = 0;
	return icaltimezone_get_utc_offset_of_utc_time(z->zone, &tt, &is_daylight);
}

void tz_to_local(const struct tz *z, int64_t t, int32_t *date, int *minutes)
{
	int64_t local = t + tz_offset(z, t);
	int64_t days = floor_div(local, 86400);
	*date = (int32_t)days;
	*minutes = (int)((local - days * 86400) / 60);
}

int64_t tz_to_utc(const struct tz *z, int32_t date, int minutes)
{
	int64_t local = (int64_t)date * 86400 + (int64_t)minutes * 60;
	if (!z->zone)
		return local;
	int before = tz_offset(z, local - 86400);
	int after = tz_offset(z, local + 86400);
	int64_t best = INT64_MAX;
	if (tz_offset(z, local - before) == before)
		best = local - before;
	if (after != before && tz_offset(z, local - after) == after && local - after < best)
		best = local - after;
	if (best != INT64_MAX)
		return best;
	/* In a gap (after > before): the transition instant lies in (local - after, local - before]; it is
	 * the first instant whose offset is no longer `before`. */
	int64_t lo = local - after, hi = local - before;
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;
		if (tz_offset(z, mid) == before)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

int tz_local(const char *tz, int64_t t, int32_t *date, int *minutes)
{
	struct tz z;
	if (tz_open(&z, tz) < 0)
		return -1;
	tz_to_local(&z, t, date, minutes);
	return 0;
}

int tz_utc(const char *tz, int32_t date, int minutes, int64_t *t)
{
	struct tz z;
	if (tz_open(&z, tz) < 0)
		return -1;
	*t = tz_to_utc(&z, date, minutes);
	return 0;
}

bool tz_valid(const char *tz)
{
	struct tz z;
	return tz_open(&z, tz) == 0;
}
