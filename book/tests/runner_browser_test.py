"""Browser test of the Run buttons (run by .ci/book.sh).

Starts `mdbook serve book` on localhost:3000 and `d2l-rnn book-runner` on 127.0.0.1:3001,
opens chapters in headless chromium and
  1. clicks Run on the first cell of rnn-structure.html and reads its output under the cell;
  2. runs the three-epoch training cell of training.html, sees the running notice with the
     output so far, then the final output;
  3. starts the full training cell (no_run, 250 epochs), clicks Cancel, sees "cancelled".
Saves target/book-screenshots/runner-*.png. Times are printed.

Usage: python3 book/tests/runner_browser_test.py   (after `cargo build --release`)
"""

import json
import os
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from webdriver import Browser, Checks  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BOOK = "http://localhost:3000"


def runner_ready():
    request = urllib.request.Request(
        "http://127.0.0.1:3001/status.json", data=b"{}", method="POST",
        headers={"Content-Type": "application/json", "Origin": BOOK})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return json.loads(response.read()).get("ready", False)
    except OSError:
        return False


def page_ready():
    try:
        with urllib.request.urlopen(BOOK + "/rnn-structure.html", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def wait(what, predicate, timeout):
    deadline = time.time() + timeout
    while not predicate():
        if time.time() > deadline:
            raise SystemExit(f"FAIL {what} within {timeout} s")
        time.sleep(0.25)


def main():
    shots = os.path.join(ROOT, "target", "book-screenshots")
    os.makedirs(shots, exist_ok=True)
    binary = os.path.join(ROOT, "target", "release", "d2l-rnn")
    runner = subprocess.Popen([binary, "book-runner"], cwd=ROOT)
    server = subprocess.Popen(["mdbook", "serve", "book", "-p", "3000", "-n", "127.0.0.1"],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    browser = None
    check = Checks()

    try:
        started = time.time()
        wait("the runner answers", runner_ready, 900)
        print(f"runner ready after {time.time() - started:.1f} s")
        wait("mdbook serve answers", page_ready, 300)
        browser = Browser(width=1280, height=900)

        # 1. A short cell.
        browser.open(BOOK + "/rnn-structure.html")
        ready = browser.wait_for("return document.body.getAttribute('data-d2l-runner')", 20)
        count = browser.run("return document.querySelectorAll('button.d2l-run').length")
        check(ready == "ready" and count > 0, f"rnn-structure.html has Run buttons ({count})")
        clicked = time.time()
        browser.click("button.d2l-run")
        text = browser.wait_for(
            "const o = document.querySelector('pre.d2l-run-output[data-done]');"
            "return o && o.textContent", 60)
        seconds = time.time() - clicked
        check(text == "592643 parameters, whatever the number of time steps\n",
              f"its output appears under the cell in {seconds:.2f} s: {text!r}")
        browser.run("document.querySelector('pre.d2l-run-output').scrollIntoView({block: 'center'})")
        browser.screenshot(os.path.join(shots, "runner-short-cell.png"))

        # 2. A cell that trains three epochs: the running notice, then the output.
        browser.open(BOOK + "/training.html")
        browser.wait_for("return document.body.getAttribute('data-d2l-runner')", 20)
        index = browser.run(
            "return [...document.querySelectorAll('pre > code.language-rust')]"
            ".findIndex(c => c.textContent.includes('num_epochs: 3'))")
        clicked = time.time()
        browser.run("document.querySelectorAll('button.d2l-run')[arguments[0]].click()", index)
        notice = browser.wait_for(
            "const o = document.querySelectorAll('pre > code.language-rust')[arguments[0]]"
            ".parentElement.nextElementSibling;"
            "return o && o.classList.contains('d2l-run-output') && o.textContent", 30, index)
        check(bool(notice) and ("运行中" in notice or "编译" in notice),
              f"the training cell shows that it runs: {notice[:40]!r}")
        text = browser.wait_for(
            "const o = document.querySelectorAll('pre > code.language-rust')[arguments[0]]"
            ".parentElement.nextElementSibling;"
            "return o && o.hasAttribute('data-done') && o.textContent", 180, index)
        seconds = time.time() - clicked
        check(bool(text) and "epoch 3, perplexity 369.519992" in text,
              f"three epochs trained in {seconds:.1f} s: {(text or '')[-60:]!r}")
        browser.run("document.querySelectorAll('pre > code.language-rust')[arguments[0]]"
                    ".parentElement.nextElementSibling.scrollIntoView({block: 'center'})", index)
        browser.screenshot(os.path.join(shots, "runner-training-cell.png"))

        # 3. The 250-epoch cell: start, then cancel.
        index = browser.run(
            "return [...document.querySelectorAll('pre > code.language-rust')]"
            ".findIndex(c => c.classList.contains('no_run'))")
        browser.run("document.querySelectorAll('button.d2l-run')[arguments[0]].click()", index)
        running = browser.wait_for(
            "const o = document.querySelectorAll('pre > code.language-rust')[arguments[0]]"
            ".parentElement.nextElementSibling;"
            "return o && o.textContent.startsWith('运行中') && o.textContent", 60, index)
        check(bool(running), f"the long cell shows seconds and output so far: {(running or '')[:30]!r}")
        label = browser.run("return document.querySelectorAll('button.d2l-run')[arguments[0]].textContent", index)
        check("取消" in label, f"its button now cancels: {label!r}")
        browser.run("document.querySelectorAll('button.d2l-run')[arguments[0]].click()", index)
        text = browser.wait_for(
            "const o = document.querySelectorAll('pre > code.language-rust')[arguments[0]]"
            ".parentElement.nextElementSibling;"
            "return o && o.hasAttribute('data-done') && o.textContent", 30, index)
        check(bool(text) and text.rstrip().endswith("cancelled"), f"cancelled: {(text or '')[-30:]!r}")
        browser.run("document.querySelectorAll('pre > code.language-rust')[arguments[0]]"
                    ".parentElement.nextElementSibling.scrollIntoView({block: 'center'})", index)
        browser.screenshot(os.path.join(shots, "runner-cancelled.png"))
    finally:
        if browser:
            browser.close()
        for process in (runner, server):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    check.finish("runner browser")


if __name__ == "__main__":
    main()
