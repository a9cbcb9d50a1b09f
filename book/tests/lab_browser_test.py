"""Browser test of the lab (lab.html), run by .ci/book.sh after `bash book/build.sh`.

Serves the built book with a static file server (Python's http.server, as a reader might)
and drives headless chromium:
  * lab.html?...&autostart=1 trains a small model of every kind (RNN, GRU, LSTM; from
    scratch and concise) for three epochs by itself; the log in #lab-log has one line per
    epoch in the command line's format, the samples (" - 分开…") and "done"; perplexity
    falls; the perplexities agree with `d2l-rnn train` run natively with the same
    settings within a relative 1e-6;
  * Stop, clicked mid-epoch, stops the run after the mini-batch in progress (no batch
    trained after it); Continue goes on to the same numbers as a run never stopped;
  * bad input gives a message naming the value while the worker lives on and the last good
    curve stays: an unknown model in the address, a learning rate that is no number, hidden
    units 0 and above the limit, a file that is not UTF-8, a zip without a text member, a
    one-character text; a learning rate that diverges stops with the command line's advice;
  * without the lyrics in the book the lab asks for a text, and trains on pasted text;
    without the module (a book built by `mdbook build` alone) it says how to build it;
and saves screenshots in target/book-screenshots/lab-*.png.

Usage: python3 book/tests/lab_browser_test.py [book/book]
"""

import contextlib
import functools
import http.server
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

sys.path.insert(0, os.path.dirname(__file__))
from webdriver import Browser, Checks  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EPOCH = re.compile(r"^epoch (\d+), perplexity ([0-9.]+), time ([0-9.]+) sec$")
LOG = "return document.getElementById('lab-log').textContent"
SMALL = {"hidden": "32", "epochs": "3", "pred_period": "1"}


def serve(directory, hide=()):
    """A static file server of `directory`; paths containing any of `hide` are 404."""
    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            if any(h in self.path for h in hide):
                self.send_error(404)
                return
            super().do_GET()

    handler = functools.partial(Handler, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def query(settings):
    return "&".join(f"{k}={v}" for k, v in settings.items())


def epochs(log):
    return [(int(m[1]), float(m[2])) for m in map(EPOCH.match, log.splitlines()) if m]


def native(model, impl, settings):
    """Per-epoch perplexities of `d2l-rnn train` with the same settings."""
    args = [os.path.join(ROOT, "target", "release", "d2l-rnn"), "train", "--model", model,
            "--impl", impl, "--hidden", settings["hidden"], "--epochs", settings["epochs"],
            "--pred-period", "1"]
    out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return epochs(out)


def wait_done(browser, timeout=300):
    return browser.wait_for(LOG + ".endsWith('done\\n') || document.getElementById('lab-error')"
                            ".hidden === false", timeout)


def set_value(browser, name, value):
    browser.run("const e = document.getElementById('lab-' + arguments[0]); e.value = arguments[1];"
                "e.dispatchEvent(new Event('change'));", name, value)


def error_text(browser):
    return browser.run("const e = document.getElementById('lab-error');"
                       "return e.hidden ? '' : e.textContent")


def error_message(browser, timeout):
    """The message #lab-error shows, once it shows one (False after `timeout` s)."""
    return browser.wait_for("const e = document.getElementById('lab-error');"
                            "return !e.hidden && e.textContent", timeout)


@contextlib.contextmanager
def lab_browser(book, hide=()):
    """Chromium on the book served statically (paths containing any of `hide` are 404)."""
    server, base = serve(book, hide)
    browser = Browser(width=1280, height=1000)
    try:
        yield browser, base
    finally:
        browser.close()
        server.shutdown()


def relative_difference(got, want):
    return max((abs(g - w) / w for (_, g), (_, w) in zip(got, want)), default=1.0)


def every_model_kind(check, browser, base, shots):
    """Three epochs of every model kind, against the command line."""
    worst = 0.0
    for model in ["rnn", "gru", "lstm"]:
        for impl in ["scratch", "concise"]:
            settings = {"model": model, "impl": impl, **SMALL}
            browser.open(f"{base}/lab.html?{query(settings)}&autostart=1")
            wait_done(browser)
            log = browser.run(LOG)
            err = error_text(browser)
            got = epochs(log)
            name = f"{model} {impl}"
            check(not err and log.endswith("done\n") and [e for e, _ in got] == [1, 2, 3],
                  f"{name}: three epoch lines and done in #lab-log {err or log[-200:]!r}")
            if len(got) == 3:
                check(got[2][1] < got[0][1],
                      f"{name}: perplexity falls ({got[0][1]} -> {got[2][1]})")
            samples = [l for l in log.splitlines() if l.startswith(" - ")]
            check(len(samples) == 6 and samples[0].startswith(" - 分开")
                  and samples[1].startswith(" - 不分开") and len(samples[0]) > 10,
                  f"{name}: text written from both prefixes every epoch ({samples[:1]})")
            want = native(model, impl, settings)
            rel = relative_difference(got, want)
            worst = max(worst, rel)
            check(len(want) == 3 and rel < 1e-6,
                  f"{name}: perplexities {[p for _, p in got]} agree with the command line's "
                  f"{[p for _, p in want]} (relative {rel:.1e})")
            address = browser.run("return location.search")
            check("model=" + model in address and "hidden=32" in address
                  and "prefix=" in address,
                  f"{name}: the controls write their state into the address ({address})")
    print(f"largest relative difference from the command line: {worst:.2e}")
    browser.screenshot(os.path.join(shots, "lab-trained.png"))



def stop_and_continue(check, browser, base, shots):
    """Stop mid-epoch, then Continue: the numbers of a run never stopped."""
    # Stop mid-epoch, then Continue: the numbers of a run never stopped.
    stop_settings = {"model": "rnn", "impl": "scratch", "hidden": "256", "epochs": "2",
                     "pred_period": "1"}
    browser.open(f"{base}/lab.html?{query(stop_settings)}&autostart=1")
    status = "return document.getElementById('lab-status').textContent"
    position = re.compile(r"第 (\d+) 个迭代周期.*第 (\d+)/(\d+)")

    def batches_done(text):  # mini-batches trained, counted over the epochs
        m = position.search(text or "")
        return (int(m[1]) - 1) * int(m[3]) + int(m[2]) if m else -1

    browser.wait_for(status + ".match(/第 \\d+ 个迭代周期：第 ([2-9]|\\d\\d+)\\//)", 120)
    browser.click("#lab-stop")
    clicked = browser.run(status)
    stopped = browser.wait_for(status + ".startsWith('已停在') && "
                               "document.getElementById('lab-status').textContent", 30)
    log_at_stop = browser.run(LOG)
    time.sleep(2.0)
    later, log_later = browser.run(status), browser.run(LOG)
    at_click, at_stop = batches_done(clicked), batches_done(stopped)
    check(bool(stopped) and at_click > 0 and 0 <= at_stop - at_click <= 1
          and later == stopped and log_later == log_at_stop,
          f"Stop: clicked at {clicked!r}, {stopped!r}, nothing trained in the 2 s after")
    browser.screenshot(os.path.join(shots, "lab-stopped.png"))
    browser.click("#lab-continue")
    wait_done(browser)
    got = epochs(browser.run(LOG))
    want = native("rnn", "scratch", stop_settings)
    rel = relative_difference(got, want)
    check(len(got) == 2 and rel < 1e-6,
          f"Continue: {[p for _, p in got]} as the command line's {[p for _, p in want]}")
    gradient = browser.run("return document.querySelector('#lab-gradient svg') !== null")
    check(gradient, "the gradient-through-time view is drawn when the run ends")
    browser.click("#lab-write")
    written = browser.wait_for("return document.getElementById('lab-written').textContent", 20)
    check(bool(written) and written.startswith("分开"), f"write: {written!r}")
    # Continue after the last epoch: as many epochs again, the numbers of one longer run.
    browser.click("#lab-continue")
    browser.wait_for(LOG + ".split('done').length === 3", 120)
    got = epochs(browser.run(LOG))
    want = native("rnn", "scratch", {**stop_settings, "epochs": "4"})
    check([e for e, _ in got] == [1, 2, 3, 4] and relative_difference(got, want) < 1e-6,
          f"Continue after done: {[p for _, p in got]} as 4 epochs at once {[p for _, p in want]}")



def bad_input(check, browser, base, shots):
    """Messages naming the value; the worker lives on, and the curve of the run the page
    shows (the one `stop_and_continue` left) stays."""
    good = {"lr": "100", "hidden": "256"}
    bad = [("lr", "abc", "invalid lr = abc"), ("lr", "-1", "invalid lr = -1"),
           ("hidden", "0", "invalid hidden = 0"), ("hidden", "99999", "invalid hidden = 99999")]
    for name, value, says in bad:
        set_value(browser, name, value)
        browser.click("#lab-train")
        message = error_message(browser, 20)
        curve = browser.run("return document.querySelector('#lab-chart svg') !== null")
        check(bool(message) and says in message and curve,
              f"{name}={value}: {message!r}; the last curve kept: {curve}")
        set_value(browser, name, good[name])
    browser.screenshot(os.path.join(shots, "lab-bad-input.png"))
    browser.open(f"{base}/lab.html?model=transformer&autostart=1")
    message = error_message(browser, 30)
    check(bool(message) and "invalid model = transformer" in message,
          f"an unknown model in the address: {message!r}")


def bad_files(check, browser, base, shots):
    """A file that is not UTF-8, a zip without one text member: named; the worker lives on."""
    with tempfile.TemporaryDirectory() as tmp:
        latin1 = os.path.join(tmp, "latin1.txt")
        with open(latin1, "wb") as f:
            f.write("caf\u00e9 au lait".encode("latin-1"))
        nozip = os.path.join(tmp, "pictures.zip")
        with zipfile.ZipFile(nozip, "w") as z:
            z.writestr("a.png", b"\x89PNG")
            z.writestr("b.png", b"\x89PNG")
        for path, says in [
            (latin1, "latin1.txt is not UTF-8 text (invalid byte at offset 3)"),
            (nozip, "pictures.zip is not a zip archive with one text file "
                    "(expected exactly one member ending in .txt"),
        ]:
            browser.open(f"{base}/lab.html?{query(SMALL)}")
            browser.wait_for("return document.getElementById('lab-status').textContent"
                             ".includes('已载入')", 30)
            browser.send_keys("#lab-file", path)
            browser.wait_for("return document.getElementById('lab-corpus-status')"
                             ".textContent.includes('已选择')", 10)
            browser.click("#lab-train")
            message = error_message(browser, 20)
            check(bool(message) and says in message,
                  f"{os.path.basename(path)}: {message!r}")
        # the worker lives on: the book's lyrics train after the bad file
        browser.click("#lab-train")
        wait_done(browser)
        check(len(epochs(browser.run(LOG))) == 3, "after a bad file, the next run trains")


def divergence(check, browser, base, shots):
    """A run that diverges stops with the command line's advice."""
    browser.open(f"{base}/lab.html?hidden=64&epochs=3&clip=1e30&lr=1000&autostart=1")
    message = error_message(browser, 120)
    check(bool(message) and "training diverged in epoch 1" in message
          and "lower the learning rate" in message, f"divergence: {message!r}")


def without_lyrics(check, browser, base, shots):
    """A book built without the lyrics: the lab asks, then trains on pasted text."""
    browser.open(f"{base}/lab.html?{query(SMALL)}&autostart=1")
    message = error_message(browser, 30)
    check(bool(message) and "粘贴" in message, f"no lyrics: the lab asks for a text ({message!r})")
    set_value(browser, "paste", "x")
    browser.click("#lab-use-text")
    browser.click("#lab-train")
    message = error_message(browser, 20)
    check(bool(message) and "at least 2 characters" in message, f"one character: {message!r}")
    set_value(browser, "paste", "分开 不分开 " * 100)
    set_value(browser, "num_steps", "6")
    set_value(browser, "batch_size", "4")
    browser.click("#lab-use-text")
    browser.click("#lab-train")
    wait_done(browser)
    got = epochs(browser.run(LOG))
    check(len(got) == 3 and got[2][1] < got[0][1],
          f"pasted text trains: {[p for _, p in got]}")
    browser.screenshot(os.path.join(shots, "lab-pasted.png"))


def main():
    book = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "book", "book"))
    shots = os.path.join(ROOT, "target", "book-screenshots")
    os.makedirs(shots, exist_ok=True)
    check = Checks()
    with lab_browser(book) as (browser, base):
        for part in [every_model_kind, stop_and_continue, bad_input, bad_files, divergence]:
            part(check, browser, base, shots)
    with lab_browser(book, hide=("jaychou_lyrics.txt.zip",)) as (browser, base):
        without_lyrics(check, browser, base, shots)
    # A book built by `mdbook build` alone, without the module: the page says what to do.
    with lab_browser(book, hide=("/lab/pkg/",)) as (browser, base):
        browser.open(f"{base}/lab.html?autostart=1")
        message = error_message(browser, 30)
        check(bool(message) and "bash book/build.sh" in message, f"no module: {message!r}")
    check.finish("lab")


if __name__ == "__main__":
    main()
