/*
 * scope.c — parsing feed scopes into item filters (see scope.h).
 */
#include "scope.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "people.h"
#include "report.h"
#include "store.h"
#include "banned.h"

static int bad(struct error *err, const char *text)
{
	return error_set(err, ERR_USAGE,
			 "scope \"%s\" not understood: use all, overdue, owner:HANDLE, incident:ID or "
			 "priority:P0,P1",
			 text);
}

int scope_parse(const char *text, struct scope *s, struct item_filter *f, struct error *err)
{
	memset(s, 0, sizeof *s);
	memset(f, 0, sizeof *f);
	if (strlen(text) >= sizeof s->text)
		return bad(err, "(too long)");
	memcpy(s->text, text, strlen(text) + 1);
	if (!strcmp(text, "all"))
		return 0;
	if (!strcmp(text, "overdue")) {
		f->overdue = true;
		return 0;
	}
	if (!strncmp(text, "owner:", 6) && text[6]) {
		const char *h = text[6] == '@' ? text + 7 : text + 6;
		json_t *a = json_pack("[s]", h);
		char *j = a ? json_dumps(a, JSON_COMPACT) : NULL;
		json_decref(a);
		if (!j || strlen(j) >= sizeof s->owners_json) {
			free(j);
			return bad(err, text);
		}
		memcpy(s->owners_json, j, strlen(j) + 1);
		free(j);
		f->owners_json = s->owners_json;
		return 0;
	}
	if (!strncmp(text, "incident:", 9) && text[9]) {
		snprintf(s->incident, sizeof s->incident, "%s", text + 9);
		f->incident = s->incident;
		return 0;
	}
	if (!strncmp(text, "priority:", 9) && text[9]) {
		unsigned mask = 0;
		for (const char *p = text + 9; *p;) {
			if ((p[0] == 'P' || p[0] == 'p') && p[1] >= '0' && p[1] <= '3')
				mask |= 1u << (p[1] - '0');
			else
				return bad(err, text);
			p += 2;
			if (*p == ',')
				p++;
			else if (*p)
				return bad(err, text);
		}
		f->priorities = mask;
		return 0;
	}
	return bad(err, text);
}

int scope_resolve(struct store *st, struct scope *s, struct error *err)
{
	if (s->owners_json[0]) {
		const char *h = s->text + 6;
		int r = people_known(st, h, err);
		if (r < 0)
			return -1;
		if (r == 0) {
			error_set(err, ERR_DATA,
				  "scope %s: no person %s and no item owned by %s (see tracker people list, "
				  "tracker list --all)",
				  s->text, people_handle(h), people_handle(h));
			return 1;
		}
		return 0;
	}
	if (!s->incident[0])
		return 0;
	char *id = NULL;
	int r = report_find_incident(st, s->incident, &id, err);
	if (r != 0) {
		error_prefix(err, "scope %s", s->text);
		return r;
	}
	int rc = 0;
	if (strcmp(id, s->incident)) {
		if (strlen(id) >= sizeof s->incident || strlen(id) + 9 >= sizeof s->text)
			rc = error_set(err, ERR_DATA, "scope %s: incident id %s too long", s->text, id);
		else {
			snprintf(s->incident, sizeof s->incident, "%s", id);
			snprintf(s->text, sizeof s->text, "incident:%s", id);
		}
	}
	free(id);
	return rc;
}
