//! Helpers shared by the integration tests: relative error, the gradient
//! check, random mini-batches, the bigram share of generated text and the
//! command-line runner. Each test file uses a part of it.
#![allow(dead_code)]

pub mod cli;
pub mod gradcheck;

use d2l_rnn::data::Corpus;
use d2l_rnn::model::Parameters;
use ndarray::Array2;
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::{Rng, SeedableRng};
use std::collections::HashSet;
use std::path::PathBuf;

/// \(|a - b| / \max(|a|, |b|, \text{floor})\). The floor keeps values that
/// are rounding noise (a central difference is good to about 1e-11 in
/// absolute terms) from counting as large relative errors.
pub fn relative_error(a: f64, b: f64, floor: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(floor)
}

/// Inputs and targets `(batch, steps)` of indices below `vocab`.
pub fn random_batch(
    rng: &mut StdRng,
    vocab: usize,
    batch: usize,
    steps: usize,
) -> (Array2<usize>, Array2<usize>) {
    let x = Array2::from_shape_simple_fn((batch, steps), || rng.random_range(0..vocab));
    let y = Array2::from_shape_simple_fn((batch, steps), || rng.random_range(0..vocab));
    (x, y)
}

/// Every bias (a tensor whose name starts with `b`) drawn from U(-0.5, 0.5),
/// so that no gate sits exactly at its symmetric point.
pub fn random_biases<P: Parameters<f64>>(params: &mut P, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    for (name, mut t) in params.tensors_mut() {
        if name.starts_with('b') {
            t.mapv_inplace(|_| rng.random_range(-0.5..0.5));
        }
    }
}

/// Share of the character pairs of `text` that occur in the corpus: the
/// section's own generated lines score 0.74–0.82, random characters about 0.004.
pub fn known_bigram_share(corpus: &Corpus, text: &str) -> f64 {
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

/// A path in the temporary folder, unique to this process and `name`.
pub fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("d2l-rnn-test-{}-{name}", std::process::id()))
}
