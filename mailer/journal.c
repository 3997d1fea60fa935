/*
 * journal: lines appended through a shared mapping, never synced (the
 * point is to cost microseconds, not milliseconds): durable against the
 * death of the process, not of the machine, hence the boot id.
 *
 *   tocsin-journal 2 BOOT-ID
 *   h SUBID
 *   o SUBID STATE CODE NEXT_TRY SUPPRESS RELAY REPLY...
 *   c                    a rotation: what follows, up to "e", replaces
 *   h ... / o ...        everything before it
 *   e
 *
 * Version 1 (no rotation blocks) is still read.
 */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "util.h"

#define JOURNAL_MAGIC    "tocsin-journal 2 "
#define JOURNAL_MAGIC_V1 "tocsin-journal 1 "
_Static_assert(sizeof(JOURNAL_MAGIC) == sizeof(JOURNAL_MAGIC_V1),
               "the reader takes the boot id after either magic");
/* A journal holds what happened since the last commit: small. */
#define JOURNAL_MAX (64 * 1024 * 1024)
/*
 * A rotation is appended to the file as a block (no open, rename and
 * close per commit, which cost about 3% of a send's CPU into smtp-sink);
 * past this size the next rotation starts a new file instead, so the
 * file a restart reads stays small.
 */
#define JOURNAL_COMPACT (4 * 1024 * 1024)
/*
 * The file is written through a shared mapping, not write(2): a line is
 * a memcpy, not a system call under the sending threads' lock (two a
 * message).  The bytes are in the page cache the moment they are copied,
 * so they outlive the process as a write's would.  Space is reserved a
 * chunk at a time with posix_fallocate, so that a full disk is an error
 * here and never a SIGBUS on a store into the mapping; the rest of a
 * chunk reads as zero bytes, where the reader stops.
 */
#define JOURNAL_CHUNK (1024 * 1024)

/* One journal file, mapped. */
struct jfile {
    int fd;
    char *map;     /* [0, mapped): the file, shared */
    size_t mapped; /* reserved and mapped */
    size_t size;   /* written */
};

struct journal {
    char *path;
    struct jfile f;
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

/* Room for n more bytes: reserve and map another chunk when needed. */
static int
jfile_reserve(struct jfile *f, size_t n, const char *path, struct merr *err)
{
    size_t want;
    void *m;
    int e;

    if (f->map != NULL && f->size + n <= f->mapped) {
        return 0;
    }
    want = (f->size + n + JOURNAL_CHUNK - 1) / JOURNAL_CHUNK * JOURNAL_CHUNK;
    e = posix_fallocate(f->fd, 0, (off_t)want);
    if (e != 0) {
        (void)merr_set(err, MERR_IO, "%s: %s", path, strerror(e));
        return MERR_IO;
    }
    m = mmap(NULL, want, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0);
    if (m == MAP_FAILED) {
        (void)merr_set(err, MERR_IO, "%s: %s", path, strerror(errno));
        return MERR_IO;
    }
    if (f->map != NULL) {
        munmap(f->map, f->mapped);
    }
    f->map = m;
    f->mapped = want;
    return 0;
}

static int
jfile_append(struct jfile *f, const char *p, size_t n, const char *path,
             struct merr *err)
{
    int rc = jfile_reserve(f, n, path, err);

    if (rc == 0) {
        memcpy(f->map + f->size, p, n);
        f->size += n;
    }
    return rc;
}

/* Unmap and close; with trim, cut the file to what was written. */
static void
jfile_close(struct jfile *f, bool trim)
{
    if (f->map != NULL) {
        munmap(f->map, f->mapped);
        f->map = NULL;
    }
    if (f->fd >= 0) {
        /* a failure leaves zero bytes at the end, which read as the
         * end of the journal anyway */
        if (trim && ftruncate(f->fd, (off_t)f->size) != 0) {
            log_warn("send journal: cannot trim: %s", strerror(errno));
        }
        close(f->fd);
        f->fd = -1;
    }
}

/* The "h" line of a delivery handed over into line (HANDED_LINE bytes). */
#define HANDED_LINE 48
static int
handed_line(int64_t subscriber_id, char *line)
{
    return snprintf(line, HANDED_LINE, "h %" PRId64 "\n", subscriber_id);
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

/*
 * head, the "h" lines of handed, the "o" lines of outs, then tail, into
 * b: a new file's contents, or a rotation block.
 */
static int
add_block(struct buf *b, const char *head, const int64_t *handed, size_t n,
          const struct journal_outcome *const *outs, size_t nout,
          const char *tail)
{
    int rc = buf_adds(b, head);

    for (size_t i = 0; i < n && rc == 0; i++) {
        char line[HANDED_LINE];

        rc = buf_add(b, line, (size_t)handed_line(handed[i], line));
    }
    for (size_t i = 0; i < nout && rc == 0; i++) {
        char line[OUTCOME_LINE];
        int len = outcome_line(outs[i], line);

        rc = len < 0 ? MERR_LIMIT : buf_add(b, line, (size_t)len);
    }
    return rc == 0 ? buf_adds(b, tail) : rc;
}

/* A new file at path with the header (and lines), left open in f. */
static int
create(const char *path, const char *boot, const int64_t *handed, size_t n,
       const struct journal_outcome *const *outs, size_t nout, struct jfile *f,
       struct merr *err)
{
    char head[sizeof(JOURNAL_MAGIC) + 64]; /* the boot id is shorter */
    struct buf b;
    int rc;

    memset(f, 0, sizeof(*f));
    f->fd = -1;
    buf_init(&b, JOURNAL_MAX);
    snprintf(head, sizeof(head), JOURNAL_MAGIC "%s\n",
             boot[0] != '\0' ? boot : "-");
    rc = add_block(&b, head, handed, n, outs, nout, "");
    if (rc != 0) {
        buf_release(&b);
        return merr_set(err, MERR_LIMIT, "%s: too many lines", path);
    }
    f->fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (f->fd < 0) {
        rc = merr_set(err, MERR_IO, "%s: %s", path, strerror(errno));
    } else {
        rc = jfile_append(f, b.data, b.len, path, err);
    }
    if (rc != 0) {
        jfile_close(f, false);
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
    rc = create(path, j->boot, NULL, 0, NULL, 0, &j->f, err);
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
    char line[HANDED_LINE];
    int n = handed_line(subscriber_id, line);

    return jfile_append(&j->f, line, (size_t)n, j->path, err);
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
    return jfile_append(&j->f, line, (size_t)n, j->path, err);
}

/*
 * The rotation as a block at the end of the file: a process killed in
 * the middle of copying it leaves a block without its "e", which the
 * reader ignores (the lines before it still hold).
 */
static int
append_block(struct journal *j, const int64_t *inflight, size_t n,
             const struct journal_outcome *const *outcomes, size_t nout,
             struct merr *err)
{
    struct buf b;
    int rc;

    buf_init(&b, JOURNAL_MAX);
    rc = add_block(&b, "c\n", inflight, n, outcomes, nout, "e\n");
    if (rc != 0) {
        rc = merr_set(err, MERR_LIMIT, "%s: rotation too large", j->path);
    } else {
        rc = jfile_append(&j->f, b.data, b.len, j->path, err);
    }
    buf_release(&b);
    return rc;
}

int
journal_rotate(struct journal *j, const int64_t *inflight, size_t n,
               const struct journal_outcome *const *outcomes, size_t nout,
               struct merr *err)
{
    char tmp[4096];
    struct jfile f;
    int rc;

    if (j->f.size < JOURNAL_COMPACT) {
        return append_block(j, inflight, n, outcomes, nout, err);
    }
    if (snprintf(tmp, sizeof(tmp), "%s.new", j->path) >= (int)sizeof(tmp)) {
        return merr_set(err, MERR_LIMIT, "%s: path too long", j->path);
    }
    rc = create(tmp, j->boot, inflight, n, outcomes, nout, &f, err);
    if (rc != 0) {
        return rc;
    }
    /* the rename is atomic: a crash sees the old or the new journal */
    if (rename(tmp, j->path) != 0) {
        rc = merr_set(err, MERR_IO, "%s: %s", j->path, strerror(errno));
        jfile_close(&f, false);
        (void)unlink(tmp);
        return rc;
    }
    jfile_close(&j->f, false);
    j->f = f;
    return 0;
}

void
journal_close(struct journal *j, bool remove)
{
    if (j == NULL) {
        return;
    }
    /* kept for the next run: without the unwritten rest of its chunk */
    jfile_close(&j->f, !remove);
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

/* What the lines read so far say, with the room of its arrays. */
struct state {
    struct journal_replay r;
    size_t cap_h;
    size_t cap_o;
};

static void
add_handed(struct state *st, int64_t sub)
{
    struct journal_replay *r = &st->r;

    if (r->nhanded == st->cap_h) {
        st->cap_h = st->cap_h == 0 ? 64 : st->cap_h * 2;
        r->handed = xrealloc(r->handed, st->cap_h * sizeof(int64_t));
    }
    r->handed[r->nhanded++] = sub;
}

/* An outcome: sub came back (no longer handed); the last one counts. */
static void
add_outcome(struct state *st, const struct journal_outcome *o)
{
    struct journal_replay *r = &st->r;

    for (size_t i = 0; i < r->nhanded; i++) {
        if (r->handed[i] == o->subscriber_id) {
            r->handed[i] = r->handed[--r->nhanded];
            break;
        }
    }
    for (size_t i = 0; i < r->noutcomes; i++) {
        if (r->outcomes[i].subscriber_id == o->subscriber_id) {
            r->outcomes[i] = *o;
            return;
        }
    }
    if (r->noutcomes == st->cap_o) {
        st->cap_o = st->cap_o == 0 ? 64 : st->cap_o * 2;
        r->outcomes = xrealloc(r->outcomes, st->cap_o * sizeof(*r->outcomes));
    }
    r->outcomes[r->noutcomes++] = *o;
}

static void
state_reset(struct state *st)
{
    st->r.nhanded = 0;
    st->r.noutcomes = 0;
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
    /* cur: what holds; blk: a rotation block being read, which replaces
     * cur at its "e" (a block cut by the process's death never does) */
    struct state cur;
    struct state blk;
    struct state *to = &cur;
    bool v2; /* rotation blocks may be there */
    char *line;
    char *end;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&cur, 0, sizeof(cur));
    memset(&blk, 0, sizeof(blk));
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
    v2 = end != NULL && util_starts_with(line, JOURNAL_MAGIC);
    if (end == NULL || (!v2 && !util_starts_with(line, JOURNAL_MAGIC_V1))) {
        rc = merr_set(err, MERR_PARSE, "%s: not a send journal", path);
        goto out;
    }
    *end = '\0';
    /* written in another boot: the machine went down, and with it maybe
     * the last lines; believe nothing (both magics are as long) */
    cur.r.trusted =
        boot[0] != '\0' && strcmp(line + strlen(JOURNAL_MAGIC), boot) == 0;
    line = end + 1;
    /* only complete lines: the last one may have been cut, and the
     * rest of the reserved chunk is zero bytes, where strchr stops */
    while (cur.r.trusted) {
        struct journal_outcome o;
        int64_t sub;

        end = strchr(line, '\n');
        if (end == NULL) {
            break;
        }
        *end = '\0';
        if (line[0] == 'h' && line[1] == ' ' &&
            parse_i64(line + 2, &sub) == 0) {
            add_handed(to, sub);
        } else if (line[0] == 'o' && line[1] == ' ' &&
                   parse_outcome(line + 2, &o) == 0) {
            add_outcome(to, &o);
        } else if (strcmp(line, "c") == 0 && v2 && to == &cur) {
            state_reset(&blk);
            to = &blk;
        } else if (strcmp(line, "e") == 0 && to == &blk) {
            /* the block is whole: it is all that holds */
            struct state t = cur;

            cur = blk;
            cur.r.trusted = true;
            blk = t;
            to = &cur;
        } else {
            rc =
                merr_set(err, MERR_PARSE, "%s: bad line \"%.40s\"", path, line);
            goto out;
        }
        line = end + 1;
    }
out:
    journal_replay_release(&blk.r);
    if (rc != 0) {
        journal_replay_release(&cur.r);
    } else {
        *out = cur.r;
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
