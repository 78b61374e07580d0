/*
 * commands — the subcommand entry points (one cmd_<verb>.c each), listed in commands.def.
 */
#ifndef TRACKER_COMMANDS_H
#define TRACKER_COMMANDS_H

#include "cli.h"

#define COMMAND(name, fn, flags, summary) int fn(struct ctx *c, int argc, char **argv);
#include "commands.def"
#undef COMMAND

#endif
