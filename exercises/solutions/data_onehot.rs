//! 读取数据与 one-hot 向量: worked answers.

use ndarray::Array2;

/// Row `i` is 1 at column `x[i]`.
pub fn one_hot(x: &[usize], n_class: usize) -> Array2<f64> {
    let mut out = Array2::zeros((x.len(), n_class));
    for (i, &c) in x.iter().enumerate() {
        out[[i, c]] = 1.0;
    }
    out
}

/// Column `t` of `x` (every sequence at step `t`) becomes step `t`'s matrix.
pub fn to_onehot(x: &Array2<usize>, n_class: usize) -> Vec<Array2<f64>> {
    (0..x.ncols())
        .map(|t| one_hot(&x.column(t).to_vec(), n_class))
        .collect()
}
