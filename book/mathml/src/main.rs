//! `mdbook-mathml`: the book's math, rendered when the book is built.
//!
//! mdBook's `mathjax-support` loads MathJax from a CDN, so a reader with no network sees raw
//! LaTeX. This preprocessor turns every `\\( ... \\)` (inline) and `\\[ ... \\]` (display) of a
//! chapter into MathML, which Chromium and Firefox draw natively.
//!
//! Protocol (mdBook 0.5): `mdbook-mathml supports <renderer>` exits 0 for `html`; otherwise it
//! reads `[context, book]` as JSON on stdin and writes the book back on stdout. A formula that
//! does not parse stops the build with the chapter, the line and the formula.

mod book;
mod markdown;

use std::io::{self, Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("supports") {
        let renderer = args.get(1).map(String::as_str).unwrap_or("");
        return if renderer == "html" {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }
    let mut input = String::new();
    if let Err(e) = io::stdin().read_to_string(&mut input) {
        eprintln!("mdbook-mathml: cannot read the book from stdin: {e}");
        return ExitCode::FAILURE;
    }
    match book::render_book(&input) {
        Ok(output) => {
            let mut stdout = io::stdout().lock();
            if let Err(e) = stdout.write_all(output.as_bytes()) {
                eprintln!("mdbook-mathml: cannot write the book to stdout: {e}");
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mdbook-mathml: {e}");
            ExitCode::FAILURE
        }
    }
}
