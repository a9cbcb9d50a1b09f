//! 两种采样方式: worked answers.

use ndarray::Array2;
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::seq::SliceRandom;

/// Examples start at `0, n, 2n, …`; shuffle the starts once, then take `batch_size` of them
/// per mini-batch.
pub fn data_iter_random(
    corpus: &[usize],
    batch_size: usize,
    num_steps: usize,
    rng: &mut StdRng,
) -> Vec<(Array2<usize>, Array2<usize>)> {
    let num_examples = (corpus.len() - 1) / num_steps;
    let mut starts: Vec<usize> = (0..num_examples).map(|j| j * num_steps).collect();
    starts.shuffle(rng);
    starts
        .chunks_exact(batch_size)
        .map(|batch| {
            let rows = |offset: usize| {
                Array2::from_shape_fn((batch_size, num_steps), |(i, t)| {
                    corpus[batch[i] + offset + t]
                })
            };
            (rows(0), rows(1))
        })
        .collect()
}

/// The corpus as `batch_size` rows of equal length; mini-batch `i` is columns `i·n … (i+1)·n`.
pub fn data_iter_consecutive(
    corpus: &[usize],
    batch_size: usize,
    num_steps: usize,
) -> Vec<(Array2<usize>, Array2<usize>)> {
    let batch_len = corpus.len() / batch_size;
    let rows = |i: usize, start: usize| corpus[i * batch_len + start];
    (0..(batch_len - 1) / num_steps)
        .map(|k| {
            let at = |offset: usize| {
                Array2::from_shape_fn((batch_size, num_steps), |(i, t)| {
                    rows(i, k * num_steps + offset + t)
                })
            };
            (at(0), at(1))
        })
        .collect()
}
