/*
 * unit: helpers for the unit tests (paths, temporary folders, files).
 */
#define _XOPEN_SOURCE 700
#include "unit.h"

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "store_int.h"
#include "util.h"

const char *
unit_path(const char *rel)
{
    static char path[PATH_MAX];

    if (snprintf(path, sizeof(path), "%s", rel) >= (int)sizeof(path)) {
        fail_msg("path too long: %s", rel);
    }
    return path;
}

const char *
unit_conformance(const char *name)
{
    static char path[PATH_MAX];
    static const char *const bases[] = {"../shared/conformance",
                                        "/work/shared/conformance"};
    const char *env = getenv("TOCSIN_CONFORMANCE");
    struct stat st;

    for (size_t i = 0; i <= TOCSIN_ARRAY_LEN(bases); i++) {
        const char *base = i == 0 ? env : bases[i - 1];

        if (base == NULL || snprintf(path, sizeof(path), "%s/%s", base, name) >=
                                (int)sizeof(path)) {
            continue;
        }
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            return path;
        }
    }
    return NULL;
}

char *
unit_tmpdir(void)
{
    char tmpl[] = "/tmp/tocsin-unit-XXXXXX";

    if (mkdtemp(tmpl) == NULL) {
        fail_msg("mkdtemp failed");
    }
    return xstrdup(tmpl);
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void
unit_rmtree(const char *path)
{
    (void)nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *
unit_slurp(const char *path, size_t *len)
{
    struct buf b;
    struct merr err = {0};
    int rc;

    buf_init(&b, 64 * 1024 * 1024);
    rc = util_read_file(path, 64 * 1024 * 1024, &b, &err);
    if (rc != 0) {
        fail_msg("%s", err.msg);
    }
    if (len != NULL) {
        *len = b.len;
    }
    return buf_take(&b);
}

struct store *
unit_store(const char *sql)
{
    struct store *st = NULL;
    struct merr err = {0};

    if (store_open(":memory:", STORE_CREATE, &st, &err) != 0) {
        return NULL;
    }
    if (sql != NULL && store_exec(st, sql, &err) != 0) {
        store_close(st);
        return NULL;
    }
    return st;
}

int64_t
unit_int(struct store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    int64_t v = -1;

    assert_int_equal(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW) {
        v = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    return v;
}
