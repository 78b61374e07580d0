/*
 * model — the vocabulary shared by every module: item status and priority, and their names.
 */
#ifndef TRACKER_MODEL_H
#define TRACKER_MODEL_H

#include <stdbool.h>

enum status {
	STATUS_OPEN = 0,
	STATUS_IN_PROGRESS,
	STATUS_BLOCKED,
	STATUS_DONE,
	STATUS_WONT_DO,
};
#define STATUS_COUNT 5

/* "open", "in_progress", "blocked", "done", "wont_do". */
const char *status_name(enum status s);
/* Parses one of the names above; -1 if unknown. */
int status_from_name(const char *s);
/* done or wont_do: the item no longer needs anyone. */
bool status_is_closed(enum status s);

/* Priorities are 0..3 (P0..P3); PRIORITY_NONE when the document gave none. */
#define PRIORITY_NONE (-1)

#endif
