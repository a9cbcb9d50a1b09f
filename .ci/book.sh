#!/usr/bin/env bash
# The book: builds it with mdBook 0.5.4 (math rendered to MathML by book/mathml, our
# preprocessor), opens every chapter in headless chromium (book/tests/browser_test.py: no raw
# LaTeX, layout at 1280 px, Chinese search, a screenshot of every chapter in
# target/book-screenshots/), and checks that the outputs the chapters include
# (book/src/generated/) are what the code produces now, timings aside; numbers quoted in
# prose are placeholders filled from those outputs by book/figures, so a build fails when one
# names a run or figure that is not there. Also clicks the Run
# buttons of `mdbook serve book` backed by `d2l-rnn book-runner` (book/tests/runner_browser_test.py).
#
# Also builds the lab's WebAssembly module (book/build.sh) and drives lab.html in chromium
# (book/tests/lab_browser_test.py).
#
# Installs what is missing: mdbook 0.5.4, the wasm32 target and wasm-bindgen-cli (through
# book/build.sh), Debian's chromium, chromium-driver and the Noto CJK fonts (apt-get).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1 \
    || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
    echo "installing chromium, chromium-driver and fonts-noto-cjk"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q chromium chromium-driver fonts-noto-cjk >/dev/null \
        || { apt-get update -q >/dev/null && apt-get install -y -q chromium chromium-driver fonts-noto-cjk >/dev/null; }
fi

# The corpus for book-outputs, which reads it from data/.
if [ -f ../shared/data/jaychou_lyrics.txt.zip ] && [ ! -f data/jaychou_lyrics.txt.zip ]; then
    cp ../shared/data/jaychou_lyrics.txt.zip data/
fi

echo "the math preprocessor: format, lints, tests"
cargo fmt --manifest-path book/mathml/Cargo.toml --check
cargo clippy --quiet --manifest-path book/mathml/Cargo.toml --all-targets -- -D warnings
cargo test --quiet --release --manifest-path book/mathml/Cargo.toml

echo "the figures preprocessor: format, lints, tests"
cargo fmt --manifest-path book/figures/Cargo.toml --check
cargo clippy --quiet --manifest-path book/figures/Cargo.toml --all-targets -- -D warnings
cargo test --quiet --release --manifest-path book/figures/Cargo.toml

echo "the lab's crate (book/lab): format, lints, tests"
cargo fmt --manifest-path book/lab/Cargo.toml --check
cargo clippy --quiet --manifest-path book/lab/Cargo.toml --all-targets -- -D warnings
cargo clippy --quiet --manifest-path book/lab/Cargo.toml --target wasm32-unknown-unknown -- -D warnings
cargo test --quiet --release --manifest-path book/lab/Cargo.toml

echo "building the book, the lab's WebAssembly module with it"
bash book/build.sh

echo "browser tests"
python3 book/tests/browser_test.py book/book

echo "the lab in the browser: trains, stops, goes on, agrees with the command line"
cargo build --release --quiet
python3 book/tests/lab_browser_test.py book/book

echo "the Run buttons: mdbook serve + book-runner, clicked in chromium"
cargo build --release --quiet
python3 book/tests/runner_browser_test.py

echo "the book's outputs are current (trains every model: about 5 minutes)"
cargo run --quiet --release -- book-outputs --check
