#!/usr/bin/env python3
"""Drive headless Chromium through chromedriver's W3C WebDriver HTTP API
(standard library only), for the end-to-end tests.

  browser.py open DRIVER_PORT PROFILE_DIR URL
      open URL and print {"lang", "dir", "title", "button"} as JSON
  browser.py click DRIVER_PORT PROFILE_DIR URL CSS [AFTER_CSS]
      open URL, click the element CSS, wait for AFTER_CSS (if given) and
      print {"lang", "dir", "title", "after"} of the resulting page
"""
import json
import sys
import time
import urllib.error
import urllib.request

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


class Driver:
    def __init__(self, port, profile):
        self.base = f"http://127.0.0.1:{port}"
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": CHROMIUM_ARGS + [f"--user-data-dir={profile}"],
            },
        }}}
        self.sid = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base + path, data=data, method=method,
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.load(r)["value"]
        except urllib.error.HTTPError as e:
            raise SystemExit(f"webdriver {method} {path}: {e.read()[:300]!r}")

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.sid}{path}", body)

    def find(self, css, wait=0.0):
        deadline = time.time() + wait
        while True:
            els = self.s("POST", "/elements",
                         {"using": "css selector", "value": css})
            if els or time.time() >= deadline:
                break
            time.sleep(0.1)
        if not els:
            return None
        return list(els[0].values())[0]

    def attr(self, el, name):
        return self.s("GET", f"/element/{el}/attribute/{name}")

    def text(self, el):
        return self.s("GET", f"/element/{el}/text")

    def page(self):
        html = self.find("html")
        h1 = self.find("h1")
        return {"lang": self.attr(html, "lang"), "dir": self.attr(html, "dir"),
                "title": self.s("GET", "/title"),
                "h1": self.text(h1) if h1 else None}

    def quit(self):
        self.s("DELETE", "")


def main(argv):
    if len(argv) < 4 or argv[0] not in ("open", "click"):
        print(__doc__, file=sys.stderr)
        return 64
    d = Driver(int(argv[1]), argv[2])
    try:
        d.s("POST", "/url", {"url": argv[3]})
        out = d.page()
        if argv[0] == "open":
            b = d.find("button")
            out["button"] = d.text(b) if b else None
        else:
            el = d.find(argv[4])
            if el is None:
                raise SystemExit(f"no element {argv[4]}")
            d.s("POST", f"/element/{el}/click", {})
            if len(argv) > 5:
                out["after"] = d.find(argv[5], wait=10) is not None
            out.update({k + "_after": v for k, v in d.page().items()})
        print(json.dumps(out, ensure_ascii=False))
    finally:
        d.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
