/*
 * ident.c — incident ids and dates as teams write them (see ident.h for the rules).
 */
#include "ident.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tdate.h"
#include "banned.h"

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool tok_char(int c)
{
	return is_digit(c) || is_alpha(c) || c == '.' || c == '_' || c == '#' || c == '-';
}

static bool ci_contains(const char *s, const char *w)
{
	size_t n = strlen(w);
	for (; *s; s++)
		if (!strncasecmp(s, w, n))
			return true;
	return false;
}

const char *ident_trim_hash(const char *s)
{
	return s[0] == '#' && s[1] ? s + 1 : s;
}

bool ident_is_template_form(const char *s)
{
	return norm_is_incident_id(s);
}

static bool is_placeholder(const char *s)
{
	/* Fast path for the common case, an id with a digit: only YYYY/XXX shapes and zeros are
	 * placeholders there (the word list has no digits; template tokens with digits, "P0/P1", are not
	 * tokens anyway). */
	bool digit = false, xy = false;
	for (const char *p = s; *p; p++) {
		digit |= is_digit((unsigned char)*p);
		xy |= (*p | 0x20) == 'x' || (*p | 0x20) == 'y';
	}
	if (digit && !xy)
		return !strcmp(s, "0") || !strcmp(s, "000");
	static const char *const words[] = {
	    "tbd",     "tba",         "tbc",   "n/a", "na", "n.a.", "none", "null", "nil", "unknown",
	    "pending", "todo",        "id",    "?",   "-",  "--",   "---",  "#",    "...", "xxx",
	    "x",       "incident id", "to do", "wip", "tk", "0",    "000",  NULL};
	size_t n = strlen(s);
	if (n >= 2 && ((s[0] == '[' && s[n - 1] == ']') || (s[0] == '<' && s[n - 1] == '>') ||
		       (s[0] == '{' && s[n - 1] == '}')))
		return true;
	if (ci_contains(s, "yyyy") || ci_contains(s, "xxx"))
		return true;
	for (const char *const *w = words; *w; w++)
		if (!strcasecmp(s, *w))
			return true;
	if (!strcmp(s, "\xE2\x80\x94") || !strcmp(s, "\xE2\x80\x93") || !strcmp(s, "\xE2\x80\xA6"))
		return true;
	return norm_is_template_token(s);
}

static bool whole_match(const regex_t *re, const char *s)
{
	regmatch_t m[1];
	return regexec(re, s, 1, m, 0) == 0 && m[0].rm_so == 0 && (size_t)m[0].rm_eo == strlen(s);
}

enum id_class ident_classify(const char *s, bool strong, const regex_t *re)
{
	if (!s || !*s)
		return ID_NOT;
	const char *t = ident_trim_hash(s);
	if (is_placeholder(s) || is_placeholder(t)) /* "#000" is "000" */
		return ID_PLACEHOLDER;
	size_t n = strlen(t);
	if (n == 0 || n > IDENT_MAX)
		return ID_NOT;
	bool digit = false, alnum = false;
	for (size_t i = 0; i < n; i++) {
		if (!tok_char((unsigned char)t[i]))
			return ID_NOT;
		digit |= is_digit(t[i]);
		alnum |= is_digit(t[i]) || is_alpha(t[i]);
	}
	if (!alnum)
		return ID_NOT;
	if (re)
		return whole_match(re, t) ? ID_OK : ID_NOT;
	return strong || digit ? ID_OK : ID_NOT;
}

/* A token that may lead or close a title without a label: a letter and a digit, not a date. */
static bool title_token_ok(const char *tok, const regex_t *re)
{
	if (ident_classify(tok, false, re) != ID_OK)
		return false;
	if (re)
		return true;
	bool letter = false;
	for (const char *p = tok; *p; p++)
		letter |= is_alpha((unsigned char)*p);
	if (!letter)
		return false; /* "2020", "04-03-2026": a number or a date, not an id */
	/* Words with a digit are not ids either: "2FA", "EC2", "IPv6", "Log4j" (one digit, no
	 * separator), versions "v1.2", severity and priority tags "SEV1", "P0" */
	size_t digits = 0;
	bool sep = false;
	for (const char *p = tok; *p; p++) {
		digits += is_digit((unsigned char)*p);
		sep |= p > tok && p[1] && strchr("-_#.", *p) != NULL;
	}
	if (digits < 2 && !sep)
		return false;
	if ((tok[0] == 'v' || tok[0] == 'V') && is_digit((unsigned char)tok[1]))
		return false;
	if (norm_severity(tok) >= 0 || (strlen(tok) <= 3 && norm_priority(tok) >= 0))
		return false;
	int32_t d;
	enum due_result r = ident_date(tok, DATE_ORDER_AUTO, &d);
	return r == DUE_NONE || r == DUE_FREE_TEXT; /* "07-Sept-2022" is a date */
}

static size_t run_of_tok(const char *s)
{
	size_t n = 0;
	while (tok_char((unsigned char)s[n]))
		n++;
	return n;
}

/* A separator after a leading id: optional spaces then one of - – — : | · and more text after. */
static bool separator_follows(const char *p)
{
	while (*p == ' ')
		p++;
	size_t l = 0;
	if (*p == '-' || *p == ':' || *p == '|')
		l = 1;
	else if (!strncmp(p, "\xE2\x80\x93", 3) || !strncmp(p, "\xE2\x80\x94", 3))
		l = 3;
	else if (!strncmp(p, "\xC2\xB7", 2))
		l = 2;
	if (!l)
		return false;
	p += l;
	while (*p == ' ')
		p++;
	return *p != '\0';
}

static bool copy_tok(const char *s, size_t n, char *out, size_t outsz)
{
	if (n == 0 || n >= outsz)
		return false;
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

bool ident_find_in_title(const char *title, const regex_t *re, size_t *id_at, size_t *id_len, size_t *cut_at,
			 size_t *cut_len)
{
	size_t n = strlen(title), len;
	char tok[IDENT_MAX + 2];
	/* 1. the template id anywhere */
	long at = norm_find_incident_id(title, &len);
	if (at >= 0 && len > IDENT_MAX)
		at = -1; /* too long to be an id (found by fuzz_import) */
	if (at >= 0 && re && (!copy_tok(title + at, len, tok, sizeof tok) || !whole_match(re, tok)))
		at = -1; /* the team declared another scheme */
	if (at >= 0) {
		size_t a = (size_t)at, b = a + len;
		*id_at = a;
		*id_len = len;
		if (a > 0 && b < n &&
		    ((title[a - 1] == '[' && title[b] == ']') || (title[a - 1] == '(' && title[b] == ')')))
			a--, b++;
		*cut_at = a;
		*cut_len = b - a;
		return true;
	}
	/* 2. the team's pattern anywhere, on whole tokens */
	if (re) {
		for (size_t i = 0; i < n;) {
			size_t l = run_of_tok(title + i);
			if (!l) {
				i++;
				continue;
			}
			if (copy_tok(title + i, l, tok, sizeof tok) &&
			    ident_classify(tok, true, re) == ID_OK) {
				size_t hash = title[i] == '#' && l > 1;
				size_t a = i, b = i + l;
				*id_at = i + hash;
				*id_len = l - hash;
				if (a > 0 && b < n &&
				    ((title[a - 1] == '[' && title[b] == ']') ||
				     (title[a - 1] == '(' && title[b] == ')')))
					a--, b++;
				*cut_at = a;
				*cut_len = b - a;
				return true;
			}
			i += l;
		}
		return false;
	}
	/* 3. a token leading the title: "PM2021-011 - Log4Shell", "[PM-12] Outage" */
	size_t i = 0;
	char open = 0;
	if (title[0] == '[' || title[0] == '(')
		open = title[i++];
	size_t l = run_of_tok(title + i);
	if (l && copy_tok(title + i, l, tok, sizeof tok) && title_token_ok(tok, NULL)) {
		char close = open == '[' ? ']' : ')';
		if (open ? title[i + l] == close : separator_follows(title + i + l)) {
			size_t hash = title[i] == '#' && l > 1;
			*id_at = i + hash;
			*id_len = l - hash;
			*cut_at = 0;
			*cut_len = i + l + (open ? 1 : 0);
			return true;
		}
	}
	/* 4. a closing "(incident #465)", "(PM-12)", "[PM-12]" */
	if (n >= 3 && (title[n - 1] == ')' || title[n - 1] == ']')) {
		char o = title[n - 1] == ')' ? '(' : '[';
		size_t a = n - 1;
		while (a > 0 && title[a] != o)
			a--;
		if (title[a] != o)
			return false;
		size_t p = a + 1;
		bool word = false;
		if (!strncasecmp(title + p, "incident", 8)) {
			word = true;
			p += 8;
			while (title[p] == ' ' || title[p] == ':')
				p++;
		}
		l = run_of_tok(title + p);
		if (!l || p + l != n - 1 || !copy_tok(title + p, l, tok, sizeof tok))
			return false;
		if (word ? ident_classify(tok, false, NULL) != ID_OK : !title_token_ok(tok, NULL))
			return false;
		size_t hash = title[p] == '#' && l > 1;
		*id_at = p + hash;
		*id_len = l - hash;
		*cut_at = a;
		*cut_len = n - a;
		return true;
	}
	return false;
}

char *ident_derive(const char *path, const regex_t *re)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base);
	static const char *const exts[] = {".md", ".markdown", ".mdown", ".mkd", NULL};
	for (const char *const *e = exts; *e; e++) {
		size_t el = strlen(*e);
		if (n > el && !strcasecmp(base + n - el, *e)) {
			n -= el;
			break;
		}
	}
	/* "PM2021-011 - Log4Shell.md": the id the name leads with, by the title's rule */
	char stem[256];
	if (n < sizeof stem) {
		memcpy(stem, base, n);
		stem[n] = '\0';
		size_t at, len, cut_at, cut_len;
		if (ident_find_in_title(stem, re, &at, &len, &cut_at, &cut_len))
			return strndup(stem + at, len);
	}
	char *out = malloc(IDENT_MAX + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n && o < IDENT_MAX; i++) {
		unsigned char c = (unsigned char)base[i];
		if (tok_char(c) && c != '-') {
			out[o++] = (char)c;
		} else if (o > 0 && out[o - 1] != '-') {
			out[o++] = '-';
		}
		/* a multi-byte character becomes one '-' (its continuation bytes are skipped) */
		if (c >= 0xC0)
			while (i + 1 < n && ((unsigned char)base[i + 1] & 0xC0) == 0x80)
				i++;
	}
	while (o > 0 && (out[o - 1] == '-' || out[o - 1] == '.'))
		o--;
	size_t lead = 0;
	while (lead < o && (out[lead] == '-' || out[lead] == '.'))
		lead++;
	memmove(out, out + lead, o - lead);
	o -= lead;
	out[o] = '\0';
	bool alnum = false;
	for (size_t i = 0; i < o; i++)
		alnum |= is_alpha((unsigned char)out[i]) || is_digit(out[i]);
	if (!alnum) {
		unsigned char md[32];
		unsigned int mdlen = 0;
		EVP_Digest(base, n, md, &mdlen, EVP_sha256(), NULL);
		snprintf(out, IDENT_MAX + 1, "doc-%02x%02x%02x%02x", md[0], md[1], md[2], md[3]);
	}
	return out;
}

/* "14-19" or "14–19" inside a date ("January 14-19, 2026", "14–19 January 2026"): the second day
 * and its dash are removed, in place. True if one was found. */
static bool drop_day_range(char *s)
{
	for (char *p = s; *p; p++) {
		if (!is_digit(*p) || (p > s && (is_digit(p[-1]) || p[-1] == '-' || p[-1] == '/')))
			continue;
		size_t d1 = is_digit(p[1]) ? 2 : 1;
		char *q = p + d1;
		size_t dl = *q == '-' ? 1 : !strncmp(q, "\xE2\x80\x93", 3) ? 3 : 0;
		if (!dl || !is_digit(q[dl]))
			continue;
		size_t d2 = is_digit(q[dl + 1]) ? 2 : 1;
		char *r = q + dl + d2;
		if (is_digit(*r) || *r == '-' || *r == '/' || *r == '.')
			continue; /* a numeric date, not a day range */
		memmove(q, r, strlen(r) + 1);
		return true;
	}
	return false;
}

enum due_result ident_date(const char *s, enum date_order order, int32_t *days)
{
	enum due_result first = norm_date(s, 0, order, days);
	if (first == DUE_OK || first == DUE_NONE || strlen(s) >= 120)
		return first;
	char buf[128];
	snprintf(buf, sizeof buf, "%s", s);
	/* a range of whole dates: the first one */
	static const char *const seps[] = {
	    " - ",     " \xE2\x80\x93 ", " \xE2\x80\x94 ", "\xE2\x80\x93",   " to ", "..",
	    " until ", " through ",      " and ",          " \xE2\x86\x92 ", " -> ", NULL};
	for (const char *const *sp = seps; *sp; sp++) {
		char *at = strstr(buf, *sp);
		if (!at)
			continue;
		char left[128];
		snprintf(left, sizeof left, "%.*s", (int)(at - buf), buf);
		if (norm_date(left, 0, order, days) == DUE_OK)
			return DUE_OK;
		/* "Mar 3 to Mar 5, 2026": the year comes from the end */
		int32_t end;
		if (ident_date(at + strlen(*sp), order, &end) == DUE_OK) {
			int y, m, d;
			date_to_ymd(end, &y, &m, &d);
			if (norm_date(left, y, order, days) == DUE_OK)
				return DUE_OK;
		}
	}
	if (drop_day_range(buf) && norm_date(buf, 0, order, days) == DUE_OK)
		return DUE_OK;
	return first;
}

int32_t ident_date_in_text(const char *s, enum date_order order)
{
	/* the words of s (at most 48), each without trailing ",:;" and leading "(" */
	char buf[512];
	snprintf(buf, sizeof buf, "%s", s);
	char *w[48];
	size_t nw = 0;
	for (char *p = buf; *p && nw < 48;) {
		while (*p == ' ' || *p == '(' || *p == '[')
			p++;
		if (!*p)
			break;
		w[nw++] = p;
		while (*p && *p != ' ')
			p++;
		char *e = p;
		while (e > w[nw - 1] && strchr(",:;)]", e[-1]))
			e--;
		bool more = *p != '\0';
		*e = '\0';
		if (more)
			p++;
	}
	for (size_t i = 0; i < nw; i++) {
		for (size_t k = 4; k >= 1; k--) {
			if (i + k > nw)
				continue;
			char cand[160];
			size_t o = 0;
			cand[0] = '\0';
			for (size_t j = i; j < i + k; j++) {
				int r = snprintf(cand + o, sizeof cand - o, "%s%s", j > i ? " " : "", w[j]);
				if (r < 0 || (size_t)r >= sizeof cand - o) {
					o = sizeof cand;
					break;
				}
				o += (size_t)r;
			}
			int32_t d;
			if (o < sizeof cand && !(k == 1 && !is_digit(cand[0])) &&
			    ident_date(cand, order, &d) == DUE_OK)
				return d;
		}
	}
	return DATE_NONE;
}

int32_t ident_date_in_name(const char *path, enum date_order order)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	char word[64];
	size_t n = strcspn(base, "_ .");
	if (n >= sizeof word)
		n = sizeof word - 1;
	memcpy(word, base, n);
	word[n] = '\0';
	int32_t d;
	/* YYYYMMDD */
	size_t digits = strspn(word, "0123456789");
	if (digits == 8 && (word[8] == '\0' || word[8] == '-')) {
		int y =
		    (word[0] - '0') * 1000 + (word[1] - '0') * 100 + (word[2] - '0') * 10 + (word[3] - '0');
		int m = (word[4] - '0') * 10 + (word[5] - '0'), dd = (word[6] - '0') * 10 + (word[7] - '0');
		return date_from_ymd(y, m, dd, &d) ? d : DATE_NONE;
	}
	/* the first three dash-separated parts: "2025-09-29", "07-Sept-2022", "04-03-2026" */
	char *p = word;
	for (int k = 0; k < 3 && p; k++) {
		p = strchr(p, '-');
		if (p && k < 2)
			p++;
	}
	if (p)
		*p = '\0';
	return norm_date(word, 0, order, &d) == DUE_OK ? d : DATE_NONE;
}

int ident_compile(const char *pattern, regex_t *re, char *msg, size_t msgsz)
{
	int rc = regcomp(re, pattern, REG_EXTENDED);
	if (rc == 0)
		return 0;
	regerror(rc, re, msg, msgsz);
	return -1;
}
