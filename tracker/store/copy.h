/*
 * copy — a whole store copied into another, on either engine (`tracker db copy FROM TO`: SQLite to
 * PostgreSQL and back, or the same engine twice), with a checksum that proves the copy.
 *
 * What is copied is a fixed list of tables (copy_table_name(), in foreign-key order); the list is
 * checked against both databases' catalogs before anything is written, so a table this tracker does
 * not know is refused rather than left behind (and tests/unit/test_copy.c checks the list against the
 * migrations). Columns are taken from the catalog (the same names and kinds on both sides, or the
 * copy is refused); a column that references its own table (incidents.rekeyed_to) is filled in a
 * second pass, so rows may come in key order. Identity sequences of the target are set past the
 * highest id afterwards (PostgreSQL setval; SQLite needs nothing).
 *
 * The whole copy is one write transaction on the target (store_begin, the write lock), which reads
 * the source inside one read transaction (a consistent snapshot). A non-empty target is refused
 * unless `force`; then it is emptied first in the same transaction (the events table's append-only
 * triggers are lifted for that and restored). Before commit every table of the target is read back and
 * its row count and checksum compared with the source's.
 *
 * The checksum of a table is engine-independent: a SHA-256 chain over a canonical text of every row in
 * primary-key order (bytewise for text keys), columns in name order, each value tagged by kind
 * (integer, real, text with its length, NULL): h0 = SHA-256(table and column names), then
 * h = SHA-256(h || row) per row; the checksum is the last h in hex.
 */
#ifndef TRACKER_STORE_COPY_H
#define TRACKER_STORE_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "sha256.h"
#include "store.h"

/* The tables a store holds, in an order where every foreign key points to an earlier table (or to its
 * own). The engine's own bookkeeping (PostgreSQL's tracker_schema, SQLite's sqlite_*) is not listed. */
const char *copy_table_name(size_t i); /* i from 0; NULL past the last */

struct copy_table_sum {
	const char *table; /* a copy_table_name() */
	int64_t rows;
	char sha256[SHA256_HEX_CHARS + 1];
};

struct copy_report {
	int schema_version;
	bool emptied;     /* the target held rows and `force` emptied it */
	int64_t old_rows; /* how many it held */
	size_t ntables;
	struct copy_table_sum tables[32];
};

/* Copies `from` into `to` as described above; fills rep (also on a mismatch, for the message). On any
 * error nothing is written to `to`. Both must be open, `to` writable, at this binary's schema version. */
int copy_store(struct store *from, struct store *to, bool force, struct copy_report *rep, struct error *err);

/* The row count and checksum of one of the tables copy_table_name() lists. */
int copy_table_sum(struct store *st, const char *table, struct copy_table_sum *out, struct error *err);

/* The names of the tables in the database's catalog (without the engine's own), sorted; the caller
 * frees each name and the array. */
int copy_catalog_tables(struct store *st, char ***names, size_t *n, struct error *err);

/* True when `a` and `b` are the same database (the same SQLite file, or the same PostgreSQL database on
 * the same server as libpq resolved them). */
bool copy_same_database(struct store *a, struct store *b);

#endif
