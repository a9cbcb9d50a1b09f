//! 读取数据与 one-hot 向量 (book chapter `data-onehot.md`).

use ndarray::Array2;

/// **one_hot**: the one-hot vectors of the characters `x`.
///
/// Shapes: `x` has `n` indices, each below `n_class`; return an `(n, n_class)` matrix.
/// Row `i` is 1 in column `x[i]` and 0 elsewhere (the section's `one_hot`, PyTorch's
/// `scatter_(1, x.view(-1, 1), 1)`).
pub fn one_hot(x: &[usize], n_class: usize) -> Array2<f64> {
    todo!()
}

/// **to_onehot**: a mini-batch as the list the model reads, one matrix per time step.
///
/// Shapes: `x` is `(batch_size, num_steps)`; return `num_steps` matrices of shape
/// `(batch_size, n_class)`, the one for step `t` being `one_hot(x[:, t])`.
pub fn to_onehot(x: &Array2<usize>, n_class: usize) -> Vec<Array2<f64>> {
    todo!()
}
