#!/usr/bin/env python3
"""SQL for the report tests: three appeals with known numbers.

Usage: python3 report_fixture.py > fixture.sql; sqlite3 tocsin.db < fixture.sql

The figures the tests assert (tests/e2e/70-report-figures.sh) follow from
the tables below; they are written out there by hand, not computed here.

Appeal 2026-014 (seq 1), four languages, 400 recipients:
  en 200: queued 4, sending 1, sent 160, deferred 5, failed 6, uncertain 2,
          expired 2, bounced 20 (hard); soft bounces on 7 sent ones (one of
          them twice), complaints from 3, 5 unsubscribed, 1 unknown bounce
  fr 100: sent 85, deferred 3, failed 2, uncertain 1, expired 1, bounced 8;
          soft 2, complaint 1, 2 unsubscribed
  es  60: sent 55, failed 1, bounced 4; 1 unsubscribed
  ar  40: sent 38, deferred 2
Signatures: link by mailed recipients en 30, fr 15, es 8, ar 5; webhook by
mailed recipients en 5, fr 2; webhook by a French recipient whose delivery
failed; webhook by people who were not recipients: en 4, de 3.
Per hour from 09:00: 20, 25, 12, 0, 8, 5, 3 (73).
Sends from 09:00:00 to 09:05:00 (300 s).
Bounce reasons: one unmatched hard bounce besides, two autoreplies.
Domains: half of each language at example.org, the rest at the language's
own; the Spanish and Arabic ones are internationalised (xn--).
"""

T0 = 1772442000  # 2026-03-02T09:00:00Z

LANGS = [
    # lang, domain, [(state, n)], soft, complaints, unsubscribed
    ("en", "example.com",
     [("queued", 4), ("sending", 1), ("sent", 160), ("deferred", 5),
      ("failed", 6), ("uncertain", 2), ("expired", 2), ("bounced", 20)],
     7, 3, 5),
    ("fr", "exemple.fr",
     [("sent", 85), ("deferred", 3), ("failed", 2), ("uncertain", 1),
      ("expired", 1), ("bounced", 8)], 2, 1, 2),
    # internationalised domains, stored as import stores them (A-labels):
    # españa.es, and مثال.إختبار (right to left)
    ("es", "xn--espaa-rta.es",
     [("sent", 55), ("failed", 1), ("bounced", 4)], 0, 0, 1),
    ("ar", "xn--mgbh0fb.xn--kgbechtv", [("sent", 38), ("deferred", 2)],
     0, 0, 0),
]
LINK = {"en": 30, "fr": 15, "es": 8, "ar": 5}
WEBHOOK_MAILED = {"en": 5, "fr": 2}
WEBHOOK_OTHERS = [("en", 4), ("de", 3)]
HOURS = [20, 25, 12, 0, 8, 5, 3]

out = []
sql = out.append


def q(s):
    return "'" + s.replace("'", "''") + "'"


sql("BEGIN;")
sql("INSERT INTO appeals (seq, id, content_hash, title, doc, status, created,"
    " updated) VALUES"
    f" (1, '2026-014', 'h1', 'Free Maryam Nasser & the <Tunis> 3', '{{}}',"
    f" 'done', {T0 - 3600}, {T0}),"
    f" (2, '2026-015', 'h2', 'Stop the deportation', '{{}}', 'done',"
    f" {T0 + 86400}, {T0 + 86400}),"
    f" (3, '2026-016', 'h3', 'Not sent yet', '{{}}', 'registered',"
    f" {T0 + 2 * 86400}, {T0 + 2 * 86400});")

sub_id = 0
deliveries = []  # (sub, lang, state, email)
for lang, dom, states, soft, compl, unsub in LANGS:
    i = 0
    for state, n in states:
        for _ in range(n):
            sub_id += 1
            # every other address at a shared provider
            domain = "example.org" if i % 2 == 0 else dom
            email = f"{lang}{i}@{domain}"
            deliveries.append((sub_id, lang, state, email))
            i += 1

sent_like = [d for d in deliveries if d[2] in ("sent", "bounced")]
sent_at = {}
for k, d in enumerate(sent_like):
    sent_at[d[0]] = T0 + k * 300 // (len(sent_like) - 1)

for sub, lang, state, email in deliveries:
    sql("INSERT INTO subscribers (id, email, email_key, email_display,"
        " language, created, updated) VALUES"
        f" ({sub}, {q(email)}, {q(email)}, {q(email)}, {q(lang)}, 0, 0);")
    sql("INSERT INTO deliveries (appeal_seq, subscriber_id, email, language,"
        " state, sent_at, updated) VALUES"
        f" (1, {sub}, {q(email)}, {q(lang)}, {q(state)},"
        f" {sent_at.get(sub, 'NULL')}, 0);")


def pick(lang, state, n, skip=0):
    """The first n deliveries of lang in state, after skipping some."""
    rows = [d for d in deliveries if d[1] == lang and d[2] == state]
    return rows[skip:skip + n]


bounce_no = 0


def bounce(d, kind, status, reason, appeal=1):
    global bounce_no
    bounce_no += 1
    sub = "NULL" if d is None else d[0]
    rcpt = "lost@example.org" if d is None else d[3]
    sql("INSERT INTO bounces (appeal_seq, subscriber_id, recipient, kind,"
        " status, reason, source, received_at) VALUES"
        f" ({appeal}, {sub}, {q(rcpt)}, {q(kind)}, {q(status)}, {q(reason)},"
        f" 'msg{bounce_no}', {T0 + 1000 + bounce_no});")


# hard: 25 "user unknown" (with the address, as MTAs write it), 5
# "mailbox unavailable", 2 "account disabled"
hard = [d for d in deliveries if d[2] == "bounced"]
assert len(hard) == 32
for k, d in enumerate(hard):
    if k < 25:
        bounce(d, "hard", "5.1.1", f"550 5.1.1 <{d[3]}>: user unknown")
    elif k < 30:
        bounce(d, "hard", "5.2.1", "mailbox unavailable")
    else:
        bounce(d, "hard", "5.7.1", "account disabled")
bounce(None, "hard", "5.1.1", "550 5.1.1 <lost@example.org>: user unknown")

unsub_ids = []
for lang, dom, states, soft, compl, unsub in LANGS:
    sent = pick(lang, "sent", 200)
    for k, d in enumerate(sent[:soft]):
        bounce(d, "soft", "4.2.2", "mailbox full")
        if k == 0:
            bounce(d, "soft", "4.2.2", "mailbox full")
    for d in sent[soft:soft + compl]:
        bounce(d, "complaint", "", "abuse report")
    for d in sent[soft + compl:soft + compl + unsub]:
        unsub_ids.append(d[0])
    if lang == "en":
        bounce(sent[20], "unknown", "", "unrecognised bounce")
        bounce(sent[21], "autoreply", "", "out of office")
        bounce(sent[22], "autoreply", "", "out of office")

sql("UPDATE subscribers SET status = 'unsubscribed' WHERE id IN (%s);"
    % ",".join(str(i) for i in unsub_ids))

# signatures, in time order through HOURS
times = []
for h, n in enumerate(HOURS):
    for k in range(n):
        times.append(T0 + h * 3600 + 60 + k * 60)
sigs = []  # (sub or None, person_key, lang, source)
for lang, n in LINK.items():
    # from the end of the sent ones: not those bounced/complained/unsub
    for d in pick(lang, "sent", 200)[-n:]:
        sigs.append((d[0], d[3], lang, "link"))
for lang, n in WEBHOOK_MAILED.items():
    rows = pick(lang, "sent", 200)
    for d in rows[-LINK[lang] - n:-LINK[lang]]:
        sigs.append((d[0], d[3], lang, "webhook"))
d = pick("fr", "failed", 1)[0]
sigs.append((d[0], d[3], "fr", "webhook"))
for lang, n in WEBHOOK_OTHERS:
    for k in range(n):
        sigs.append((None, f"walkin{lang}{k}@example.net", lang, "webhook"))
assert len(sigs) == len(times) == 73
for k, (sub, key, lang, source) in enumerate(sigs):
    sql("INSERT INTO signatures (appeal_seq, subscriber_id, person_key, name,"
        " language, source, signed_at, created) VALUES"
        f" (1, {'NULL' if sub is None else sub}, {q(key)}, 'N', {q(lang)},"
        f" {q(source)}, {times[k]}, {times[k]});")

# appeal 2026-015: 10 English recipients, 1 bounced, 2 signed
for k in range(10):
    sub = k + 1
    state = "bounced" if k == 0 else "sent"
    sql("INSERT INTO deliveries (appeal_seq, subscriber_id, email, language,"
        " state, sent_at, updated) SELECT 2, id, email, language,"
        f" {q(state)}, {T0 + 86400 + k}, 0 FROM subscribers WHERE id = {sub};")
for k in range(2):
    sub = 5 + k + 1
    sql("INSERT INTO signatures (appeal_seq, subscriber_id, person_key,"
        " language, source, signed_at, created) SELECT 2, id, email_key,"
        f" language, 'link', {T0 + 90000}, 0 FROM subscribers"
        f" WHERE id = {sub};")
sql("COMMIT;")
print("\n".join(out))
