/*
 * sections.c — the vocabulary of action-section headings and the matcher (see sections.h).
 *
 * The phrases come from how teams title the section in published post-mortems: the seed template's
 * "Action Items", the Google SRE book's "Action Items", "Follow-ups", "Remediation(s)", "Corrective
 * and Preventative Measures", ITIL's CAPA, "Next steps", "Action plan", "Improvements", "To do", and
 * the "What we are doing about it" of public status-page write-ups. "Lessons learned" alone is not an
 * action section: its lists are what went well and what went wrong.
 */
#include "sections.h"

#include <string.h>
#include <utf8proc.h>

#include "banned.h"

#define MAX_WORDS 16
#define WORD_MAX 32

static const char *const vocabulary[] = {
    "action items",
    "action item",
    "action points",
    "action list",
    "action plan",
    "action plans",
    "actions to take",
    "next actions",
    "follow ups",
    "follow up actions",
    "follow up action items",
    "follow up items",
    "follow up tasks",
    "follow up work",
    "follow up tickets",
    "follow up issues",
    "open items",
    "outstanding items",
    "action required",
    "actions required",
    "things to improve",
    "things to do",
    "what we are going to do *",
    "what were going to do *",
    "remediation",
    "remediations",
    "remediation items",
    "remediation actions",
    "remediation action items",
    "remediation steps",
    "remediation plan",
    "remediation tasks",
    "remediation work",
    "corrective actions",
    "corrective action",
    "corrective action items",
    "corrective measures",
    "corrective steps",
    "corrective and preventive actions",
    "corrective and preventive measures",
    "corrective and preventative actions",
    "corrective and preventative measures",
    "corrective and preventive action",
    "corrective and preventative action",
    "preventive and corrective actions",
    "preventive and corrective measures",
    "capa",
    "capas",
    "preventive actions",
    "preventative actions",
    "preventive measures",
    "preventative measures",
    "preventive steps",
    "preventative steps",
    "prevention steps",
    "prevention measures",
    "prevention actions",
    "preventing recurrence",
    "prevention of recurrence",
    "recurrence prevention",
    "mitigation items",
    "mitigation actions",
    "mitigation tasks",
    "mitigation plan",
    "next steps",
    "improvements",
    "improvement items",
    "improvement actions",
    "improvement tasks",
    "improvement plan",
    "to do",
    "to dos",
    "to do list",
    "tasks",
    "open tasks",
    "work items",
    "recommended actions",
    "future work",
    "going forward",
    "moving forward",
    "whats next",
    "what is next",
    "what we are doing *",
    "what were doing *",
    "what we will do *",
    "what well do *",
    "what we are changing *",
    "what were changing *",
    "what we will change *",
    "how we will prevent *",
    "how we are preventing *",
    "how were preventing *",
    "preventing this *",
    NULL,
};

/* Words that may stand before a phrase ("Open action items", "Long-term follow-ups"). */
static const char *const qualifiers[] = {
    "key",         "main",        "open",        "outstanding", "remaining", "proposed",
    "planned",     "recommended", "suggested",   "new",         "immediate", "short",
    "long",        "medium",      "longer",      "term",        "future",    "further",
    "additional",  "follow",      "up",          "post",        "incident",  "postmortem",
    "mortem",      "our",         "team",        "technical",   "process",   "documentation",
    "code",        "monitoring",  "engineering", "security",    "systemic",  "prioritized",
    "prioritised", "agreed",      "identified",  "resulting",   "pending",   "current",
    "list",        "of",          "summary",     "all",         "the",       "final",
    "tracked",     NULL,
};

const char *const *section_vocabulary(void)
{
	return vocabulary;
}

struct words {
	char w[MAX_WORDS][WORD_MAX];
	int n;
};

static bool in_list(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(w, *list))
			return true;
	return false;
}

static bool push_word(struct words *ws, const char *s, size_t n)
{
	if (ws->n >= MAX_WORDS || n >= WORD_MAX)
		return false;
	memcpy(ws->w[ws->n], s, n);
	ws->w[ws->n][n] = '\0';
	ws->n++;
	return true;
}

/* Adds a word, spelling out the joined forms ("followups" → "follow ups"). */
static bool add_word(struct words *ws, const char *s, size_t n)
{
	static const struct {
		const char *joined, *a, *b;
	} split[] = {
	    {"followups", "follow", "ups"}, {"followup", "follow", "up"},
	    {"todo", "to", "do"},           {"todos", "to", "dos"},
	    {"nextsteps", "next", "steps"}, {"actionitems", "action", "items"},
	};
	for (size_t i = 0; i < sizeof split / sizeof split[0]; i++)
		if (strlen(split[i].joined) == n && !memcmp(s, split[i].joined, n))
			return push_word(ws, split[i].a, strlen(split[i].a)) &&
			       push_word(ws, split[i].b, strlen(split[i].b));
	return push_word(ws, s, n);
}

static bool is_letter_or_digit(int32_t cp)
{
	if ((cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF))
		return false; /* variation selectors (emoji presentation) */
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ND:
		return true;
	default:
		return false;
	}
}

/* Removes one balanced trailing "(...)" from [b, *e); false if there is none. */
static bool strip_trailing_paren(const char *b, const char **e)
{
	const char *q = *e;
	while (q > b && (q[-1] == ' ' || q[-1] == '\t'))
		q--;
	if (q == b || q[-1] != ')')
		return false;
	int depth = 0;
	while (q > b) {
		q--;
		if (*q == ')')
			depth++;
		else if (*q == '(' && --depth == 0) {
			*e = q;
			return true;
		}
	}
	return false;
}

/* Strips trailing code points that are neither letters, digits nor ')' (spaces, ':', emoji). */
static void strip_trailing_symbols(const char *b, const char **e)
{
	while (*e > b) {
		const char *p = *e - 1;
		for (int k = 0; p > b && k < 3 && ((unsigned char)*p & 0xC0) == 0x80; k++)
			p--;
		int32_t cp = 0;
		utf8proc_ssize_t adv = utf8proc_iterate((const utf8proc_uint8_t *)p, *e - p, &cp);
		if (adv <= 0 || p + adv != *e) {
			*e -= 1; /* an invalid byte */
			continue;
		}
		bool keep = cp == ')' ||
			    (cp < 0x80 && ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
					   (cp >= '0' && cp <= '9'))) ||
			    (cp >= 0x80 && is_letter_or_digit(cp));
		if (keep)
			return;
		*e = p;
	}
}

static bool all_digits(const char *w)
{
	if (!*w)
		return false;
	for (; *w; w++)
		if (*w < '0' || *w > '9')
			return false;
	return true;
}

static bool is_roman(const char *w)
{
	static const char *const r[] = {"i",    "ii", "iii", "iv", "v",   "vi", "vii",
					"viii", "ix", "x",   "xi", "xii", NULL};
	return in_list(w, r);
}

static bool tokenize(const char *text, struct words *ws)
{
	const char *b = text, *e = text + strlen(text);
	ws->n = 0;
	for (int round = 0; round < 8; round++) {
		strip_trailing_symbols(b, &e);
		if (!strip_trailing_paren(b, &e))
			break;
	}
	char cur[WORD_MAX];
	size_t cl = 0;
	bool roman_dot = false; /* "VII." leads like a number */
	const char *p = b;
	while (p <= e) {
		int32_t cp = 0;
		utf8proc_ssize_t adv = 1;
		if (p < e) {
			adv = utf8proc_iterate((const utf8proc_uint8_t *)p, e - p, &cp);
			if (adv <= 0) {
				adv = 1;
				cp = 0xFFFD;
			}
		}
		bool letter = p < e && ((cp < 0x80 && ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
						       (cp >= '0' && cp <= '9'))) ||
					(cp >= 0x80 && is_letter_or_digit(cp)));
		bool apostrophe = cp == '\'' || cp == 0x2019 || cp == 0x2018 || cp == 0x02BC;
		if (letter) {
			if (cp < 0x80) {
				char c = (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
				if (cl + 1 >= sizeof cur)
					return false;
				cur[cl++] = c;
			} else {
				if (cl + (size_t)adv >= sizeof cur)
					return false;
				memcpy(cur + cl, p, (size_t)adv);
				cl += (size_t)adv;
			}
		} else if (!apostrophe || p == e) {
			if (cl) {
				cur[cl] = '\0';
				if (ws->n == 0 && is_roman(cur) && p < e && *p == '.')
					roman_dot = true;
				if (!add_word(ws, cur, cl))
					return false;
				cl = 0;
			}
			if (p < e && (cp == '&' || cp == '/' || cp == ',' || cp == '+') &&
			    !push_word(ws, "and", 3))
				return false;
			else if (p < e && cp >= 0x80 && cp != 0xA0 && !(cp >= 0x2000 && cp <= 0x206F) &&
				 !push_word(ws, "*", 1))
				return false; /* an emoji or symbol: a word that matches nothing */
		}
		p += adv;
		if (p > e)
			break;
	}
	/* leading numbers ("7", "7 3"), a leading roman numeral with a dot, emoji at either end */
	int lead = 0;
	while (lead < ws->n &&
	       (all_digits(ws->w[lead]) || !strcmp(ws->w[lead], "*") || (lead == 0 && roman_dot)))
		lead++;
	int end = ws->n;
	while (end > lead && !strcmp(ws->w[end - 1], "*"))
		end--;
	if (lead) {
		memmove(ws->w, ws->w + lead, (size_t)(end - lead) * sizeof ws->w[0]);
	}
	ws->n = end - lead;
	return true;
}

/* Whether words[from, to) equal a phrase; a phrase ending in " *" takes any words after it. */
static bool phrase_match(const struct words *ws, int from, int to, const char *phrase)
{
	const char *p = phrase;
	int i = from;
	while (*p) {
		const char *sp = strchr(p, ' ');
		size_t n = sp ? (size_t)(sp - p) : strlen(p);
		if (n == 1 && *p == '*')
			return i < to || i == to; /* the rest is free */
		if (i >= to || strlen(ws->w[i]) != n || memcmp(ws->w[i], p, n))
			return false;
		i++;
		p += n;
		while (*p == ' ')
			p++;
	}
	return i == to;
}

/* "actions" or "fixes" preceded by one to three qualifier words and nothing else. */
static bool len_ok_qualified(const struct words *ws, int from, int to, const char *const *quals)
{
	int len = to - from;
	if (len < 2 || len > 4 || (strcmp(ws->w[to - 1], "actions") && strcmp(ws->w[to - 1], "fixes")))
		return false;
	for (int i = from; i < to - 1; i++)
		if (!in_list(ws->w[i], quals) || !strcmp(ws->w[i], "the") || !strcmp(ws->w[i], "of"))
			return false;
	return true;
}

static bool part_matches(const struct words *ws, int from, int to, const struct words *extra, int nextra)
{
	if (from >= to)
		return false;
	/* up to three qualifiers before a phrase */
	for (int q = 0; q <= 3 && from + q < to; q++) {
		if (q > 0 && !in_list(ws->w[from + q - 1], qualifiers))
			break;
		for (const char *const *v = vocabulary; *v; v++)
			if (phrase_match(ws, from + q, to, *v))
				return true;
		for (int x = 0; x < nextra; x++) {
			if (extra[x].n != to - from - q)
				continue;
			bool eq = true;
			for (int k = 0; k < extra[x].n && eq; k++)
				eq = !strcmp(extra[x].w[k], ws->w[from + q + k]);
			if (eq)
				return true;
		}
	}
	/* "… actions" / "… fixes" after qualifiers only ("Post-incident actions", "Planned fixes") */
	if (len_ok_qualified(ws, from, to, qualifiers))
		return true;
	/* "… improvements": any one or two words before it */
	int len = to - from;
	if (len >= 2 && len <= 3 && !strcmp(ws->w[to - 1], "improvements"))
		return true;
	return false;
}

bool section_words(const char *text, char *out, size_t outsz)
{
	struct words ws;
	if (!tokenize(text, &ws))
		return false;
	size_t o = 0;
	if (outsz)
		out[0] = '\0';
	for (int i = 0; i < ws.n; i++) {
		size_t n = strlen(ws.w[i]);
		if (o + n + 2 > outsz)
			return false;
		if (i)
			out[o++] = ' ';
		memcpy(out + o, ws.w[i], n + 1);
		o += n;
	}
	return true;
}

bool section_is_action_heading(const char *text, const char *const *extra)
{
	struct words ws;
	if (!tokenize(text, &ws) || ws.n == 0)
		return false;
	struct words ex[16];
	int nex = 0;
	for (; extra && *extra && nex < 16; extra++)
		if (tokenize(*extra, &ex[nex]) && ex[nex].n > 0)
			nex++;
	if (part_matches(&ws, 0, ws.n, ex, nex))
		return true;
	/* two parts joined by "and" (or '&', '/', ',' which split words the same way) */
	for (int i = 1; i < ws.n - 1; i++) {
		if (strcmp(ws.w[i], "and"))
			continue;
		if (part_matches(&ws, 0, i, ex, nex) || part_matches(&ws, i + 1, ws.n, ex, nex))
			return true;
	}
	return false;
}
