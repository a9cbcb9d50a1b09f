//! The numbers the chapters quote in their prose (`generated/figures.json`, read by the
//! book's `{{#fig KEY DIGITS}}` placeholders), and the texts a trained model writes at
//! several temperatures.

use d2l_rnn::checkpoint::load_any;
use d2l_rnn::data::Vocab;
use d2l_rnn::predict::Sampler;
use d2l_rnn::train::History;
use d2l_rnn::Result;
use std::collections::BTreeMap;
use std::path::Path;

/// Named numbers, one per line when written, sorted by name.
pub type Figures = BTreeMap<String, f64>;

/// What gradient clipping met over a whole run, under `{name}.…` keys: the smallest and
/// largest norm of any mini-batch, the lowest and highest of the epochs' medians, the
/// lowest share of an epoch's mini-batches that were clipped.
pub fn clipping_figures(figures: &mut Figures, name: &str, history: &History) {
    let stats: Vec<_> = history.epochs.iter().filter_map(|e| e.clipping).collect();
    if stats.is_empty() {
        return;
    }
    let fold = |f: fn(&d2l_rnn::train::ClipStats) -> f64, min: bool| {
        let values = stats.iter().map(f);
        if min {
            values.fold(f64::INFINITY, f64::min)
        } else {
            values.fold(f64::NEG_INFINITY, f64::max)
        }
    };
    let mut put = |key: &str, value: f64| figures.insert(format!("{name}.{key}"), value);
    put("grad_norm_min", fold(|s| s.grad_norm_min, true));
    put("grad_norm_max", fold(|s| s.grad_norm_max, false));
    put(
        "grad_norm_median_lowest",
        fold(|s| s.grad_norm_median, true),
    );
    put(
        "grad_norm_median_highest",
        fold(|s| s.grad_norm_median, false),
    );
    put("clipped_share_lowest", fold(|s| s.clipped_share, true));
}

/// The temperatures the book compares, greedy first.
pub const TEMPERATURES: [f64; 3] = [0.0, 0.5, 1.0];

/// Texts the checkpoint at `path` writes after each of `prefixes`: one line per prefix and
/// temperature of [`TEMPERATURES`] (seed 0); and when the greedy text after the first
/// prefix writes a character twice in a row, how often that pair occurs in `text`, the
/// training text (`{name}.greedy_repeat_in_training_text`).
pub fn temperature_texts(
    path: &Path,
    prefixes: &[&str],
    text: &[usize],
    figures: &mut Figures,
    name: &str,
) -> Result<String> {
    let (mut model, vocab) = load_any(path)?;
    let mut lines = String::new();
    for (i, prefix) in prefixes.iter().enumerate() {
        for temperature in TEMPERATURES {
            let sampler = Sampler {
                temperature,
                top_k: None,
                seed: 0,
            };
            let written = model.predict_with(prefix, 50, &vocab, &sampler)?;
            lines.push_str(&format!("T = {temperature:<3}  {written}\n"));
            if i == 0 && temperature == 0.0 {
                if let Some(count) = repeated_pair(&written, &vocab, text) {
                    figures.insert(format!("{name}.greedy_repeat_in_training_text"), count);
                }
            }
        }
    }
    Ok(lines)
}

/// When `written` has a character twice in a row (the first such), how many times that
/// pair occurs in `text`.
fn repeated_pair(written: &str, vocab: &Vocab, text: &[usize]) -> Option<f64> {
    let chars: Vec<char> = written.chars().collect();
    let c = chars.windows(2).find(|w| w[0] == w[1])?[0];
    let index = *vocab.encode(&c.to_string()).ok()?.first()?;
    Some(text.windows(2).filter(|w| w == &[index, index]).count() as f64)
}

/// The figures as JSON, one key per line.
pub fn to_json(figures: &Figures) -> String {
    let lines: Vec<String> = figures
        .iter()
        .map(|(k, v)| format!("  {k:?}: {}", serde_json::Value::from(*v)))
        .collect();
    format!("{{\n{}\n}}\n", lines.join(",\n"))
}

/// The corpus and the untrained model, under `corpus.…`, `rnn.…` and `fresh.…` keys: the
/// characters and the vocabulary, the mini-batches of one epoch for each sampling (32
/// sequences of 35 steps), the from-scratch RNN's parameter count (256 hidden units), and
/// the perplexity of that model freshly initialised (seed 0) on the whole corpus.
pub fn corpus_figures(figures: &mut Figures, corpus: &d2l_rnn::data::Corpus) {
    use d2l_rnn::data::{epoch_size, Sampling};
    use d2l_rnn::model::Parameters;
    let n = corpus.corpus_indices.len();
    let v = corpus.vocab_size();
    figures.insert("corpus.chars".into(), n as f64);
    figures.insert("corpus.vocab_size".into(), v as f64);
    for sampling in [Sampling::Random, Sampling::Consecutive] {
        let batches = epoch_size(sampling, n, 32, 35);
        figures.insert(format!("corpus.batches.{sampling}"), batches as f64);
    }
    let mut fresh = d2l_rnn::fast::RnnFast::init(v, 256, 0);
    let count: usize = fresh.params.tensors().iter().map(|(_, t)| t.len()).sum();
    figures.insert("rnn.parameters".into(), count as f64);
    let perplexity = d2l_rnn::train::evaluate_perplexity(&mut fresh, &corpus.corpus_indices, 35);
    figures.insert("fresh.rnn.perplexity".into(), perplexity);
}

#[cfg(test)]
mod tests {
    use super::*;
    use d2l_rnn::train::{ClipStats, EpochRecord};

    #[test]
    fn clipping_is_summed_up_over_the_epochs() {
        let epoch = |min, median, max, share| EpochRecord {
            clipping: Some(ClipStats {
                grad_norm_min: min,
                grad_norm_median: median,
                grad_norm_max: max,
                clipped_share: share,
            }),
            ..Default::default()
        };
        let h = History {
            epochs: vec![epoch(0.2, 0.5, 3.0, 1.0), epoch(0.1, 0.9, 2.0, 0.75)],
            samples: vec![],
        };
        let mut f = Figures::new();
        clipping_figures(&mut f, "r", &h);
        assert_eq!(f["r.grad_norm_min"], 0.1);
        assert_eq!(f["r.grad_norm_max"], 3.0);
        assert_eq!(
            (
                f["r.grad_norm_median_lowest"],
                f["r.grad_norm_median_highest"]
            ),
            (0.5, 0.9)
        );
        assert_eq!(f["r.clipped_share_lowest"], 0.75);
        assert_eq!(to_json(&f).lines().count(), 7);
    }

    #[test]
    fn a_repeated_pair_is_counted_in_the_text() {
        let vocab = Vocab::from_text("分开知道");
        let text = vocab.encode("知道知知道知知").unwrap();
        assert_eq!(repeated_pair("分开知知知", &vocab, &text), Some(2.0));
        assert_eq!(repeated_pair("分开知道", &vocab, &text), None);
    }
}
