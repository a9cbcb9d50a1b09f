//! Softmax cross-entropy and perplexity.

use crate::model::Real;
use ndarray::{ArrayView2, ArrayViewMut2, Zip};

/// Mean softmax cross-entropy of `logits` `(N, q)` against the targets `y`
/// `(batch_size, num_steps)`, and its gradient.
///
/// Rows of `logits` are time-major (row `t * batch_size + i` predicts
/// `y[i, t]`), which is the section's `torch.flatten(Y.T)`. With
/// \\(p = \mathrm{softmax}(o)\\),
/// \\(L = -\frac1N \sum_r \log p_{r, y_r}\\) and
/// \\(\partial L / \partial o_r = (p_r - e_{y_r}) / N\\), written into `d_logits`
/// (same shape as `logits`). Returns \\(L\\), accumulated in `f64`.
///
/// ```
/// use d2l_rnn::loss::softmax_cross_entropy;
/// use ndarray::{array, Array2};
/// let logits = Array2::<f64>::zeros((2, 4)); // uniform over 4 classes
/// let y = array![[1usize, 3]];                 // batch 1, 2 steps
/// let mut d = Array2::zeros((2, 4));
/// let l = softmax_cross_entropy(logits.view(), y.view(), d.view_mut());
/// assert!((l - 4f64.ln()).abs() < 1e-12);       // perplexity 4
/// assert!((d[[0, 1]] - (0.25 - 1.0) / 2.0).abs() < 1e-12);
/// ```
pub fn softmax_cross_entropy<A: Real>(
    logits: ArrayView2<'_, A>,
    y: ArrayView2<'_, usize>,
    mut d_logits: ArrayViewMut2<'_, A>,
) -> f64 {
    let rows = logits.nrows();
    let scale = A::one() / A::from_usize(rows.max(1)).unwrap_or_else(A::one);
    let mut total = 0.0f64;
    // Iterating the transposed view walks (t, i) in time-major order.
    let targets = y.t();
    let rows_iter = logits.outer_iter().zip(d_logits.outer_iter_mut());
    for ((o, mut d), &target) in rows_iter.zip(targets.iter()) {
        let max = o.fold(A::neg_infinity(), |m, &v| m.max(v));
        let mut sum = A::zero();
        Zip::from(&mut d).and(&o).for_each(|d, &v| {
            *d = (v - max).exp();
            sum += *d;
        });
        let log_sum = sum.ln() + max;
        total += (log_sum - o[target]).to_f64().unwrap_or(f64::NAN);
        let inv = scale / sum;
        d.mapv_inplace(|e| e * inv);
        d[target] -= scale;
    }
    total / rows.max(1) as f64
}

/// Perplexity \\(\exp(\bar L)\\) of a mean cross-entropy \\(\bar L\\) (nats):
/// 1 for a perfect model, the vocabulary size for a uniform guess.
///
/// ```
/// assert!((d2l_rnn::loss::perplexity(1027f64.ln()) - 1027.0).abs() < 1e-9);
/// ```
pub fn perplexity(mean_loss: f64) -> f64 {
    mean_loss.exp()
}
