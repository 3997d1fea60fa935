/*
 * journal: lines appended with one write(2) each, never fsynced (the
 * point is to cost microseconds, not milliseconds): durable against the
 * death of the process, not of the machine, hence the boot id.
 *
 *   tocsin-journal 1 BOOT-ID
 *   h SUBID
 *   o SUBID STATE CODE NEXT_TRY SUPPRESS RELAY REPLY...
 */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "util.h"

#define JOURNAL_MAGIC "tocsin-journal 1 "
/* A journal holds what happened since the last commit: small. */
#define JOURNAL_MAX (64 * 1024 * 1024)

struct journal {
    char *path;
    int fd;
    char boot[64];
};

/* The id of this boot of the machine, "" when unknown. */
static void
boot_id(char *out, size_t size)
{
    struct buf b;
    struct merr err;

    out[0] = '\0';
    buf_init(&b, 128);
    if (util_read_file("/proc/sys/kernel/random/boot_id", 128, &b, &err) == 0) {
        size_t n = strcspn(buf_str(&b), "\n ");

        if (n > 0 && n < size) {
            memcpy(out, b.data, n);
            out[n] = '\0';
        }
    }
    buf_release(&b);
}

static int
write_line(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);

        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return MERR_IO;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int outcome_line(const struct journal_outcome *o, char *line);

/* A new file at path with the header (and lines), fd left open. */
static int
create(const char *path, const char *boot, const int64_t *handed, size_t n,
       const struct journal_outcome *const *outs, size_t nout, int *fd,
       struct merr *err)
{
    struct buf b;
    int rc;

    buf_init(&b, JOURNAL_MAX);
    rc = buf_addf(&b, JOURNAL_MAGIC "%s\n", boot[0] != '\0' ? boot : "-");
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = buf_addf(&b, "h %" PRId64 "\n", handed[i]);
    }
    for (size_t i = 0; i < nout && rc == 0; i++) {
        char line[TRANSPORT_REPLY_MAX + 128];
        int len = outcome_line(outs[i], line);

        rc = len < 0 ? MERR_LIMIT : buf_add(&b, line, (size_t)len);
    }
    *fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (*fd < 0 || rc != 0 || write_line(*fd, b.data, b.len) != 0) {
        rc = merr_set(err, MERR_IO, "%s: %s", path, strerror(errno));
        if (*fd >= 0) {
            close(*fd);
            *fd = -1;
        }
    }
    buf_release(&b);
    return rc;
}

int
journal_open(const char *path, struct journal **out, struct merr *err)
{
    struct journal *j = xcalloc(1, sizeof(*j));
    int rc;

    *out = NULL;
    j->path = xstrdup(path);
    boot_id(j->boot, sizeof(j->boot));
    rc = create(path, j->boot, NULL, 0, NULL, 0, &j->fd, err);
    if (rc != 0) {
        free(j->path);
        free(j);
        return rc;
    }
    *out = j;
    return 0;
}

int
journal_handed(struct journal *j, int64_t subscriber_id, struct merr *err)
{
    char line[48];
    int n = snprintf(line, sizeof(line), "h %" PRId64 "\n", subscriber_id);

    if (write_line(j->fd, line, (size_t)n) != 0) {
        return merr_set(err, MERR_IO, "%s: %s", j->path, strerror(errno));
    }
    return 0;
}

/* The "o" line of an outcome into line (OUTCOME_LINE bytes). */
#define OUTCOME_LINE (TRANSPORT_REPLY_MAX + 128)
static int
outcome_line(const struct journal_outcome *o, char *line)
{
    char reply[TRANSPORT_REPLY_MAX];
    int n;

    /* one line: the reply never holds a line break */
    util_sanitize(o->reply, strlen(o->reply), reply, sizeof(reply));
    n = snprintf(line, OUTCOME_LINE,
                 "o %" PRId64 " %d %d %" PRId64 " %d %u %s\n", o->subscriber_id,
                 o->state, o->code, o->next_try, o->suppress ? 1 : 0, o->relay,
                 reply);
    return n < 0 || n >= OUTCOME_LINE ? -1 : n;
}

int
journal_outcome(struct journal *j, const struct journal_outcome *o,
                struct merr *err)
{
    char line[OUTCOME_LINE];
    int n = outcome_line(o, line);

    if (n < 0) {
        return merr_set(err, MERR_LIMIT, "%s: line too long", j->path);
    }
    if (write_line(j->fd, line, (size_t)n) != 0) {
        return merr_set(err, MERR_IO, "%s: %s", j->path, strerror(errno));
    }
    return 0;
}

int
journal_rotate(struct journal *j, const int64_t *inflight, size_t n,
               const struct journal_outcome *const *outcomes, size_t nout,
               struct merr *err)
{
    char tmp[4096];
    int fd = -1;
    int rc;

    if (snprintf(tmp, sizeof(tmp), "%s.new", j->path) >= (int)sizeof(tmp)) {
        return merr_set(err, MERR_LIMIT, "%s: path too long", j->path);
    }
    rc = create(tmp, j->boot, inflight, n, outcomes, nout, &fd, err);
    if (rc != 0) {
        return rc;
    }
    /* the rename is atomic: a crash sees the old or the new journal */
    if (rename(tmp, j->path) != 0) {
        rc = merr_set(err, MERR_IO, "%s: %s", j->path, strerror(errno));
        close(fd);
        (void)unlink(tmp);
        return rc;
    }
    close(j->fd);
    j->fd = fd;
    return 0;
}

void
journal_close(struct journal *j, bool remove)
{
    if (j == NULL) {
        return;
    }
    if (j->fd >= 0) {
        close(j->fd);
    }
    if (remove) {
        (void)unlink(j->path);
    }
    free(j->path);
    free(j);
}

static int
parse_i64(const char *s, int64_t *out)
{
    char *end = NULL;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || end == s) {
        return MERR_PARSE;
    }
    *out = (int64_t)v;
    return 0;
}

/* Drop sub from the handed list (it came back). */
static void
unhand(struct journal_replay *r, int64_t sub)
{
    for (size_t i = 0; i < r->nhanded; i++) {
        if (r->handed[i] == sub) {
            r->handed[i] = r->handed[--r->nhanded];
            return;
        }
    }
}

static void
add_outcome(struct journal_replay *r, const struct journal_outcome *o,
            size_t *cap)
{
    for (size_t i = 0; i < r->noutcomes; i++) {
        if (r->outcomes[i].subscriber_id == o->subscriber_id) {
            r->outcomes[i] = *o;
            return;
        }
    }
    if (r->noutcomes == *cap) {
        *cap = *cap == 0 ? 64 : *cap * 2;
        r->outcomes = xrealloc(r->outcomes, *cap * sizeof(*r->outcomes));
    }
    r->outcomes[r->noutcomes++] = *o;
}

/* One "o" line (after "o "). */
static int
parse_outcome(char *s, struct journal_outcome *o)
{
    int64_t v[6];
    char *p = s;

    memset(o, 0, sizeof(*o));
    for (int k = 0; k < 6; k++) {
        char *sp = strchr(p, ' ');

        if (sp == NULL && k < 5) {
            return MERR_PARSE;
        }
        if (sp != NULL) {
            *sp = '\0';
        }
        if (parse_i64(p, &v[k]) != 0) {
            return MERR_PARSE;
        }
        p = sp != NULL ? sp + 1 : p + strlen(p);
    }
    o->subscriber_id = v[0];
    o->state = (int)v[1];
    o->code = (int)v[2];
    o->next_try = v[3];
    o->suppress = v[4] != 0;
    o->relay = (unsigned)v[5];
    (void)util_strlcpy(o->reply, p, sizeof(o->reply));
    return 0;
}

int
journal_read(const char *path, struct journal_replay *out, struct merr *err)
{
    char boot[64];
    struct buf b;
    size_t cap_h = 0;
    size_t cap_o = 0;
    char *line;
    char *end;
    int rc;

    memset(out, 0, sizeof(*out));
    buf_init(&b, JOURNAL_MAX);
    rc = util_read_file(path, JOURNAL_MAX, &b, err);
    if (rc == MERR_NOINPUT) {
        memset(err, 0, sizeof(*err));
        rc = 0;
        goto out;
    }
    if (rc != 0) {
        goto out;
    }
    boot_id(boot, sizeof(boot));
    line = b.data;
    end = line != NULL ? strchr(line, '\n') : NULL;
    if (end == NULL || !util_starts_with(line, JOURNAL_MAGIC)) {
        rc = merr_set(err, MERR_PARSE, "%s: not a send journal", path);
        goto out;
    }
    *end = '\0';
    /* written in another boot: the machine went down, and with it maybe
     * the last lines; believe nothing */
    out->trusted =
        boot[0] != '\0' && strcmp(line + strlen(JOURNAL_MAGIC), boot) == 0;
    line = end + 1;
    /* only complete lines: the last one may have been cut */
    while (out->trusted) {
        struct journal_outcome o;
        int64_t sub;

        end = strchr(line, '\n');
        if (end == NULL) {
            break;
        }
        *end = '\0';
        if (line[0] == 'h' && line[1] == ' ' &&
            parse_i64(line + 2, &sub) == 0) {
            if (out->nhanded == cap_h) {
                cap_h = cap_h == 0 ? 64 : cap_h * 2;
                out->handed = xrealloc(out->handed, cap_h * sizeof(int64_t));
            }
            out->handed[out->nhanded++] = sub;
        } else if (line[0] == 'o' && line[1] == ' ' &&
                   parse_outcome(line + 2, &o) == 0) {
            unhand(out, o.subscriber_id);
            add_outcome(out, &o, &cap_o);
        } else {
            rc =
                merr_set(err, MERR_PARSE, "%s: bad line \"%.40s\"", path, line);
            goto out;
        }
        line = end + 1;
    }
out:
    if (rc != 0) {
        journal_replay_release(out);
    }
    buf_release(&b);
    return rc;
}

void
journal_replay_release(struct journal_replay *r)
{
    if (r == NULL) {
        return;
    }
    free(r->handed);
    free(r->outcomes);
    memset(r, 0, sizeof(*r));
}
