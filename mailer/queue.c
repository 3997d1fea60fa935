/*
 * queue: delivery states, outcome mapping and retry delays.  Logic only:
 * the caller hands in the outcome, the row's history and the time.
 */
#include "queue.h"

#include <string.h>

#include "util.h"

static const char *const state_names[QUEUE_NSTATES] = {
    [QUEUE_QUEUED] = "queued",   [QUEUE_SENDING] = "sending",
    [QUEUE_SENT] = "sent",       [QUEUE_DEFERRED] = "deferred",
    [QUEUE_FAILED] = "failed",   [QUEUE_UNCERTAIN] = "uncertain",
    [QUEUE_BOUNCED] = "bounced", [QUEUE_EXPIRED] = "expired",
};

const char *
queue_state_str(enum queue_state s)
{
    if ((unsigned)s >= QUEUE_NSTATES) {
        return "unknown";
    }
    return state_names[s];
}

int
queue_state_parse(const char *s, enum queue_state *out)
{
    for (unsigned i = 0; i < QUEUE_NSTATES; i++) {
        if (strcmp(s, state_names[i]) == 0) {
            *out = (enum queue_state)i;
            return 0;
        }
    }
    return MERR_INVALID;
}

bool
queue_can_move(enum queue_state from, enum queue_state to)
{
    switch (from) {
    case QUEUE_QUEUED:
        return to == QUEUE_SENDING || to == QUEUE_EXPIRED;
    case QUEUE_SENDING:
        return to == QUEUE_SENT || to == QUEUE_DEFERRED || to == QUEUE_FAILED ||
               to == QUEUE_UNCERTAIN || to == QUEUE_QUEUED;
    case QUEUE_DEFERRED:
        return to == QUEUE_SENDING || to == QUEUE_FAILED || to == QUEUE_EXPIRED;
    case QUEUE_UNCERTAIN:
        return to == QUEUE_QUEUED;
    case QUEUE_SENT:
        return to == QUEUE_BOUNCED;
    case QUEUE_FAILED:
    case QUEUE_BOUNCED:
    case QUEUE_EXPIRED:
    case QUEUE_NSTATES:
        break;
    }
    return false;
}

int64_t
queue_retry_delay(unsigned attempts)
{
    int64_t d = QUEUE_RETRY_FIRST;

    for (unsigned i = 1; i < attempts && d < QUEUE_RETRY_MAX; i++) {
        d *= 2;
    }
    return d < QUEUE_RETRY_MAX ? d : QUEUE_RETRY_MAX;
}

bool
queue_status_bad_address(const char *enhanced)
{
    /* RFC 3463 section 3.2: X.1.1 bad destination mailbox, X.1.2 bad
     * destination system, X.1.3 bad destination mailbox address syntax;
     * only the permanent class (5) counts. */
    if (enhanced == NULL || strncmp(enhanced, "5.1.", 4) != 0) {
        return false;
    }
    return (enhanced[4] == '1' || enhanced[4] == '2' || enhanced[4] == '3') &&
           enhanced[5] == '\0';
}

void
queue_decide(const struct queue_result *r, const struct queue_row_info *row,
             unsigned retry_hours, int64_t now, struct queue_decision *out)
{
    int64_t first = row->first_try > 0 ? row->first_try : now;
    int64_t deadline = first + (int64_t)retry_hours * 3600;
    enum send_status st = r->status;

    memset(out, 0, sizeof(out[0]));
    /* The reply code has the last word where the transport had one: a
     * 5xx is permanent and a 4xx temporary whatever else happened. */
    if (st != SEND_UNCERTAIN && r->code >= 400 && r->code < 500) {
        st = SEND_TEMPFAIL;
    } else if (st != SEND_UNCERTAIN && r->code >= 500 && r->code < 600) {
        st = SEND_PERMFAIL;
    }
    switch (st) {
    case SEND_OK:
        out->state = QUEUE_SENT;
        break;
    case SEND_PERMFAIL:
        out->state = QUEUE_FAILED;
        out->suppress = queue_status_bad_address(r->enhanced);
        break;
    case SEND_UNCERTAIN:
        out->state = QUEUE_UNCERTAIN;
        break;
    case SEND_TEMPFAIL:
    default:
        if (now >= deadline) {
            out->state = QUEUE_FAILED;
            out->gave_up = true;
            break;
        }
        out->state = QUEUE_DEFERRED;
        out->next_try = now + queue_retry_delay(row->attempts);
        /* one last try at the deadline rather than past it */
        if (out->next_try > deadline) {
            out->next_try = deadline;
        }
        break;
    }
}
