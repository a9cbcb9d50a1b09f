//! One-hot encoding of character indices.

use crate::real::Real;
use ndarray::{Array2, ArrayView1, ArrayView2};

/// One-hot rows for a vector of indices.
///
/// Row `i` of the result is \\(e_{x_i}\\): zero everywhere except a 1 in
/// column `x[i]`. Input `(n,)`, output `(n, n_class)`. An index `>= n_class`
/// gives an all-zero row (the training code never produces one).
///
/// The hot path never builds these matrices: multiplying a one-hot matrix by
/// `W_xh` just picks rows of `W_xh`, so the models gather rows instead.
///
/// ```
/// use d2l_rnn::scratch::one_hot;
/// use ndarray::array;
/// let x = one_hot::<f32>(array![0, 2].view(), 1027);
/// assert_eq!(x.dim(), (2, 1027));
/// assert_eq!((x[[0, 0]], x[[1, 2]], x[[1, 0]]), (1.0, 1.0, 0.0));
/// assert_eq!(x.sum_axis(ndarray::Axis(1)).to_vec(), vec![1.0, 1.0]);
/// ```
pub fn one_hot<A: Real>(x: ArrayView1<'_, usize>, n_class: usize) -> Array2<A> {
    let mut result = Array2::zeros((x.len(), n_class));
    for (i, &c) in x.iter().enumerate() {
        if c < n_class {
            result[[i, c]] = A::one();
        }
    }
    result
}

/// Splits a mini-batch `(batch_size, num_steps)` into `num_steps` one-hot
/// matrices of shape `(batch_size, n_class)`: the input \\(X_t\\) of each time
/// step.
///
/// ```
/// use d2l_rnn::scratch::to_onehot;
/// use ndarray::Array2;
/// let x = Array2::from_shape_vec((2, 5), (0..10).collect()).unwrap();
/// let inputs = to_onehot::<f32>(x.view(), 1027);
/// assert_eq!(inputs.len(), 5);
/// assert_eq!(inputs[0].dim(), (2, 1027));
/// assert_eq!(inputs[1][[1, 6]], 1.0); // step 1 of row 1 is index 6
/// ```
pub fn to_onehot<A: Real>(x: ArrayView2<'_, usize>, n_class: usize) -> Vec<Array2<A>> {
    x.columns()
        .into_iter()
        .map(|column| one_hot(column, n_class))
        .collect()
}
