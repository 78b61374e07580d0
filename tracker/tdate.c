/*
 * tdate.c — civil-date arithmetic (Howard Hinnant's days_from_civil) and ISO 8601 text forms.
 */
#include "tdate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "banned.h"

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : md[m - 1];
}

bool date_from_ymd(int y, int m, int d, int32_t *days)
{
	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > month_days(y, m))
		return false;
	int yy = m <= 2 ? y - 1 : y;
	int era = (yy >= 0 ? yy : yy - 399) / 400;
	int yoe = yy - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	*days = (int32_t)(era * 146097 + doe - 719468);
	return true;
}

void date_to_ymd(int32_t days, int *y, int *m, int *d)
{
	int z = days + 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	int doe = z - era * 146097;
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

int date_weekday(int32_t days)
{
	/* 1970-01-01 was a Thursday (3). */
	int w = (int)((days % 7 + 7 + 3) % 7);
	return w;
}

static void put_digits(char *p, unsigned v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

void date_format(int32_t days, char out[static 11])
{
	int y, m, d;
	date_to_ymd(days, &y, &m, &d);
	put_digits(out, (unsigned)y, 4);
	out[4] = '-';
	put_digits(out + 5, (unsigned)m, 2);
	out[7] = '-';
	put_digits(out + 8, (unsigned)d, 2);
	out[10] = '\0';
}

static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int date_parse(const char *s, int32_t *days)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
	if (y < 0 || m < 0 || d < 0 || !date_from_ymd(y, m, d, days))
		return -1;
	return 0;
}

void time_format(int64_t t, char out[static 21])
{
	int64_t day = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	unsigned sec = (unsigned)(t - day * 86400);
	date_format((int32_t)day, out);
	out[10] = 'T';
	put_digits(out + 11, sec / 3600, 2);
	out[13] = ':';
	put_digits(out + 14, sec / 60 % 60, 2);
	out[16] = ':';
	put_digits(out + 17, sec % 60, 2);
	out[19] = 'Z';
	out[20] = '\0';
}

int time_parse(const char *s, int64_t *t)
{
	int32_t days;
	size_t n = strlen(s);
	char date[11];
	if (n < 10)
		return -1;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (date_parse(date, &days) < 0)
		return -1;
	int64_t secs = (int64_t)days * 86400;
	const char *p = s + 10;
	if (*p == '\0') {
		*t = secs;
		return 0;
	}
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -1;
	p++;
	int hh = digits(p, 2);
	if (hh < 0 || hh > 23 || p[2] != ':')
		return -1;
	int mm = digits(p + 3, 2);
	if (mm < 0 || mm > 59)
		return -1;
	p += 5;
	int ss = 0;
	if (*p == ':') {
		ss = digits(p + 1, 2);
		if (ss < 0 || ss > 60)
			return -1;
		p += 3;
		if (*p == '.' || *p == ',') {
			p++;
			if (!isdigit((unsigned char)*p))
				return -1;
			while (isdigit((unsigned char)*p))
				p++;
		}
	}
	secs += hh * 3600 + mm * 60 + ss;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;
		int oh = digits(p + 1, 2), om;
		if (oh < 0 || oh > 23)
			return -1;
		if (p[3] == ':') {
			om = digits(p + 4, 2);
			p += 6;
		} else {
			om = digits(p + 3, 2);
			p += 5;
		}
		if (om < 0 || om > 59)
			return -1;
		secs -= sign * (oh * 3600 + om * 60);
	}
	if (*p != '\0')
		return -1;
	*t = secs;
	return 0;
}

int32_t time_to_date(int64_t t)
{
	return (int32_t)(t >= 0 ? t / 86400 : -((-t + 86399) / 86400));
}

int duration_parse(const char *s, int64_t *secs)
{
	const int64_t most = 100LL * 365 * 86400;
	const char *p = s;
	if (!p || *p < '0' || *p > '9')
		return DURATION_BAD;
	int64_t v = 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > most)
			return DURATION_LONG;
	}
	int64_t mul;
	switch (*p) {
	case '\0':
	case 's':
		mul = 1;
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	default:
		return DURATION_BAD;
	}
	if (*p && p[1])
		return DURATION_BAD;
	if (v == 0)
		return DURATION_ZERO;
	if (v * mul > most)
		return DURATION_LONG;
	*secs = v * mul;
	return 0;
}
