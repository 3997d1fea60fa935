/*
 * unit: helpers shared by the cmocka unit tests.
 */
#ifndef TOCSIN_UNIT_H
#define TOCSIN_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "buf.h"

/*
 * Path of a file under the source tree (tests run from its top), e.g.
 * unit_path("tests/data/x.csv").  Borrowed from a static buffer that the
 * next call overwrites.
 */
const char *unit_path(const char *rel);

/*
 * The conformance folder (../shared/conformance/NAME), or NULL when it is
 * absent (the caller prints why it skips).  Borrowed, static.
 */
const char *unit_conformance(const char *name);

/* Make a fresh temporary folder; caller frees the path with free(). */
char *unit_tmpdir(void);

/* Remove a folder made by unit_tmpdir() and everything in it. */
void unit_rmtree(const char *path);

/* Read a whole file (asserting success); caller frees with free(). */
char *unit_slurp(const char *path, size_t *len);

struct store;

/* A fresh in-memory database at the latest schema with sql run in it, or
 * NULL (nothing left open) when either fails. */
struct store *unit_store(const char *sql);

/* The first column of the first row of sql as an integer, -1 when there
 * is no row (asserting the query compiles). */
int64_t unit_int(struct store *st, const char *sql);

#endif
