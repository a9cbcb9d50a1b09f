//! 裁剪梯度与困惑度: worked answers.

use ndarray::Array2;

/// One norm over all gradients together; scale all of them when it exceeds `theta`.
pub fn grad_clipping(grads: &mut [Array2<f64>], theta: f64) {
    let norm = grads
        .iter()
        .map(|g| g.mapv(|v| v * v).sum())
        .sum::<f64>()
        .sqrt();
    if norm > theta {
        for g in grads.iter_mut() {
            *g *= theta / norm;
        }
    }
}

/// \\(\exp\\) of the mean cross-entropy.
pub fn perplexity(loss_sum: f64, count: usize) -> f64 {
    (loss_sum / count as f64).exp()
}
