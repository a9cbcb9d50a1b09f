//! What the benches share: the corpus, or a clear exit without it, and medians.

use d2l_rnn::data::{load_data_jay_lyrics, Corpus};

/// The section's corpus (`data/`, `../shared/data/`, or downloaded and
/// checked); without it, the error on stderr and exit code 1.
pub fn lyrics_or_exit() -> Corpus {
    match load_data_jay_lyrics() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

/// The middle value (the upper one of an even count); `NaN` sorts last.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}
