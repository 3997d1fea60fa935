#!/usr/bin/env python3
"""Check the messages tocsin send delivered, against its database.

    send_check.py --db tocsin.db --dir DUMP [--kind sink|maildir]
                  [--expect N] [--dupes-ok FILE] [--lang-from deliveries]

Every file under DIR is one message: an smtp-sink dump (-d, envelope in
X-Mail-Args / X-Rcpt-Args) or a Maildir file (envelope in Return-Path,
recipient in To).  For each message: it parses with no defect in Python's
email package (policy.default, every part too); it has every header
tocsin promises; it is multipart/alternative of text/plain and text/html
in UTF-8; its Message-ID, language and VERP token match the delivery row;
the token in List-Unsubscribe is the one of the envelope sender.

Then per recipient: --expect N recipients got a message, nobody got two
unless listed in --dupes-ok (one address per line).  Prints a JSON
summary line; exit 1 with the reasons on any failure.
"""
import argparse
import email
import json
import os
import re
import sqlite3
import sys
from email import policy

HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
           "Content-Language", "List-Id", "List-Unsubscribe",
           "List-Unsubscribe-Post")


def files(d):
    for root, _, names in os.walk(d):
        for n in sorted(names):
            yield os.path.join(root, n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--kind", default="sink", choices=("sink", "maildir"))
    ap.add_argument("--expect", type=int)
    ap.add_argument("--dupes-ok")
    ap.add_argument("--subject-prefix", default="")
    ap.add_argument("--reply-to", help="the Reply-To every message must have")
    args = ap.parse_args()

    db = sqlite3.connect(args.db)
    rows = {}
    for email_, lang, mid in db.execute(
            "SELECT email, language, message_id FROM deliveries"):
        rows[email_.lower()] = (lang, mid)
    dupes_ok = set()
    if args.dupes_ok:
        with open(args.dupes_ok) as f:
            dupes_ok = {line.strip().lower() for line in f if line.strip()}

    problems = []
    got = {}
    n = 0
    for path in files(args.dir):
        name = os.path.basename(path)
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except FileNotFoundError:
            continue  # smtp-sink removed an aborted transaction's dump
        n += 1
        m = email.message_from_bytes(raw, policy=policy.default)
        defects = list(m.defects)
        for part in m.walk():
            defects += list(part.defects)
        for h in HEADERS:
            if m[h] is None:
                problems.append(f"{name}: no {h}")
                continue
            defects += list(getattr(m[h], "defects", []))
        if defects:
            problems.append(f"{name}: defects {defects}")
        if args.kind == "sink":
            rcpt = str(m["X-Rcpt-Args"]).strip("<> ").lower()
            sender = str(m["X-Mail-Args"]).split()[0].strip("<>")
        else:
            rcpt = m["To"].addresses[0].addr_spec.lower()
            sender = str(m["Return-Path"]).strip("<> ")
        got[rcpt] = got.get(rcpt, 0) + 1
        if m.get_content_type() != "multipart/alternative":
            problems.append(f"{name}: {m.get_content_type()}")
            continue
        parts = [p for p in m.iter_parts()]
        types = [(p.get_content_type(), p.get_content_charset())
                 for p in parts]
        if types != [("text/plain", "utf-8"), ("text/html", "utf-8")]:
            problems.append(f"{name}: parts {types}")
        for p in parts:
            p.get_content()  # decodes, raises on a broken encoding
        for line in raw.split(b"\n"):
            if len(line.rstrip(b"\r")) > 998:
                problems.append(f"{name}: line over 998 octets")
                break
        if rcpt not in rows:
            problems.append(f"{name}: {rcpt} has no delivery row")
            continue
        lang, mid = rows[rcpt]
        if str(m["Content-Language"]) != lang:
            problems.append(f"{name}: language {m['Content-Language']}, "
                            f"delivery says {lang}")
        if str(m["Message-ID"]) != mid:
            problems.append(f"{name}: Message-ID {m['Message-ID']} != {mid}")
        tok = re.match(r"bounces\+([a-z2-7]+)@", sender)
        unsub = str(m["List-Unsubscribe"])
        if not tok or f"/u/{tok.group(1)}>" not in unsub or \
                f"mailto:bounces+{tok.group(1)}@" not in unsub:
            problems.append(f"{name}: envelope {sender} vs {unsub}")
        if args.reply_to and str(m["Reply-To"]) != args.reply_to:
            problems.append(f"{name}: Reply-To {m['Reply-To']}")
        if str(m["List-Unsubscribe-Post"]) != "List-Unsubscribe=One-Click":
            problems.append(f"{name}: List-Unsubscribe-Post")
        if not str(m["Subject"]).startswith(args.subject_prefix):
            problems.append(f"{name}: subject {m['Subject']}")
        addr = m["To"].addresses[0].addr_spec.lower()
        if addr != rcpt:
            problems.append(f"{name}: To {addr} but envelope {rcpt}")

    dupes = sorted(r for r, c in got.items() if c > 1)
    bad_dupes = [r for r in dupes if r not in dupes_ok]
    if bad_dupes:
        problems.append(f"got it twice: {bad_dupes[:10]} ({len(bad_dupes)})")
    if args.expect is not None and len(got) != args.expect:
        problems.append(f"{len(got)} recipients got a message, "
                        f"expected {args.expect}")
    print(json.dumps({"messages": n, "recipients": len(got),
                      "duplicates": len(dupes)}))
    if problems:
        for p in problems[:30]:
            print("FAIL:", p, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
