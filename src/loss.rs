//! Softmax cross-entropy and perplexity.

use crate::fast::kernels::math::vectorized;
use crate::fast::FastReal;
use ndarray::{ArrayView2, ArrayViewMut2, Axis};

/// Loss of one row and its gradient: `d = (softmax(o) - e_target) * scale`.
#[inline(always)]
fn row_loss<A: FastReal>(o: &[A], d: &mut [A], target: usize, scale: A) -> f64 {
    // Eight independent lanes in fixed-size chunks let the compiler
    // vectorise the reductions.
    let mut lanes = [A::neg_infinity(); 8];
    let chunks = o.chunks_exact(8);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (l, &v) in lanes.iter_mut().zip(chunk) {
            *l = if v > *l { v } else { *l };
        }
    }
    let max = rest
        .iter()
        .chain(&lanes)
        .fold(A::neg_infinity(), |m, &v| if v > m { v } else { m });
    for (d, &v) in d.iter_mut().zip(o) {
        *d = (v - max).exp_fast();
    }
    let mut sums = [A::zero(); 8];
    let chunks = d.chunks_exact(8);
    let rest: A = chunks.remainder().iter().copied().sum();
    for chunk in chunks {
        for (s, &v) in sums.iter_mut().zip(chunk) {
            *s += v;
        }
    }
    let sum: A = sums.iter().copied().sum::<A>() + rest;
    let inv = scale / sum;
    for v in d.iter_mut() {
        *v *= inv;
    }
    d[target] -= scale;
    (sum.ln() + max - o[target]).to_f64().unwrap_or(f64::NAN)
}

/// Sum of the row losses of a block of rows (standard layout), serially.
fn block_loss<A: FastReal>(
    logits: ArrayView2<'_, A>,
    mut d_logits: ArrayViewMut2<'_, A>,
    targets: &[usize],
    scale: A,
) -> f64 {
    vectorized(
        #[inline(always)]
        || {
            let mut total = 0.0;
            for ((o, mut d), &t) in logits
                .outer_iter()
                .zip(d_logits.outer_iter_mut())
                .zip(targets)
            {
                total += match (o.as_slice(), d.as_slice_mut()) {
                    (Some(o), Some(d)) => row_loss(o, d, t, scale),
                    _ => row_loss(&o.to_vec(), &mut vec![A::zero(); o.len()], t, scale),
                };
            }
            total
        },
    )
}

/// Mean softmax cross-entropy of `logits` `(N, q)` against the targets `y`
/// `(batch_size, num_steps)`, and its gradient.
///
/// Rows of `logits` are time-major (row `t * batch_size + i` predicts
/// `y[i, t]`), which is the section's `torch.flatten(Y.T)`. With
/// \\(p = \mathrm{softmax}(o)\\),
/// \\(L = -\frac1N \sum_r \log p_{r, y_r}\\) and
/// \\(\partial L / \partial o_r = (p_r - e_{y_r}) / N\\), written into `d_logits`
/// (same shape as `logits`). Returns \\(L\\), accumulated in `f64`. Large
/// inputs are split into two halves computed on two threads (always the same
/// split, so the result does not depend on timing).
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
pub fn softmax_cross_entropy<A: FastReal>(
    logits: ArrayView2<'_, A>,
    y: ArrayView2<'_, usize>,
    d_logits: ArrayViewMut2<'_, A>,
) -> f64 {
    let rows = logits.nrows();
    let scale = A::one() / A::from_usize(rows.max(1)).unwrap_or_else(A::one);
    // Iterating the transposed view walks (t, i) in time-major order.
    let targets: Vec<usize> = y.t().iter().copied().collect();
    let total = if rows * logits.ncols() >= 1 << 16 {
        let half = rows / 2;
        let (l1, l2) = logits.split_at(Axis(0), half);
        let (d1, d2) = d_logits.split_at(Axis(0), half);
        let (t1, t2) = targets.split_at(half);
        let (a, b) = rayon::join(
            || block_loss(l1, d1, t1, scale),
            || block_loss(l2, d2, t2, scale),
        );
        a + b
    } else {
        block_loss(logits, d_logits, &targets, scale)
    };
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
