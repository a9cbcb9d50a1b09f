//! 门控循环单元（GRU） (book chapter `gru.md`).

use d2l_rnn::scratch::GruParams;
use ndarray::Array2;

/// **gru_step**: one GRU step. With \\(\sigma\\) = `d2l_rnn::scratch::sigmoid`:
/// \\(Z_t = \sigma(X_t W_{xz} + H_{t-1} W_{hz} + b_z)\\) (`params.update`),
/// \\(R_t = \sigma(X_t W_{xr} + H_{t-1} W_{hr} + b_r)\\) (`params.reset`),
/// \\(\tilde H_t = \tanh(X_t W_{xh} + (R_t \odot H_{t-1}) W_{hh} + b_h)\\) (`params.candidate`),
/// \\(H_t = Z_t \odot H_{t-1} + (1 - Z_t) \odot \tilde H_t\\).
///
/// Shapes: `x` `(batch, vocab)`, `h` `(batch, hidden)`; return \\(H_t\\), `(batch, hidden)`.
pub fn gru_step(x: &Array2<f64>, h: &Array2<f64>, params: &GruParams<f64>) -> Array2<f64> {
    todo!()
}

/// **gru_step_backward**: the gradients of \\(L = \sum_{ij} (dH_t)_{ij} (H_t)_{ij}\\) for one
/// `gru_step`, with respect to the three gates' parameters (a `GruParams` from
/// `GruParams::zeros(vocab, hidden)`; leave `w_hq` and `b_q` at zero) and to `h`
/// (\\(H_{t-1}\\)). Recompute the step's \\(Z_t, R_t, \tilde H_t\\), then go backwards.
pub fn gru_step_backward(
    x: &Array2<f64>,
    h: &Array2<f64>,
    params: &GruParams<f64>,
    d_h: &Array2<f64>,
) -> (GruParams<f64>, Array2<f64>) {
    todo!()
}
