#!/usr/bin/env bash
# Builds the book into book/book/, lab included:
#   1. the lab's WebAssembly module (book/lab: the library for wasm32-unknown-unknown, with
#      WebAssembly SIMD) and its JavaScript glue (wasm-bindgen) into book/src/lab/pkg/;
#   2. the lyrics into book/src/lab/ when data/ has them (the lab then trains on them;
#      without them it asks the reader for a text);
#   3. mdbook build book.
# Installs what is missing: the wasm32-unknown-unknown target (rustup), wasm-bindgen-cli at
# the version book/lab/Cargo.lock pins (cargo install, a few minutes), mdbook 0.5.4 (about 6).
# Serve book/book/ with any static file server (python3 -m http.server -d book/book) and
# open lab.html; `mdbook serve book` works too once this has run.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    echo "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
fi
bindgen_version=$(grep -A1 '^name = "wasm-bindgen"$' book/lab/Cargo.lock | sed -n 's/^version = "\(.*\)"$/\1/p')
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $bindgen_version"; then
    echo "installing wasm-bindgen-cli $bindgen_version"
    # --locked first; a registry mirror missing one of its locked versions gets the newest
    # compatible ones instead.
    cargo install --locked wasm-bindgen-cli --version "$bindgen_version" \
        || cargo install wasm-bindgen-cli --version "$bindgen_version"
fi
if ! mdbook --version 2>/dev/null | grep -q "v0.5.4"; then
    echo "installing mdbook 0.5.4"
    cargo install --locked mdbook --version 0.5.4
fi

echo "the lab: d2l-rnn for WebAssembly (book/lab)"
# .cargo/config.toml gives this target its flags (WebAssembly SIMD, getrandom's source).
cargo build --quiet --release --locked --target wasm32-unknown-unknown \
    --manifest-path book/lab/Cargo.toml
rm -rf book/src/lab/pkg
wasm-bindgen --target web --no-typescript --out-dir book/src/lab/pkg \
    book/lab/target/wasm32-unknown-unknown/release/d2l_rnn_lab.wasm
if [ -f data/jaychou_lyrics.txt.zip ]; then
    cp data/jaychou_lyrics.txt.zip book/src/lab/
else
    rm -f book/src/lab/jaychou_lyrics.txt.zip
    echo "data/jaychou_lyrics.txt.zip not found: the lab will ask the reader for a text"
fi

echo "building the book"
rm -rf book/book
mdbook build book
wasm=book/book/lab/pkg/d2l_rnn_lab_bg.wasm
echo "the lab's module: $(wc -c <"$wasm") bytes, $(gzip -9c "$wasm" | wc -c) gzipped;" \
    "its JavaScript $(cat book/book/lab/pkg/d2l_rnn_lab.js book/book/lab/*.js | gzip -9c | wc -c) bytes gzipped"
echo "the book is in book/book/"
