//! 裁剪梯度与困惑度 (book chapter `clipping-perplexity.md`).

use ndarray::Array2;

/// **grad_clipping**: clip the gradients in place by their global norm.
///
/// \\(\\|g\\| = \sqrt{\sum_k \sum_{ij} (g_k)_{ij}^2}\\) over all the gradients together; when
/// it exceeds `theta`, multiply every gradient by \\(\theta / \\|g\\|\\), else leave them.
pub fn grad_clipping(grads: &mut [Array2<f64>], theta: f64) {
    todo!()
}

/// **perplexity**: from the summed cross-entropy of `count` predictions,
/// \\(\exp(\text{loss\\_sum} / \text{count})\\).
pub fn perplexity(loss_sum: f64, count: usize) -> f64 {
    todo!()
}
