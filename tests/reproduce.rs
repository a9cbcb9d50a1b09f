//! Reproduces the section's table: 250 epochs at the section's settings on
//! the first 10,000 characters of the lyrics, both sampling modes.

use d2l_rnn::data::{load_data_jay_lyrics, Corpus, Sampling};
use d2l_rnn::train::{train_and_predict_rnn, History, TrainConfig};
use std::collections::HashSet;

/// Share of the generated characters' bigrams that also occur in the corpus:
/// lyric-like text scores high, random characters score near zero. The
/// section's own epoch-250 lines score 0.74 to 0.82, its untrained line
/// (分开代爬领橱烧队江榜爽纵) 0.0, and random characters from the vocabulary
/// 0.004 on average; our runs scored 0.55 to 0.94.
fn known_bigram_share(corpus: &Corpus, text: &str) -> f64 {
    let chars: Vec<char> = corpus
        .vocab
        .decode(&corpus.corpus_indices)
        .chars()
        .collect();
    let known: HashSet<(char, char)> = chars.windows(2).map(|w| (w[0], w[1])).collect();
    let generated: Vec<char> = text.chars().collect();
    let pairs: Vec<(char, char)> = generated.windows(2).map(|w| (w[0], w[1])).collect();
    pairs.iter().filter(|p| known.contains(p)).count() as f64 / pairs.len().max(1) as f64
}

fn reproduce(sampling: Sampling, bound: f64) -> History {
    let corpus = load_data_jay_lyrics().expect("the lyrics corpus (see README: data/)");
    let cfg = TrainConfig {
        sampling,
        ..TrainConfig::default()
    };
    let (_, history) = train_and_predict_rnn(&corpus, &cfg).expect("training runs");
    let last = history.final_perplexity().expect("250 epochs");
    eprintln!("{sampling}: perplexity at epoch 250 = {last:.6}");
    assert_eq!(history.epochs.len(), 250);
    assert!(
        last <= bound,
        "{sampling} sampling: perplexity {last} above {bound}"
    );
    let finals: Vec<_> = history.samples.iter().filter(|s| s.epoch == 250).collect();
    assert_eq!(finals.len(), 2);
    for sample in finals {
        let share = known_bigram_share(&corpus, &sample.text);
        eprintln!("{share:.2} of bigrams known: {}", sample.text);
        assert_eq!(
            sample.text.chars().count() - 50,
            if sample.text.starts_with("不") { 3 } else { 2 }
        );
        assert!(
            share >= 0.4,
            "{sampling}: generated text does not read like the lyrics: {}",
            sample.text
        );
    }
    history
}

#[test]
fn random_sampling_reaches_the_sections_perplexity() {
    // The section printed 1.296; PyTorch on this machine gives about 1.31.
    reproduce(Sampling::Random, 1.5);
}

#[test]
fn consecutive_sampling_reaches_the_sections_perplexity() {
    // The section printed 1.167; PyTorch on this machine gives about 1.19.
    reproduce(Sampling::Consecutive, 1.35);
}
