"""Browser tests of the built book (run by .ci/book.sh after `mdbook build book`).

Opens every chapter in headless chromium at 1280 px and checks that
  * no page shows raw LaTeX (\\( \\[ $$), every formula is drawn as MathML with a size, and
    the math font served with the book is loaded;
  * nothing makes the page wider than the window: wide tables, code and formulas either
    fit the text column or scroll inside their own box;
  * Chinese queries (index.html?search=...) find the section that is about them;
and saves a full-page screenshot of every chapter, and one of each search, in
target/book-screenshots/.

Usage: python3 book/tests/browser_test.py [book/book]
"""

import functools
import http.server
import os
import re
import sys
import threading

sys.path.insert(0, os.path.dirname(__file__))
from webdriver import Browser, Checks  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# Query -> the chapter (and heading, when given) that must be among the first three results.
SEARCHES = {
    "困惑度": "clipping-perplexity.html#困惑度",
    "梯度裁剪": "clipping-perplexity.html#裁剪梯度",
    "相邻采样": "sampling.html#相邻采样",
    "隐藏状态": "rnn-structure.html",
    "门控循环单元": "gru.html",
    "perplexity": "clipping-perplexity.html",
}

LAYOUT_JS = """
const main = document.querySelector('#mdbook-content main') || document.querySelector('main');
const right = main.getBoundingClientRect().right + 1;
const bad = [];
for (const el of main.querySelectorAll('table, pre, math[display="block"], img, svg')) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    const scrolls = ['auto', 'scroll'].includes(style.overflowX);
    if (box.right > right && !(scrolls && el.clientWidth <= main.clientWidth + 1)) {
        bad.push(el.tagName + ' ' + Math.round(box.right) + ' > ' + Math.round(right)
                 + ': ' + el.textContent.slice(0, 60));
    }
}
if (document.documentElement.scrollWidth > window.innerWidth) {
    bad.push('page ' + document.documentElement.scrollWidth + ' px wide');
}
return bad;
"""

MATH_JS = """
const text = document.querySelector('main').innerText;
const raw = ['\\\\(', '\\\\[', '$$'].filter(d => text.includes(d));
const maths = [...document.querySelectorAll('main math')];
const empty = maths.filter(m => m.getBoundingClientRect().height < 5).length;
return {raw: raw, count: maths.length, empty: empty};
"""


def chapters():
    summary = open(os.path.join(ROOT, "book", "src", "SUMMARY.md"), encoding="utf-8").read()
    return [m.replace(".md", ".html") for m in re.findall(r"\]\(([^)]+\.md)\)", summary)]


def serve(directory):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def main():
    book = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "book", "book"))
    shots = os.path.join(ROOT, "target", "book-screenshots")
    os.makedirs(shots, exist_ok=True)
    server, base = serve(book)
    browser = Browser(width=1280, height=900)
    check = Checks()

    try:
        for page in chapters():
            browser.set_size(1280, 900)
            browser.open(f"{base}/{page}")
            browser.wait_for("return document.readyState === 'complete'")
            math = browser.run(MATH_JS)
            check(not math["raw"], f"{page}: no raw LaTeX delimiters (found {math['raw']})")
            check(math["empty"] == 0,
                  f"{page}: all {math['count']} formulas drawn ({math['empty']} without a size)")
            if math["count"]:
                font = browser.wait_for(
                    "return [...document.fonts].some(f => f.family.includes('D2L STIX Math')"
                    " && f.status === 'loaded')", 10)
                check(font, f"{page}: the book's math font (STIX) is loaded")
            bad = browser.run(LAYOUT_JS)
            check(not bad, f"{page}: fits 1280 px or scrolls in its own box {bad[:3]}")
            height = browser.run("return document.documentElement.scrollHeight")
            browser.set_size(1280, min(height + 100, 16000))
            browser.screenshot(os.path.join(shots, page.replace(".html", ".png")))
        browser.set_size(1280, 900)
        for number, (query, expected) in enumerate(SEARCHES.items()):
            browser.open(f"{base}/index.html?search={query}")
            links = browser.wait_for(
                "return [...document.querySelectorAll('#mdbook-searchresults li a')]"
                ".map(a => decodeURIComponent(a.getAttribute('href')))", 10.0)
            top = [re.sub(r"\?[^#]*", "", link) for link in (links or [])[:3]]
            hit = any(link == expected or link.startswith(expected + "#")
                      or link.split("#")[0] == expected for link in top)
            check(hit, f"search {query}: {expected} among the first 3 of {len(links or [])} ({top})")
            if not query.isascii():
                marked = browser.run(
                    "return [...document.querySelectorAll('#mdbook-searchresults span.teaser em')]"
                    ".map(e => e.textContent)")
                check(any(m and m in query for m in marked),
                      f"search {query}: teasers mark the match ({marked[:3]})")
            browser.screenshot(os.path.join(shots, f"search-{number + 1}.png"))
    finally:
        browser.close()
        server.shutdown()
    print(f"screenshots in {shots}")
    check.finish("browser")


if __name__ == "__main__":
    main()
