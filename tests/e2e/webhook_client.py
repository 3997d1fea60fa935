#!/usr/bin/env python3
"""Webhook helpers for the end-to-end tests (standard library only).

  webhook_client.py sign SECRET ID TIMESTAMP BODYFILE
      print the Standard Webhooks signature "v1,BASE64"
  webhook_client.py token SECRETS_JSON APPEAL_SEQ SUBSCRIBER_ID
      print the personal link token tocsin makes (until the sender's
      outbox gives real links; an independent implementation of the
      format in mailer/token.c)
  webhook_client.py body APPEAL EMAIL [NAME] [CONSENT] [TOKEN]
      print a signature.created body
  webhook_client.py surge --port P --secret S --appeal A --n N
                          [--clients C] [--dup-ratio R] [--prefix X]
                          [--deadline SECONDS] [--out FILE]
      send N distinct signatures plus R*N duplicates (half of them the
      same webhook-id again, half a new id for a person who signed) from
      C threads over keep-alive connections.  A request that is not
      answered 200 is retried (new connection, new timestamp) until it is
      or the deadline passes.  Prints a JSON summary.
"""
import base64
import hashlib
import hmac
import http.client
import json
import random
import sys
import threading
import time


def sign(secret, msg_id, ts, body):
    key = secret[6:] if secret.startswith("whsec_") else secret
    key = base64.b64decode(key)
    mac = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def link_token(link_secret, seq, sub):
    raw_key = base64.b64decode(link_secret)
    key = hmac.new(raw_key, b"tocsin link token v1", hashlib.sha256).digest()

    def varint(v):
        out = bytearray()
        while True:
            b = v & 0x7F
            v >>= 7
            out.append(b | (0x80 if v else 0))
            if not v:
                return bytes(out)

    raw = b"\x01" + varint(seq) + varint(sub)
    raw += hmac.new(key, raw, hashlib.sha256).digest()[:16]
    return base64.b32encode(raw).decode().rstrip("=").lower()


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def make_body(appeal, email, name="Ana", consent=False, token=None,
              country="FR", language="fr"):
    now = time.time()
    return json.dumps({
        "type": "signature.created",
        "timestamp": rfc3339(now),
        "data": {
            "appeal": appeal, "token": token, "email": email,
            "name": name, "country": country, "language": language,
            "signed_at": rfc3339(now), "consent_to_contact": consent,
        },
    }, ensure_ascii=False).encode()


class Surge:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.stats = {"requests": 0, "acked": 0, "stored": 0,
                      "duplicate": 0, "retries": 0, "errors": 0,
                      "non200": {}}
        self.acked_ids = set()
        self.deadline = time.time() + args["deadline"]

    def work(self, events):
        conn = None
        port = self.args["port"]
        for msg_id, body in events:
            while True:
                if time.time() > self.deadline:
                    with self.lock:
                        self.stats["errors"] += 1
                    break
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection(
                            "127.0.0.1", port, timeout=10)
                    ts = str(int(time.time()))
                    headers = {
                        "Content-Type": "application/json",
                        "webhook-id": msg_id,
                        "webhook-timestamp": ts,
                        "webhook-signature": sign(self.args["secret"],
                                                  msg_id, ts, body),
                    }
                    with self.lock:
                        self.stats["requests"] += 1
                    conn.request("POST", "/hooks/signatures", body, headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    if resp.status == 200:
                        status = json.loads(data)["status"]
                        with self.lock:
                            self.stats["acked"] += 1
                            self.stats[status] += 1
                            self.acked_ids.add(msg_id)
                        break
                    with self.lock:
                        k = str(resp.status)
                        self.stats["non200"][k] = \
                            self.stats["non200"].get(k, 0) + 1
                        self.stats["retries"] += 1
                    time.sleep(0.05)
                except (OSError, http.client.HTTPException):
                    # refused, reset, or no answer: the server may be
                    # down; retry what was not acknowledged
                    if conn is not None:
                        conn.close()
                    conn = None
                    with self.lock:
                        self.stats["retries"] += 1
                    time.sleep(0.05)
        if conn is not None:
            conn.close()

    def run(self):
        a = self.args
        rnd = random.Random(a["seed"])
        events = []
        for i in range(a["n"]):
            email = f"{a['prefix']}-{i}@example.net"
            events.append((f"msg_{a['prefix']}_{i}",
                           make_body(a["appeal"], email, name=f"Signer {i}")))
        extra = []
        ndup = int(a["n"] * a["dup_ratio"])
        for k in range(ndup):
            msg_id, body = events[rnd.randrange(len(events))]
            if k % 2 == 0:
                extra.append((msg_id, body))  # the same delivery again
            else:
                i = int(msg_id.rsplit("_", 1)[1])
                email = f"{a['prefix']}-{i}@example.net"
                extra.append((f"msg_{a['prefix']}_dup{k}",
                              make_body(a["appeal"], email, name="Again")))
        allev = events + extra
        rnd.shuffle(allev)
        chunks = [allev[i::a["clients"]] for i in range(a["clients"])]
        t0 = time.time()
        threads = [threading.Thread(target=self.work, args=(c,))
                   for c in chunks]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.stats["elapsed"] = round(time.time() - t0, 2)
        self.stats["sent_events"] = len(allev)
        self.stats["distinct_people"] = a["n"]
        self.stats["acked_ids"] = len(self.acked_ids)
        return self.stats


def main(argv):
    if len(argv) >= 5 and argv[0] == "sign":
        with open(argv[4], "rb") as f:
            body = f.read()
        print(sign(argv[1], argv[2], argv[3], body))
        return 0
    if len(argv) >= 4 and argv[0] == "token":
        with open(argv[1]) as f:
            secret = json.load(f)["link_secret"]
        print(link_token(secret, int(argv[2]), int(argv[3])))
        return 0
    if len(argv) >= 3 and argv[0] == "body":
        name = argv[3] if len(argv) > 3 else "Ana"
        consent = len(argv) > 4 and argv[4] == "true"
        token = argv[5] if len(argv) > 5 and argv[5] else None
        sys.stdout.buffer.write(make_body(argv[1], argv[2], name, consent,
                                          token))
        return 0
    if argv and argv[0] == "surge":
        args = {"clients": 50, "dup_ratio": 0.1, "prefix": "s",
                "deadline": 60.0, "seed": 1, "out": None}
        it = iter(argv[1:])
        for k in it:
            v = next(it)
            key = k.lstrip("-").replace("-", "_")
            if key in ("port", "n", "clients", "seed"):
                args[key] = int(v)
            elif key in ("dup_ratio", "deadline"):
                args[key] = float(v)
            else:
                args[key] = v
        stats = Surge(args).run()
        text = json.dumps(stats, sort_keys=True)
        if args["out"]:
            with open(args["out"], "w") as f:
                f.write(text + "\n")
        print(text)
        return 0 if stats["errors"] == 0 else 1
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
