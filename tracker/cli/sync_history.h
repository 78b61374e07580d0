/*
 * sync_history — `tracker sync --history`: runs the history back-fill of one source (history.h) and prints
 * what it did; cmd_sync.c parses the command line (cmd_sync_history.c).
 */
#ifndef TRACKER_CLI_SYNC_HISTORY_H
#define TRACKER_CLI_SYNC_HISTORY_H

#include "cli.h"

struct source_cfg;
struct sync_opts;

/* The summary on c->out, each problem and refusal on c->err ("tracker: NAME: …"). The exit code: 0;
 * 1 when a version was rejected, a file refused or a document left alone; else the error's. */
int sync_history_one(struct ctx *c, const struct source_cfg *src, const struct sync_opts *so);

#endif
