//! 两种采样方式 (book chapter `sampling.md`).

use ndarray::Array2;
use ndarray_rand::rand::rngs::StdRng;

/// **data_iter_random**: random sampling. Each returned pair is `(X, Y)`, both
/// `(batch_size, num_steps)`.
///
/// There are `(len(corpus) − 1) / num_steps` examples (rounded down); example `j` is the
/// `num_steps` characters starting at `j · num_steps`, and its targets `Y` start one later.
/// Make the list of starts `0, num_steps, 2·num_steps, …`, shuffle it once with
/// `starts.shuffle(rng)` (`use ndarray_rand::rand::seq::SliceRandom;`), and let mini-batch
/// `i` take starts `i · batch_size … (i + 1) · batch_size`; leftover starts are dropped.
pub fn data_iter_random(
    corpus: &[usize],
    batch_size: usize,
    num_steps: usize,
    rng: &mut StdRng,
) -> Vec<(Array2<usize>, Array2<usize>)> {
    todo!()
}

/// **data_iter_consecutive**: consecutive sampling.
///
/// Cut the corpus into `batch_size` rows of `batch_len = len(corpus) / batch_size`
/// characters each (row `i` starts at `i · batch_len`; the rest is dropped). Mini-batch `k`
/// is columns `k · num_steps … (k + 1) · num_steps` of every row, `Y` one column later;
/// there are `(batch_len − 1) / num_steps` of them. Neighbouring mini-batches continue each
/// other, row by row.
pub fn data_iter_consecutive(
    corpus: &[usize],
    batch_size: usize,
    num_steps: usize,
) -> Vec<(Array2<usize>, Array2<usize>)> {
    todo!()
}
