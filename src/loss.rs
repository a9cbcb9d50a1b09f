//! Softmax cross-entropy and perplexity.

use crate::model::Real;
use ndarray::{ArrayView2, ArrayViewMut2, Axis};

/// \\(e^x\\) as the loss needs it: for `f32` a branch-free polynomial the
/// compiler can vectorise (relative error below 3e-7 on \\([-87, 88]\\);
/// inputs below -87 give \\(e^{-87}\\), which a softmax cannot tell from 0),
/// for `f64` the standard library's `exp` (gradient checks want every
/// digit).
pub trait Exp: Copy {
    /// \\(e^x\\); NaN stays NaN.
    fn exp_fast(self) -> Self;
}

impl Exp for f64 {
    fn exp_fast(self) -> f64 {
        self.exp()
    }
}

impl Exp for f32 {
    /// Cody–Waite range reduction \\(x = n \ln 2 + r\\), \\(|r| \le \ln 2 / 2\\),
    /// a degree-7 polynomial for \\(e^r\\), then \\(2^n\\) built from its bits.
    ///
    /// ```
    /// use d2l_rnn::loss::Exp;
    /// for x in [-80.0f32, -3.7, -0.5, 0.0, 0.25, 10.0, 88.0] {
    ///     assert!((x.exp_fast() - x.exp()).abs() <= 3e-7 * x.exp());
    /// }
    /// assert!(f32::NAN.exp_fast().is_nan());
    /// ```
    #[inline(always)]
    fn exp_fast(self) -> f32 {
        const LOG2E: f32 = std::f32::consts::LOG2_E;
        const LN2_HI: f32 = 0.693_359_4;
        const LN2_LO: f32 = -2.121_944_4e-4;
        // Adding and subtracting 1.5 * 2^23 rounds to the nearest integer.
        const ROUND: f32 = 12_582_912.0;
        let x = self.clamp(-87.0, 88.0);
        let t = x * LOG2E + ROUND;
        let n = t - ROUND;
        let r = x - n * LN2_HI - n * LN2_LO;
        let p = 1.987_569_1e-4;
        let p = p * r + 1.398_199_9e-3;
        let p = p * r + 8.333_452e-3;
        let p = p * r + 4.166_579_6e-2;
        let p = p * r + 1.666_666_5e-1;
        let p = p * r + 0.5;
        let p = p * r * r + r + 1.0;
        // The low bits of `t` hold n; integer arithmetic (no float-to-int
        // conversion) keeps the loop vectorisable. 2^n = bits (n + 127) << 23.
        let n_bits = t.to_bits().wrapping_sub(ROUND.to_bits());
        let scale = f32::from_bits(n_bits.wrapping_add(127) << 23);
        p * scale
    }
}

/// Loss of one row and its gradient: `d = (softmax(o) - e_target) * scale`.
fn row_loss<A: Real>(o: &[A], d: &mut [A], target: usize, scale: A) -> f64 {
    // Eight independent lanes let the compiler vectorise the reductions.
    let mut lanes = [A::neg_infinity(); 8];
    for chunk in o.chunks(8) {
        for (l, &v) in lanes.iter_mut().zip(chunk) {
            *l = if v > *l { v } else { *l };
        }
    }
    let max = lanes.iter().fold(A::neg_infinity(), |m, &v| m.max(v));
    for (d, &v) in d.iter_mut().zip(o) {
        *d = (v - max).exp_fast();
    }
    let mut sums = [A::zero(); 8];
    for chunk in d.chunks(8) {
        for (s, &v) in sums.iter_mut().zip(chunk) {
            *s += v;
        }
    }
    let sum: A = sums.iter().copied().sum();
    let inv = scale / sum;
    for v in d.iter_mut() {
        *v *= inv;
    }
    d[target] -= scale;
    (sum.ln() + max - o[target]).to_f64().unwrap_or(f64::NAN)
}

/// Sum of the row losses of a block of rows (standard layout), serially.
fn block_loss<A: Real>(
    logits: ArrayView2<'_, A>,
    mut d_logits: ArrayViewMut2<'_, A>,
    targets: &[usize],
    scale: A,
) -> f64 {
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
pub fn softmax_cross_entropy<A: Real>(
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
