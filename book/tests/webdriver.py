"""A small WebDriver client (the W3C protocol over HTTP, standard library only) driving
Debian's chromium through chromedriver, headless."""

import base64
import sys
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """One headless chromium session; `run(js)` returns the script's value."""

    def __init__(self, width=1280, height=900, chromium="/usr/bin/chromium",
                 chromedriver="/usr/bin/chromedriver"):
        self.port = free_port()
        self.driver = subprocess.Popen([chromedriver, f"--port={self.port}"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                self._call("GET", "/status")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium,
                                   "args": CHROMIUM_FLAGS + [f"--window-size={width},{height}"]},
        }}}
        self.session = self._call("POST", "/session", caps)["sessionId"]

    def _call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return json.loads(response.read())["value"]
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"WebDriver {method} {path}: {e.read().decode()[:500]}") from None

    def _session(self, method, path, body=None):
        return self._call(method, f"/session/{self.session}{path}", body)

    def open(self, url):
        self._session("POST", "/url", {"url": url})

    def run(self, script, *args):
        return self._session("POST", "/execute/sync", {"script": script, "args": list(args)})

    def wait_for(self, script, timeout=10.0, *args):
        """Polls `script` until it returns a truthy value; returns that value."""
        deadline = time.time() + timeout
        while True:
            value = self.run(script, *args)
            if value or time.time() > deadline:
                return value
            time.sleep(0.1)

    def click(self, css):
        element = self._session("POST", "/element", {"using": "css selector", "value": css})
        element_id = next(iter(element.values()))
        self._session("POST", f"/element/{element_id}/click", {})

    def send_keys(self, css, text):
        """Types `text` into the element; for a file input, the path of a file to choose."""
        element = self._session("POST", "/element", {"using": "css selector", "value": css})
        element_id = next(iter(element.values()))
        self._session("POST", f"/element/{element_id}/value", {"text": text})

    def set_size(self, width, height):
        self._session("POST", "/window/rect", {"width": width, "height": height})

    def screenshot(self, path):
        with open(path, "wb") as f:
            f.write(base64.b64decode(self._session("GET", "/screenshot")))

    def close(self):
        try:
            self._session("DELETE", "")
        finally:
            self.driver.terminate()
            self.driver.wait(timeout=10)


class Checks:
    """Named checks: each prints ok or FAIL; `finish` exits 1 when any failed."""

    def __init__(self):
        self.failures = []

    def __call__(self, ok, what):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            self.failures.append(what)

    def finish(self, name):
        if self.failures:
            print(f"{len(self.failures)} {name} check(s) failed")
            sys.exit(1)
        print(f"all {name} checks passed")
