/*
 * normalize.c — the import rules that turn one cleaned cell or field value into a typed value: text
 * cleaning (whitespace, NFC), incident labels and ids, action-section headings, column names, template
 * placeholders, owners, due dates, priorities and statuses. See normalize.h for the contract.
 *
 * Everything here is pure and allocation-free except norm_text() and norm_owners(). Matching works on
 * small, bounded, ASCII-lowercased copies ("keys"): a value too long to be one of the known words simply
 * does not match. Unicode is handled with utf8proc (decoding, categories, NFC); invalid UTF-8 never
 * crashes a function, it only fails to match.
 */
#include "normalize.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "sections.h"
#include "tdate.h"

#include "banned.h"

/* --- small helpers ------------------------------------------------------------------------- */

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(int c)
{
	c = lower(c);
	return c >= 'a' && c <= 'z';
}

static bool is_alnum(int c)
{
	return is_alpha(c) || is_digit(c);
}

static bool is_space(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Decodes one code point at s (n bytes available); -1 and *adv = 1 for an invalid byte. */
static int32_t decode(const char *s, size_t n, size_t *adv)
{
	utf8proc_int32_t cp;
	utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &cp);
	if (r <= 0) {
		*adv = 1;
		return -1;
	}
	*adv = (size_t)r;
	return cp;
}

/* The last code point of [b, e) (e > b); *start is where it begins. -1 for an invalid byte. */
static int32_t decode_last(const char *b, const char *e, const char **start)
{
	const char *p = e - 1;
	for (int k = 0; p > b && k < 3 && ((unsigned char)*p & 0xC0) == 0x80; k++)
		p--;
	size_t adv;
	int32_t cp = decode(p, (size_t)(e - p), &adv);
	if (cp < 0 || p + adv != e) {
		*start = e - 1;
		return -1;
	}
	*start = p;
	return cp;
}

/* White space for norm_text: ASCII white space, NUL (so no NUL survives into a C string), Unicode
 * space separators (Zs), line/paragraph separators, NEL, and the invisible ZERO WIDTH SPACE and BOM. */
static bool is_uspace(int32_t cp)
{
	if (cp < 0x80)
		return cp == 0 || is_space(cp);
	switch (cp) {
	case 0x85:
	case 0xA0:
	case 0x1680:
	case 0x200B:
	case 0x2028:
	case 0x2029:
	case 0x202F:
	case 0x205F:
	case 0x3000:
	case 0xFEFF:
		return true;
	default:
		return cp >= 0x2000 && cp <= 0x200A;
	}
}

/* Hyphens and dashes: U+2010..U+2015, minus sign, small/full-width hyphen-minus. */
static bool is_udash(int32_t cp)
{
	return cp == '-' || (cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212 || cp == 0xFE58 || cp == 0xFE63 ||
	       cp == 0xFF0D;
}

/* Bytes of a dash at p (ASCII '-' or a Unicode dash), 0 if none. */
static size_t dash_len(const char *p)
{
	if (*p == '-')
		return 1;
	if ((unsigned char)*p < 0x80)
		return 0;
	size_t adv;
	int32_t cp = decode(p, strnlen(p, 4), &adv);
	return cp >= 0 && is_udash(cp) ? adv : 0;
}

static bool cp_is_alnum(int32_t cp)
{
	if (cp < 0)
		return false;
	if (cp < 0x80)
		return is_alnum(cp);
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO:
		return true;
	default:
		return false;
	}
}

static void trim(const char **b, const char **e)
{
	while (*b < *e && is_space(**b))
		(*b)++;
	while (*e > *b && is_space((*e)[-1]))
		(*e)--;
}

/* Whether strip_edges() removes this code point: white space, non-ASCII symbols (emoji, their
 * variation selectors and joiners, NBSP) and invalid bytes; ASCII punctuation too when ascii_punct. */
static bool strippable(int32_t cp, bool ascii_punct)
{
	if (cp < 0)
		return true;
	if (cp < 0x80)
		return is_space(cp) || (ascii_punct && !is_alnum(cp));
	return !cp_is_alnum(cp);
}

/* Strips strippable code points from both ends of [*b, *e); a final ')' stays when keep_paren. */
static void strip_edges(const char **b, const char **e, bool ascii_punct, bool keep_paren)
{
	while (*b < *e) {
		size_t adv;
		int32_t cp = decode(*b, (size_t)(*e - *b), &adv);
		if (!strippable(cp, ascii_punct))
			break;
		*b += adv;
	}
	while (*e > *b) {
		const char *start;
		int32_t cp = decode_last(*b, *e, &start);
		if ((keep_paren && cp == ')') || !strippable(cp, ascii_punct))
			break;
		*e = start;
	}
}

static bool put(char *out, size_t *o, size_t outsz, const char *p, size_t n)
{
	if (*o + n >= outsz)
		return false;
	memcpy(out + *o, p, n);
	*o += n;
	out[*o] = '\0';
	return true;
}

/* A matching key for labels, headings and column names: ASCII lowercased, with white space, '-', '_'
 * and Unicode dashes and spaces removed and '&' spelled "and" ("Follow-ups & Post Mortem" →
 * "followupsandpostmortem"). Other bytes are kept. False if it does not fit in `outsz`. */
static bool squash(const char *b, const char *e, char *out, size_t outsz)
{
	size_t o = 0;
	out[0] = '\0';
	while (b < e) {
		unsigned char c = (unsigned char)*b;
		if (c >= 0x80) {
			size_t adv;
			int32_t cp = decode(b, (size_t)(e - b), &adv);
			if (!(cp >= 0 && (is_uspace(cp) || is_udash(cp))) && !put(out, &o, outsz, b, adv))
				return false;
			b += adv;
			continue;
		}
		b++;
		if (is_space(c) || c == '-' || c == '_')
			continue;
		if (c == '&') {
			if (!put(out, &o, outsz, "and", 3))
				return false;
			continue;
		}
		char l = (char)lower(c);
		if (!put(out, &o, outsz, &l, 1))
			return false;
	}
	return true;
}

static bool in_list(const char *key, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(key, *list))
			return true;
	return false;
}

/* Case-insensitive ASCII: does s start with the lowercase word w? */
static bool ci_prefix(const char *s, const char *w)
{
	for (; *w; s++, w++)
		if (lower((unsigned char)*s) != *w)
			return false;
	return true;
}

static const char *skip_spaces(const char *p)
{
	while (is_space((unsigned char)*p))
		p++;
	return p;
}

/* Skips leading white space and non-ASCII symbols (emoji) — not letters, digits or ASCII punctuation. */
static const char *skip_lead_symbols(const char *p, const char *e)
{
	while (p < e) {
		size_t adv;
		int32_t cp = decode(p, (size_t)(e - p), &adv);
		if (!strippable(cp, false))
			break;
		p += adv;
	}
	return p;
}

/* --- norm_text ----------------------------------------------------------------------------- */

/*
 * Whether a code point can be left out of NFC: text made only of such code points is already NFC.
 * That holds when it has no canonical decomposition (so NFD leaves it alone) and can never be the
 * second half of a canonical composition. Every second half is a combining mark (category M*, checked
 * over all of Unicode in test_normalize.c) or a Hangul jamo, so: not a mark, combining class 0, no
 * canonical decomposition, not Hangul. Everything below U+0300 qualifies; so do emoji and most symbols.
 */
static bool nfc_inert(int32_t cp)
{
	if (cp < 0x300)
		return true;
	if ((cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0xAC00 && cp <= 0xD7A3))
		return false;
	const utf8proc_property_t *p = utf8proc_get_property(cp);
	bool canonical_decomposition = p->decomp_seqindex != UINT16_MAX && p->decomp_type == 0;
	return p->combining_class == 0 && !canonical_decomposition && p->category != UTF8PROC_CATEGORY_MN &&
	       p->category != UTF8PROC_CATEGORY_MC && p->category != UTF8PROC_CATEGORY_ME;
}

/* Slow path: any non-ASCII byte. Collapses white space code point by code point (invalid bytes become
 * U+FFFD), then applies NFC unless every code point is nfc_inert(). */
static char *norm_text_unicode(const char *s, size_t n)
{
	if (n > (SIZE_MAX - 1) / 3)
		return NULL;
	char *out = malloc(3 * n + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	bool pending = false, need_nfc = false;
	for (size_t i = 0; i < n;) {
		size_t adv;
		int32_t cp = decode(s + i, n - i, &adv);
		i += adv;
		if (cp < 0)
			cp = 0xFFFD;
		if (is_uspace(cp)) {
			pending = o > 0;
			continue;
		}
		if (pending) {
			out[o++] = ' ';
			pending = false;
		}
		if (!need_nfc && !nfc_inert(cp))
			need_nfc = true;
		o += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)out + o);
	}
	out[o] = '\0';
	if (!need_nfc)
		return out;
	utf8proc_uint8_t *nfc = NULL;
	utf8proc_ssize_t r = utf8proc_map((const utf8proc_uint8_t *)out, (utf8proc_ssize_t)o, &nfc,
					  UTF8PROC_COMPOSE | UTF8PROC_STABLE);
	if (r == UTF8PROC_ERROR_NOMEM) {
		free(out);
		return NULL;
	}
	if (r < 0) /* cannot happen on valid UTF-8; keep the collapsed text */
		return out;
	free(out);
	return (char *)nfc;
}

char *norm_text(const char *s, size_t n)
{
	/* Fast path: pure ASCII needs no decoding and no NFC; bail out at the first non-ASCII byte. */
	char *out = malloc(n + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	bool pending = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80) {
			free(out);
			return norm_text_unicode(s, n);
		}
		if (c == 0 || is_space(c)) {
			pending = o > 0;
			continue;
		}
		if (pending) {
			out[o++] = ' ';
			pending = false;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

/* --- incident fields ----------------------------------------------------------------------- */

/* Strips edges, then a trailing ':' (with spaces and symbols around it), and squashes. */
static bool label_key(const char *s, char *key, size_t keysz)
{
	const char *b = s, *e = s + strlen(s);
	strip_edges(&b, &e, false, false);
	while (e > b && (e[-1] == ':' || is_space(e[-1])))
		e--;
	strip_edges(&b, &e, false, false);
	return b < e && squash(b, e, key, keysz);
}

enum incident_field norm_label(const char *label)
{
	static const struct {
		enum incident_field f;
		const char *const names[10];
	} tab[] = {
	    {IF_ID,
	     {"incidentid", "incident", "incident#", "incidentnumber", "incidentno.", "incidentno", "id",
	      "postmortemid", "incidentref", NULL}},
	    {IF_DATE,
	     {"date", "incidentdate", "startdate", "dateofincident", "incidentdate(s)", "date(s)",
	      "incidentdates", "dateofoutage", NULL}},
	    {IF_DURATION, {"duration", NULL}},
	    {IF_SEVERITY, {"severity", "sev", NULL}},
	    {IF_REPORTER, {"reporter", "reportedby", NULL}},
	    {IF_APPROVED_BY, {"approvedby", "approver", NULL}},
	    {IF_REVIEW_DATE, {"postmortemreviewdate", "reviewdate", NULL}},
	    {IF_STATUS, {"status", "documentstatus", "postmortemstatus", "reportstatus", NULL}},
	    {IF_AUTHORS, {"authors", "author", "author(s)", "writtenby", "incidentowner", NULL}},
	};
	char key[64];
	if (!label_key(label, key, sizeof key))
		return IF_NONE;
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (in_list(key, tab[i].names))
			return tab[i].f;
	return IF_NONE;
}

/* Length of the incident id starting exactly at s (greedy suffix), or 0. The date part must be a real
 * date, and a suffix of only X's ("INC-2026-03-14-XXX", a half-filled template) is not an id. */
static size_t incident_id_at(const char *s, size_t n)
{
	static const char shape[] = "INC-dddd-dd-dd-";
	size_t k = sizeof shape - 1;
	if (n <= k)
		return 0;
	for (size_t i = 0; i < k; i++)
		if (shape[i] == 'd' ? !is_digit(s[i]) : s[i] != shape[i])
			return 0;
	size_t end = k;
	bool all_x = true;
	while (end < n && is_alnum(s[end])) {
		all_x = all_x && lower(s[end]) == 'x';
		end++;
	}
	if (end == k || all_x)
		return 0;
	int y = (s[4] - '0') * 1000 + (s[5] - '0') * 100 + (s[6] - '0') * 10 + (s[7] - '0');
	int m = (s[9] - '0') * 10 + (s[10] - '0');
	int d = (s[12] - '0') * 10 + (s[13] - '0');
	int32_t days;
	if (!date_from_ymd(y, m, d, &days))
		return 0;
	return end;
}

bool norm_is_incident_id(const char *s)
{
	size_t n = strlen(s);
	size_t l = incident_id_at(s, n);
	return l > 0 && l == n;
}

long norm_find_incident_id(const char *s, size_t *len)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++) {
		if (s[i] != 'I' || (i > 0 && (is_alnum(s[i - 1]) || s[i - 1] == '-')))
			continue;
		size_t l = incident_id_at(s + i, n - i);
		if (l == 0 || s[i + l] == '-')
			continue;
		if (len)
			*len = l;
		return (long)i;
	}
	return -1;
}

const char *norm_strip_postmortem_prefix(const char *s)
{
	const char *p = skip_spaces(s);
	if (!ci_prefix(p, "post"))
		return s;
	p += 4;
	size_t dl;
	if (*p == ' ')
		p++;
	else if ((dl = dash_len(p)) > 0)
		p += dl;
	if (!ci_prefix(p, "mortem"))
		return s;
	p += 6;
	p = skip_spaces(p);
	if (*p == '\0')
		return p;
	if (*p == ':' || *p == '|')
		p++;
	else if ((dl = dash_len(p)) > 0)
		p += dl;
	else
		return s;
	return skip_spaces(p);
}

int norm_severity(const char *s)
{
	const char *e = s + strlen(s);
	const char *p = skip_lead_symbols(s, e);
	if (ci_prefix(p, "severity"))
		p += 8;
	else if (ci_prefix(p, "sev"))
		p += 3;
	else
		return -1;
	for (int k = 0; k < 4; k++) {
		size_t dl = dash_len(p);
		if (*p == ' ' || *p == ':')
			p++;
		else if (dl > 0)
			p += dl;
		else
			break;
	}
	if (!is_digit(*p) || is_alnum(p[1]))
		return -1;
	return *p - '0';
}

/* A whole "[...]": one bracket pair, nothing outside it, no brackets inside. */
static bool whole_bracket(const char *b, const char *e)
{
	if (e - b < 2 || *b != '[' || e[-1] != ']')
		return false;
	for (const char *p = b + 1; p < e - 1; p++)
		if (*p == '[' || *p == ']')
			return false;
	return true;
}

/* "@username" and the like, as the template writes them (b at the '@'). */
static bool template_handle(const char *b, const char *e)
{
	static const char *const names[] = {"username", "user",     "name",     "names",
					    "handle",   "owner",    "person",   "someone",
					    "detector", "reporter", "approver", NULL};
	char key[32];
	return b < e && *b == '@' && squash(b + 1, e, key, sizeof key) && in_list(key, names);
}

bool norm_is_template_person(const char *s)
{
	const char *b = s, *e = s + strlen(s);
	trim(&b, &e);
	return whole_bracket(b, e) || template_handle(b, e);
}

/* --- sections and columns ------------------------------------------------------------------ */

bool norm_is_action_heading(const char *text)
{
	return section_is_action_heading(text, NULL); /* the vocabulary lives in sections.c */
}

enum column norm_column(const char *header)
{
	static const struct {
		enum column c;
		const char *const names[32];
	} tab[] = {
	    {COL_KEY, {"id", "#", "no", "no.", "ref", "item#", "actionid", "key", "aiid", "ai#", NULL}},
	    {COL_ACTION,
	     {"action",
	      "actionitem",
	      "actionitems",
	      "actionitem(s)",
	      "item",
	      "task",
	      "task(s)",
	      "tasks",
	      "description",
	      "what",
	      "remediation",
	      "remediationitem",
	      "remediationaction",
	      "followup",
	      "followups",
	      "followupaction",
	      "followupitem",
	      "todo",
	      "correctiveaction",
	      "preventiveaction",
	      "actiontaken?",
	      "actionrequired",
	      "step",
	      "nextstep",
	      NULL}},
	    {COL_OWNER,
	     {"owner", "owners", "owner(s)", "assignee", "assignees", "assignedto", "who", "dri",
	      "responsible", "team", "ownerteam", "owner/team", "responsibleteam", "accountable", "lead",
	      NULL}},
	    {COL_DUE,
	     {"due", "duedate", "dueby", "target", "targetdate", "target(date)", "deadline", "eta", "by",
	      "bywhen", "when", "targetcompletion", "completionby", NULL}},
	    {COL_PRIORITY, {"priority", "pri", "prio", "p", "severity/priority", NULL}},
	    {COL_STATUS, {"status", "state", "done?", "progress", "completed?", "resolved?", NULL}},
	};
	char key[64];
	if (!label_key(header, key, sizeof key))
		return COL_OTHER;
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (in_list(key, tab[i].names))
			return tab[i].c;
	return COL_OTHER;
}

bool norm_is_ref_column(const char *header)
{
	static const char *const names[] = {
	    "bug", "bugs", "ticket",   "tickets", "issue",      "issues",    "link",       "links", "pr",
	    "prs", "jira", "tracking", "type",    "bug/ticket", "reference", "references", NULL};
	char key[64];
	return label_key(header, key, sizeof key) && in_list(key, names);
}

/* --- rows ---------------------------------------------------------------------------------- */

static bool empty_cell(const char *b, const char *e)
{
	while (b < e) {
		size_t dl = dash_len(b);
		if (dl > 0)
			b += dl;
		else if (is_space(*b))
			b++;
		else
			return false;
	}
	return true;
}

bool norm_is_empty_cell(const char *s)
{
	return empty_cell(s, s + strlen(s));
}

bool norm_is_placeholder_action(const char *s)
{
	const char *b = s, *e = s + strlen(s);
	trim(&b, &e);
	return whole_bracket(b, e);
}

/* Whether every byte of key is in `set`. */
static bool only_of(const char *key, const char *set)
{
	return key[strspn(key, set)] == '\0';
}

/* "p0/p1/p2", "p0-p3", "p0,p1": at least two P-digits joined by / - , or |. */
static bool priority_template(const char *k)
{
	int n = 0;
	for (;;) {
		if (k[0] != 'p' || !is_digit(k[1]))
			return false;
		n++;
		k += 2;
		if (*k == '\0')
			return n >= 2;
		if (!strchr("/-,|", *k))
			return false;
		k++;
	}
}

static bool template_token(const char *b, const char *e)
{
	trim(&b, &e);
	if (b == e)
		return false;
	if (*b == '@')
		return template_handle(b, e);
	if (whole_bracket(b, e)) {
		/* "[date]", "[name]"; but "[ ]", "[x]" are checkboxes (a status) */
		const char *ib = b + 1, *ie = e - 1;
		trim(&ib, &ie);
		return ie - ib >= 2;
	}
	/* a key without spaces, Unicode dashes as '-' */
	char k[48];
	size_t o = 0;
	k[0] = '\0';
	for (const char *p = b; p < e;) {
		size_t dl = dash_len(p);
		if (dl > 0) {
			if (!put(k, &o, sizeof k, "-", 1))
				return false;
			p += dl;
			continue;
		}
		char c = (char)lower((unsigned char)*p++);
		if (c != ' ' && !put(k, &o, sizeof k, &c, 1))
			return false;
	}
	if (only_of(k, "ymd-/.") && strstr(k, "yy") && strstr(k, "mm") && strstr(k, "dd"))
		return true; /* YYYY-MM-DD, DD.MM.YYYY, MM/DD/YYYY */
	if (only_of(k, "hm:") && strstr(k, "hh") && strstr(k, "mm"))
		return true; /* HH:MM */
	return priority_template(k);
}

bool norm_is_template_token(const char *s)
{
	return template_token(s, s + strlen(s));
}

/* --- owners -------------------------------------------------------------------------------- */

static bool no_owner(const char *b, const char *e)
{
	static const char *const none[] = {"tbd", "tba", "n/a", "n.a.", "unassigned", "none", NULL};
	if (empty_cell(b, e) || template_token(b, e))
		return true;
	char key[16];
	size_t o = 0;
	key[0] = '\0';
	for (const char *p = b; p < e; p++) {
		char c = (char)lower((unsigned char)*p);
		if (!put(key, &o, sizeof key, &c, 1))
			return false;
	}
	return only_of(key, "?") || in_list(key, none);
}

static bool is_handle_char(int c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == '-';
}

/* Bytes of the handle character at p ([e is the end]): an ASCII letter, digit, '.', '_' or '-', or
 * any Unicode letter, combining mark or digit (utf8proc categories), so "@jörg", "@łukasz.nowak",
 * "@Zoë" and CJK handles keep every letter. 0 if p is not one. */
static size_t handle_char_len(const char *p, const char *e)
{
	unsigned char c = (unsigned char)*p;
	if (c < 0x80)
		return is_handle_char(c) ? 1 : 0;
	size_t adv;
	int32_t cp = decode(p, (size_t)(e - p), &adv);
	if (cp < 0)
		return 0;
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ND:
		return adv;
	default:
		return 0;
	}
}

size_t norm_handle_at(const char *p, const char *e)
{
	const char *b = p;
	if (p >= e || *p != '@')
		return 0;
	const char *q = p + 1;
	size_t k;
	bool slash = false;
	for (;;) {
		while (q < e && (k = handle_char_len(q, e)) > 0)
			q += k;
		/* "@org/team": one GitHub team */
		if (!slash && q + 1 < e && *q == '/' && q > p + 1 && handle_char_len(q + 1, e) > 0) {
			slash = true;
			q++;
			continue;
		}
		break;
	}
	while (q > p + 1 && (q[-1] == '.' || q[-1] == '-'))
		q--;
	return q > b + 1 ? (size_t)(q - b) : 0;
}

static int push_owner(char ***v, int *n, int *cap, const char *p, size_t len)
{
	for (int i = 0; i < *n; i++) /* the same handle twice counts once */
		if (strlen((*v)[i]) == len && !memcmp((*v)[i], p, len))
			return 0;
	if (*n == *cap) {
		int nc = *cap ? *cap * 2 : 4;
		char **nv = realloc(*v, (size_t)nc * sizeof *nv);
		if (!nv)
			return -1;
		*v = nv;
		*cap = nc;
	}
	char *str = strndup(p, len);
	if (!str)
		return -1;
	(*v)[(*n)++] = str;
	return 0;
}

/* Length of an owner separator at p: ',', ';', '&', '/', '+', or " and " (any case); 0 if none. */
static size_t owner_sep(const char *p, const char *b, const char *e)
{
	if (*p == ',' || *p == ';' || *p == '&' || *p == '/' || *p == '+')
		return 1;
	if (p > b && p[-1] == ' ' && e - p > 4 && ci_prefix(p, "and") && p[3] == ' ')
		return 3;
	return 0;
}

int norm_owners(const char *s, char ***owners)
{
	const char *b = s, *e = s + strlen(s);
	char **v = NULL;
	int n = 0, cap = 0;
	bool handles = false;
	*owners = NULL;
	trim(&b, &e);
	if (no_owner(b, e))
		return 0;
	for (const char *p = b; p < e; p++) {
		/* '@' after a handle character is an e-mail address (jane@example.com), not a handle */
		if (*p != '@' || (p > b && is_handle_char((unsigned char)p[-1])))
			continue;
		size_t hl = norm_handle_at(p, e);
		if (hl) {
			handles = true;
			if (!template_handle(p, p + hl) && push_owner(&v, &n, &cap, p + 1, hl - 1) < 0)
				goto oom;
			p += hl - 1;
		}
	}
	if (!handles) {
		/* names: several, separated by , ; & / + or " and " ("Alice and Bob", "SRE / DBA") */
		const char *start = b;
		for (const char *p = b; p <= e; p++) {
			size_t sl = p < e ? owner_sep(p, b, e) : 1;
			if (!sl)
				continue;
			const char *pb = start, *pe = p;
			trim(&pb, &pe);
			if (pe > pb && !no_owner(pb, pe) &&
			    push_owner(&v, &n, &cap, pb, (size_t)(pe - pb)) < 0)
				goto oom;
			if (p == e)
				break;
			p += sl - 1;
			start = p + 1;
		}
	}
	if (n == 0) {
		free(v);
		return 0;
	}
	*owners = v;
	return n;
oom:
	norm_owners_free(v, n);
	return -1;
}

void norm_owners_free(char **owners, int n)
{
	if (!owners)
		return;
	for (int i = 0; i < n; i++)
		free(owners[i]);
	free(owners);
}

/* --- due dates ----------------------------------------------------------------------------- */

#define DUE_MAX 128

static size_t count_digits(const char *p)
{
	size_t n = 0;
	while (is_digit(p[n]))
		n++;
	return n;
}

/* Value of n (<= 4) digits. */
static int num(const char *p, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (p[i] - '0');
	return v;
}

static enum due_result finish(int y, int m, int d, int32_t *days)
{
	int32_t t;
	if (!date_from_ymd(y, m, d, &t))
		return DUE_INVALID;
	*days = t;
	return DUE_OK;
}

/* A time of day to the end of the (lowercased) string: "17:00", "17:00:30.5", "5pm", "5:30 pm",
 * then an optional zone: "z", "utc", "gmt", "+02:00", "-0500" or a short abbreviation ("cet"). */
static bool time_ok(const char *p)
{
	size_t n = count_digits(p);
	if (n == 0 || n > 2)
		return false;
	int h = num(p, n), mi = 0, sec = 0;
	p += n;
	bool colon = *p == ':';
	if (colon) {
		p++;
		if (count_digits(p) != 2)
			return false;
		mi = num(p, 2);
		p += 2;
		if (*p == ':') {
			p++;
			if (count_digits(p) != 2)
				return false;
			sec = num(p, 2);
			p += 2;
			if (*p == '.' && is_digit(p[1]))
				p += 1 + count_digits(p + 1);
		}
	}
	p = skip_spaces(p);
	if (ci_prefix(p, "am") || ci_prefix(p, "pm")) {
		if (h < 1 || h > 12)
			return false;
		p = skip_spaces(p + 2);
	} else if (!colon) {
		return false; /* a bare "17" is not a time */
	}
	if (h > 24 || mi > 59 || sec > 60)
		return false;
	if (*p == '+' || *p == '-') {
		p++;
		if (count_digits(p) == 4)
			p += 4;
		else if (count_digits(p) == 2 && p[2] == ':' && count_digits(p + 3) == 2)
			p += 5;
		else if (count_digits(p) == 2)
			p += 2;
		else
			return false;
	} else {
		size_t k = 0;
		while (is_alpha(p[k]))
			k++;
		if (k > 5)
			return false;
		p += k;
	}
	return *skip_spaces(p) == '\0';
}

/* What may follow a date: nothing, or a time ("T17:00Z", " 17:00", " at 5pm"). */
static bool rest_ok(const char *p)
{
	if (*p == '\0')
		return true;
	if (*p == 't' && is_digit(p[1]))
		return time_ok(p + 1);
	if (*p != ' ' && *p != ',')
		return false;
	while (*p == ' ' || *p == ',')
		p++;
	if (ci_prefix(p, "at "))
		p += 3;
	return time_ok(p);
}

/* Numeric forms: Y-M-D (- / .), D.M.Y (day-first), and N/N/Y or N-N-Y, whose order is `order` or,
 * when auto, whichever reading is a real date (both real and different → ambiguous). When `order` is
 * set but its reading is not a real date while the other one is (13/05/2026 with MDY), the real one
 * is taken. Two-digit years are 20YY and follow the same rules ("4/7/26" is ambiguous in auto).
 * Returns -1 if the text is not of this shape. */
static int parse_numeric(const char *p, enum date_order order, int32_t *days)
{
	size_t la = count_digits(p);
	if (la == 0 || la == 3 || la > 4)
		return -1;
	char sep = p[la];
	if (sep != '-' && sep != '/' && sep != '.')
		return -1;
	const char *q = p + la + 1;
	size_t lb = count_digits(q);
	if (lb == 0 || lb > 2 || q[lb] != sep)
		return -1;
	const char *r = q + lb + 1;
	size_t lc = count_digits(r);
	if (la == 4 ? (lc == 0 || lc > 2) : (lc != 2 && lc != 4))
		return -1;
	int a = num(p, la), b = num(q, lb), c = num(r, lc);
	if (!rest_ok(r + lc))
		return DUE_FREE_TEXT;
	if (la == 4)
		return finish(a, b, c, days);
	int y = lc == 2 ? 2000 + c : c;
	if (sep == '.')
		return finish(y, b, a, days);
	int32_t tdmy = 0, tmdy = 0;
	bool dmy = date_from_ymd(y, b, a, &tdmy), mdy = date_from_ymd(y, a, b, &tmdy);
	if (!dmy && !mdy)
		return DUE_INVALID;
	if (dmy && mdy && tdmy != tmdy && order == DATE_ORDER_AUTO)
		return DUE_AMBIGUOUS;
	if (dmy && (order != DATE_ORDER_MDY || !mdy))
		*days = tdmy;
	else
		*days = tmdy;
	return DUE_OK;
}

enum tok_kind { TK_END, TK_NUM, TK_MONTH, TK_OF, TK_OTHER };

struct tok {
	enum tok_kind kind;
	int val;
	size_t ndig;
	bool ordinal;
};

static int month_of(const char *w, size_t n)
{
	static const char *const names[] = {"january",   "february", "march",    "april",
					    "may",       "june",     "july",     "august",
					    "september", "october",  "november", "december"};
	if (n == 4 && !memcmp(w, "sept", 4))
		return 9;
	for (int i = 0; i < 12; i++)
		if ((n == 3 || n == strlen(names[i])) && !memcmp(w, names[i], n))
			return i + 1;
	return 0;
}

/* Next token of a textual date; separators are " ,.-/'". */
static struct tok next_tok(const char **cp)
{
	struct tok t = {TK_END, 0, 0, false};
	const char *p = *cp;
	while (*p && strchr(" ,.-/'", *p))
		p++;
	if (*p == '\0') {
		*cp = p;
		return t;
	}
	if (is_digit(*p)) {
		size_t n = count_digits(p);
		t.kind = TK_NUM;
		t.ndig = n;
		t.val = n <= 4 ? num(p, n) : 0;
		p += n;
		if (is_alpha(*p)) {
			if (is_alpha(p[1]) && !is_alpha(p[2]) &&
			    (ci_prefix(p, "st") || ci_prefix(p, "nd") || ci_prefix(p, "rd") ||
			     ci_prefix(p, "th"))) {
				t.ordinal = true;
				p += 2;
			} else {
				t.kind = TK_OTHER;
			}
		}
	} else if (is_alpha(*p)) {
		const char *w = p;
		while (is_alpha(*p))
			p++;
		size_t n = (size_t)(p - w);
		if ((t.val = month_of(w, n)) > 0)
			t.kind = TK_MONTH;
		else if (n == 2 && !memcmp(w, "of", 2))
			t.kind = TK_OF;
		else
			t.kind = TK_OTHER;
	} else {
		t.kind = TK_OTHER;
		p++;
	}
	*cp = p;
	return t;
}

/* "April 7, 2026", "Apr 7th 2026", "7 April, 2026", "7th of April 2026", "7-Apr-26", with an optional
 * time after; no year → default_year. Returns -1 if the text is not of this shape. */
static int parse_textual(const char *p, int default_year, int32_t *days)
{
	int m, d, y = 0;
	struct tok t = next_tok(&p);
	if (t.kind == TK_MONTH) {
		m = t.val;
		t = next_tok(&p);
		if (t.kind != TK_NUM || t.ndig > 2)
			return -1;
		d = t.val;
	} else if (t.kind == TK_NUM && t.ndig <= 2) {
		d = t.val;
		t = next_tok(&p);
		if (t.kind == TK_OF)
			t = next_tok(&p);
		if (t.kind != TK_MONTH)
			return -1;
		m = t.val;
	} else {
		return -1;
	}
	const char *save = p;
	t = next_tok(&p);
	if (t.kind == TK_NUM && !t.ordinal && (t.ndig == 4 || t.ndig == 2) && *p != ':')
		y = t.ndig == 2 ? 2000 + t.val : t.val;
	else
		p = save;
	if (!rest_ok(p))
		return DUE_FREE_TEXT;
	if (y == 0) {
		if (default_year <= 0)
			return DUE_FREE_TEXT;
		y = default_year;
	}
	return finish(y, m, d, days);
}

static bool ends_with_word(const char *buf, size_t n, const char *w)
{
	size_t k = strlen(w);
	return n >= k && !memcmp(buf + n - k, w, k) && (n == k || !is_alnum(buf[n - k - 1]));
}

static bool is_weekday(const char *w, size_t n)
{
	static const char *const names[] = {"monday",   "tuesday", "wednesday", "thursday", "friday",
					    "saturday", "sunday",  "mon",       "tue",      "tues",
					    "wed",      "weds",    "thu",       "thur",     "thurs",
					    "fri",      "sat",     "sun",       NULL};
	for (const char *const *x = names; *x; x++)
		if (strlen(*x) == n && !memcmp(w, *x, n))
			return true;
	return false;
}

/* Copies a due cell into buf, lowercased, dashes as '-', white space collapsed; then drops trailing
 * "(...)" remarks, "EOD", "end of day", "COB" and punctuation, and a leading weekday. */
static bool due_prepare(const char *b, const char *e, char *buf, size_t bufsz, const char **start)
{
	size_t o = 0;
	buf[0] = '\0';
	while (b < e) {
		size_t dl = dash_len(b);
		if (dl > 0) {
			b += dl;
			if (!put(buf, &o, bufsz, "-", 1))
				return false;
			continue;
		}
		size_t adv = 1;
		int32_t cp = (unsigned char)*b < 0x80 ? (unsigned char)*b : decode(b, (size_t)(e - b), &adv);
		if (cp >= 0 && is_uspace(cp)) {
			b += adv;
			if (o > 0 && buf[o - 1] != ' ' && !put(buf, &o, bufsz, " ", 1))
				return false;
			continue;
		}
		if (adv == 1) {
			char c = (char)lower((unsigned char)*b);
			if (!put(buf, &o, bufsz, &c, 1))
				return false;
		} else if (!put(buf, &o, bufsz, b, adv)) {
			return false;
		}
		b += adv;
	}
	for (bool changed = true; changed;) {
		size_t before = o;
		while (o > 0 && strchr(" .,;", buf[o - 1]))
			o--;
		if (o > 0 && buf[o - 1] == ')') {
			size_t q = o - 1;
			while (q > 0 && buf[q] != '(')
				q--;
			if (buf[q] == '(')
				o = q;
		} else {
			static const char *const eod[] = {
			    "end of day", "end of business", "eod", "cob", "eob", NULL};
			for (const char *const *w = eod; *w; w++)
				if (ends_with_word(buf, o, *w)) {
					o -= strlen(*w);
					break;
				}
		}
		buf[o] = '\0';
		changed = o != before;
	}
	const char *p = buf, *w = buf;
	while (is_alpha(*p))
		p++;
	if (p > w && is_weekday(w, (size_t)(p - w))) {
		if (*p == '.')
			p++;
		if (*p == ',')
			p++;
		p = skip_spaces(p);
		if (*p)
			w = p;
	}
	*start = w;
	return true;
}

enum due_result norm_due(const char *s, int default_year, enum date_order order, int32_t *days)
{
	const char *b = s, *e = s + strlen(s);
	trim(&b, &e);
	if (empty_cell(b, e) || template_token(b, e))
		return DUE_NONE;
	char buf[DUE_MAX];
	const char *p;
	if (!due_prepare(b, e, buf, sizeof buf, &p) || *p == '\0')
		return DUE_FREE_TEXT;
	int r = parse_numeric(p, order, days);
	if (r < 0)
		r = parse_textual(p, default_year, days);
	return r < 0 ? DUE_FREE_TEXT : (enum due_result)r;
}

/* --- priority and status ------------------------------------------------------------------- */

int norm_priority(const char *s)
{
	static const struct {
		const char *w;
		int p;
	} words[] = {
	    {"critical", 0}, {"urgent", 0}, {"highest", 0}, {"blocker", 0}, {"high", 1},  {"medium", 2},
	    {"med", 2},      {"normal", 2}, {"low", 3},     {"lowest", 3},  {"minor", 3},
	};
	const char *b = s, *e = s + strlen(s);
	trim(&b, &e);
	if (empty_cell(b, e) || template_token(b, e))
		return PRIORITY_NONE;
	const char *p = skip_lead_symbols(b, e);
	if (p < e && lower((unsigned char)*p) == 'p') {
		const char *q = p + 1;
		if (q < e && (*q == '-' || *q == ' '))
			q++;
		if (q < e && is_digit(*q) && (q + 1 == e || !is_alnum(q[1])))
			return *q <= '3' ? *q - '0' : -2;
	}
	const char *w = p;
	while (p < e && is_alpha(*p))
		p++;
	size_t n = (size_t)(p - w);
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		size_t k = strlen(words[i].w);
		if (k == n) {
			size_t j = 0;
			while (j < n && lower((unsigned char)w[j]) == words[i].w[j])
				j++;
			if (j == n)
				return words[i].p;
		}
	}
	return -2;
}

/* Status emoji; -1 if cp is not one. */
static int status_emoji(int32_t cp)
{
	switch (cp) {
	case 0x2705: /* ✅ */
	case 0x2714: /* ✔ */
	case 0x2713: /* ✓ */
	case 0x2611: /* ☑ */
		return STATUS_DONE;
	case 0x274C:  /* ❌ */
	case 0x1F6AB: /* 🚫 */
		return STATUS_WONT_DO;
	case 0x26D4: /* ⛔ */
		return STATUS_BLOCKED;
	case 0x1F6A7: /* 🚧 */
	case 0x1F504: /* 🔄 */
		return STATUS_IN_PROGRESS;
	case 0x23F3: /* ⏳ */
		return STATUS_OPEN;
	default:
		return -1;
	}
}

/* The status named by the leading words of [p, e), or -1. Words are compared lowercased with
 * apostrophes dropped (won't / won’t / wont) and every other non-letter as a word break. */
static int status_words(const char *p, const char *e)
{
	static const struct {
		const char *w;
		enum status s;
	} words[] = {
	    {"not started", STATUS_OPEN},
	    {"not yet started", STATUS_OPEN},
	    {"not done", STATUS_OPEN},
	    {"open", STATUS_OPEN},
	    {"reopened", STATUS_OPEN},
	    {"to do", STATUS_OPEN},
	    {"todo", STATUS_OPEN},
	    {"new", STATUS_OPEN},
	    {"planned", STATUS_OPEN},
	    {"pending", STATUS_OPEN},
	    {"backlog", STATUS_OPEN},
	    {"in progress", STATUS_IN_PROGRESS},
	    {"inprogress", STATUS_IN_PROGRESS},
	    {"work in progress", STATUS_IN_PROGRESS},
	    {"wip", STATUS_IN_PROGRESS},
	    {"doing", STATUS_IN_PROGRESS},
	    {"ongoing", STATUS_IN_PROGRESS},
	    {"started", STATUS_IN_PROGRESS},
	    {"in review", STATUS_IN_PROGRESS},
	    {"under review", STATUS_IN_PROGRESS},
	    {"blocked", STATUS_BLOCKED},
	    {"on hold", STATUS_BLOCKED},
	    {"onhold", STATUS_BLOCKED},
	    {"waiting", STATUS_BLOCKED},
	    {"done", STATUS_DONE},
	    {"complete", STATUS_DONE},
	    {"completed", STATUS_DONE},
	    {"closed", STATUS_DONE},
	    {"fixed", STATUS_DONE},
	    {"resolved", STATUS_DONE},
	    {"shipped", STATUS_DONE},
	    {"finished", STATUS_DONE},
	    {"wont", STATUS_WONT_DO},
	    {"wontfix", STATUS_WONT_DO},
	    {"wontdo", STATUS_WONT_DO},
	    {"will not", STATUS_WONT_DO},
	    {"dropped", STATUS_WONT_DO},
	    {"cancelled", STATUS_WONT_DO},
	    {"canceled", STATUS_WONT_DO},
	    {"rejected", STATUS_WONT_DO},
	    {"not doing", STATUS_WONT_DO},
	    {"not planned", STATUS_WONT_DO},
	    {"obsolete", STATUS_WONT_DO},
	    {"declined", STATUS_WONT_DO},
	    {"abandoned", STATUS_WONT_DO},
	};
	char key[40];
	size_t o = 0;
	key[0] = '\0';
	while (p < e && o + 1 < sizeof key) {
		size_t adv = 1;
		int32_t cp = (unsigned char)*p < 0x80 ? (unsigned char)*p : decode(p, (size_t)(e - p), &adv);
		p += adv;
		if (cp == '\'' || cp == 0x2019 || cp == 0x2018 || cp == 0x02BC)
			continue;
		char c = cp >= 0 && cp < 0x80 && is_alnum(cp) ? (char)lower(cp) : ' ';
		if (c == ' ' && (o == 0 || key[o - 1] == ' '))
			continue;
		key[o++] = c;
		key[o] = '\0';
	}
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		size_t k = strlen(words[i].w);
		if (!strncmp(key, words[i].w, k) && (key[k] == ' ' || key[k] == '\0'))
			return (int)words[i].s;
	}
	return -1;
}

/*
 * Markers before the words: status emoji (✅ 🚧 …) and checkboxes ("[x]", "[ ]"); other emoji are
 * skipped. When an emoji and a word both name a status and disagree ("✅ Blocked"), the word wins: it
 * is what the author typed on purpose, while emoji are often decoration left from a template. An
 * emoji decides when there is no known word ("✅", "✅ see PR #12", "PR merged ✅").
 */
enum status norm_status(const char *s, bool *known)
{
	bool dummy;
	if (!known)
		known = &dummy;
	*known = true;
	const char *b = s, *e = s + strlen(s);
	trim(&b, &e);
	if (empty_cell(b, e))
		return STATUS_OPEN;
	int marker = -1;
	const char *p = b;
	while (p < e) {
		if (*p == '[') {
			const char *ib = p + 1, *ie = ib;
			while (ie < e && *ie != ']')
				ie++;
			if (ie == e)
				break;
			size_t n = (size_t)(ie - ib);
			if (n == 0 || (n == 1 && *ib == ' '))
				marker = marker < 0 ? STATUS_OPEN : marker;
			else if (n == 1 && lower((unsigned char)*ib) == 'x')
				marker = marker < 0 ? STATUS_DONE : marker;
			else
				break;
			p = ie + 1;
			continue;
		}
		size_t adv;
		int32_t cp = decode(p, (size_t)(e - p), &adv);
		if (!strippable(cp, false))
			break;
		int st = status_emoji(cp);
		if (st >= 0 && marker < 0)
			marker = st;
		p += adv;
	}
	int w = status_words(p, e);
	if (w >= 0)
		return (enum status)w;
	for (const char *q = p; marker < 0 && q < e;) {
		size_t adv;
		marker = status_emoji(decode(q, (size_t)(e - q), &adv));
		q += adv;
	}
	if (marker >= 0)
		return (enum status)marker;
	*known = false;
	return STATUS_OPEN;
}
