"""Speed of the lab: seconds per epoch in headless chromium beside the native command line.

Trains the section's from-scratch RNN (256 hidden units, batch 32, 35 steps, random
sampling, the lyrics) in lab.html, served by a static file server, and natively with
`d2l-rnn train` on one thread (RAYON_NUM_THREADS=1) and on all cores, alternating, in the same
sitting; prints the median seconds per epoch of each (the first epoch is left out: it
includes compiling and warming up) and their ratio, then the size of the module and its
JavaScript, gzipped. A benchmark, not a test: nothing fails on a slow machine.

Usage: bash book/build.sh && cargo build --release && python3 book/lab/bench.py [EPOCHS] [ROUNDS]
"""

import gzip
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "book", "tests"))
from lab_browser_test import LOG, serve, wait_done  # noqa: E402
from webdriver import Browser  # noqa: E402

EPOCH = re.compile(r"^epoch (\d+), perplexity ([0-9.]+), time ([0-9.]+) sec$")


def in_page(browser, base, settings):
    browser.open(f"{base}/lab.html?{settings}&autostart=1")
    wait_done(browser, 600)
    seconds = [float(m[3]) for m in map(EPOCH.match, browser.run(LOG).splitlines()) if m]
    return seconds[1:]


def native(epochs, threads, model="rnn"):
    with tempfile.TemporaryDirectory() as tmp:
        history = os.path.join(tmp, "history.json")
        env = dict(os.environ)
        if threads:
            env["RAYON_NUM_THREADS"] = str(threads)
        subprocess.run([os.path.join(ROOT, "target", "release", "d2l-rnn"), "train",
                        "--model", model, "--epochs", str(epochs), "--pred-period", "100000",
                        "--history", history],
                       cwd=ROOT, env=env, check=True, capture_output=True)
        with open(history, encoding="utf-8") as f:
            return [e["seconds"] for e in json.load(f)["epochs"]][1:]


def main():
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    book = os.path.join(ROOT, "book", "book")
    server, base = serve(book)
    browser = Browser(width=1280, height=1000)
    results = {}
    try:
        for model in ["rnn", "gru", "lstm"]:
            settings = f"model={model}&epochs={epochs}&pred_period=100000"
            page, one, all_cores = [], [], []
            for _ in range(rounds):
                page += in_page(browser, base, settings)
                one += native(epochs, 1, model)
                all_cores += native(epochs, None, model)
            results[model] = (statistics.median(page), statistics.median(one),
                              statistics.median(all_cores))
    finally:
        browser.close()
        server.shutdown()
    print(f"seconds per epoch, median of {rounds} x {epochs - 1} epochs "
          "(from scratch, 256 hidden units, batch 32, 35 steps, random sampling):")
    print(f"{'model':6} {'page':>8} {'native 1 thread':>16} {'native all cores':>17} {'page / 1 thread':>16}")
    for model, (page, one, all_cores) in results.items():
        print(f"{model:6} {page:8.3f} {one:16.3f} {all_cores:17.3f} {page / one:16.2f}")
    pkg = os.path.join(book, "lab", "pkg")
    wasm = open(os.path.join(pkg, "d2l_rnn_lab_bg.wasm"), "rb").read()
    js = b"".join(open(os.path.join(d, f), "rb").read()
                  for d, f in [(pkg, "d2l_rnn_lab.js"), (os.path.join(book, "lab"), "lab.js"),
                               (os.path.join(book, "lab"), "worker.js")])
    print(f"module {len(wasm)} bytes, {len(gzip.compress(wasm, 9))} gzipped; "
          f"JavaScript {len(js)} bytes, {len(gzip.compress(js, 9))} gzipped")


if __name__ == "__main__":
    main()
