/*
 * samples: the sample appeal that `tocsin init` copies into a new
 * workspace (templates/urgent-appeal/, cases/example.json,
 * lists/sample-supporters.csv), so that a new user can check, preview
 * and send something at once.  Found in $TOCSIN_DATADIR, next to the
 * program when it runs from its source tree, or in the folder
 * `make install` put them in (TOCSIN_DATADIR at build time).
 */
#include "samples.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "util.h"

#ifndef TOCSIN_DATADIR
#define TOCSIN_DATADIR "/usr/local/share/tocsin"
#endif

#define SAMPLE_TEMPLATE "templates/urgent-appeal"
#define SAMPLE_FILE_MAX (1024 * 1024)

static const char *const sample_files[] = {
    "cases/example.json",
    "lists/sample-supporters.csv",
};

static bool
is_file(const char *dir, const char *name)
{
    char p[PATH_MAX];
    struct stat sb;

    if (snprintf(p, sizeof(p), "%s/%s", dir, name) >= (int)sizeof(p)) {
        return false;
    }
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static bool
has_samples(const char *dir)
{
    return dir != NULL && dir[0] != '\0' &&
           is_file(dir, SAMPLE_TEMPLATE "/en.md") &&
           is_file(dir, SAMPLE_TEMPLATE "/layout.html") &&
           is_file(dir, "cases/example.json");
}

int
samples_find(char *out, size_t size)
{
    const char *env = getenv("TOCSIN_DATADIR");
    char exe[PATH_MAX];
    ssize_t n;

    if (env != NULL && env[0] != '\0') {
        /* asked for: that folder or none */
        if (!has_samples(env) || util_strlcpy(out, env, size) != 0) {
            return -1;
        }
        return 0;
    }
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        char *slash;

        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';
            if (has_samples(exe) && util_strlcpy(out, exe, size) == 0) {
                return 0;
            }
        }
    }
    if (has_samples(TOCSIN_DATADIR) &&
        util_strlcpy(out, TOCSIN_DATADIR, size) == 0) {
        return 0;
    }
    return -1;
}

/* Copy from/name to to/name unless it exists there; *copied += 1. */
static int
copy_one(const char *from, const char *to, const char *name, unsigned *copied,
         struct merr *err)
{
    char src[PATH_MAX];
    char dst[PATH_MAX];
    char *slash;
    struct buf b;
    int rc;

    if (snprintf(src, sizeof(src), "%s/%s", from, name) >= (int)sizeof(src) ||
        snprintf(dst, sizeof(dst), "%s/%s", to, name) >= (int)sizeof(dst)) {
        return merr_set(err, MERR_LIMIT, "%s/%s: path too long", to, name);
    }
    if (access(dst, F_OK) == 0) {
        return 0; /* the user's own: kept */
    }
    slash = strrchr(dst, '/');
    *slash = '\0';
    rc = util_mkdir_p(dst, 0755, err);
    *slash = '/';
    if (rc != 0) {
        return rc;
    }
    buf_init(&b, SAMPLE_FILE_MAX);
    rc = util_read_file(src, SAMPLE_FILE_MAX, &b, err);
    if (rc == 0) {
        rc = util_write_file(dst, b.data, b.len, 0644, true, err);
    }
    buf_release(&b);
    if (rc == 0) {
        (*copied)++;
    }
    return rc;
}

int
samples_copy(const char *from, const char *to, unsigned *copied,
             struct merr *err)
{
    char tdir[PATH_MAX];
    DIR *d;
    int rc = 0;

    *copied = 0;
    for (size_t i = 0; i < sizeof(sample_files) / sizeof(sample_files[0]);
         i++) {
        rc = copy_one(from, to, sample_files[i], copied, err);
        if (rc != 0) {
            return rc;
        }
    }
    if (snprintf(tdir, sizeof(tdir), "%s/%s", from, SAMPLE_TEMPLATE) >=
        (int)sizeof(tdir)) {
        return merr_set(err, MERR_LIMIT, "%s: path too long", from);
    }
    d = opendir(tdir);
    if (d == NULL) {
        return merr_set(err, MERR_IO, "%s: %s", tdir, strerror(errno));
    }
    for (;;) {
        struct dirent *e = readdir(d);
        char name[PATH_MAX];

        if (e == NULL) {
            break;
        }
        if (e->d_name[0] == '.' || !is_file(tdir, e->d_name)) {
            continue;
        }
        if (snprintf(name, sizeof(name), "%s/%s", SAMPLE_TEMPLATE, e->d_name) >=
            (int)sizeof(name)) {
            continue;
        }
        rc = copy_one(from, to, name, copied, err);
        if (rc != 0) {
            break;
        }
    }
    closedir(d);
    return rc;
}
