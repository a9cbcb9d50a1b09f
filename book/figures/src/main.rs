//! `mdbook-figures`: numbers quoted in the book's prose, filled in from the generated runs.
//!
//! A chapter writes `{{#ppl rnn-random 250}}` for the perplexity of epoch 250 in
//! `generated/rnn-random.json` (six decimals, as the training log prints it; a third
//! argument sets the decimals), and `{{#fig KEY DIGITS}}` for the number `KEY` of
//! `generated/figures.json` with `DIGITS` decimals (`DIGITS%` shows a share as a
//! percentage). `\{{#…}}` stays as written, without the backslash. Both files are written by
//! `d2l-rnn book-outputs`, whose `--check` keeps them current, so a quoted figure cannot
//! differ from the run it names; a placeholder naming a run, epoch or key that does not
//! exist stops the build with the chapter and the placeholder.
//!
//! Protocol (mdBook 0.5): `mdbook-figures supports <renderer>` exits 0 for every renderer;
//! otherwise it reads `[context, book]` as JSON on stdin and writes the book on stdout.

mod book;
mod placeholders;

use std::io::{self, Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("supports") {
        return ExitCode::SUCCESS;
    }
    let mut input = String::new();
    if let Err(e) = io::stdin().read_to_string(&mut input) {
        eprintln!("mdbook-figures: cannot read the book from stdin: {e}");
        return ExitCode::FAILURE;
    }
    match book::fill_book(&input) {
        Ok(output) => {
            if let Err(e) = io::stdout().lock().write_all(output.as_bytes()) {
                eprintln!("mdbook-figures: cannot write the book to stdout: {e}");
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mdbook-figures: {e}");
            ExitCode::FAILURE
        }
    }
}
