//! 从零开始实现模型 (book chapter `rnn-scratch.md`).

use d2l_rnn::scratch::RnnParams;
use ndarray::Array2;

/// **rnn_step**: one time step,
/// \\(H_t = \tanh(X_t W_{xh} + H_{t-1} W_{hh} + b_h)\\).
///
/// Shapes: `x` is `(batch, vocab)` (one-hot), `h` is `(batch, hidden)`; `params.hidden.w_x`
/// is \\(W_{xh}\\) `(vocab, hidden)`, `params.hidden.w_h` is \\(W_{hh}\\) `(hidden, hidden)`,
/// `params.hidden.b` is \\(b_h\\) `(hidden,)`. Return \\(H_t\\), `(batch, hidden)`.
pub fn rnn_step(x: &Array2<f64>, h: &Array2<f64>, params: &RnnParams<f64>) -> Array2<f64> {
    todo!()
}

/// **rnn**: the section's `rnn(inputs, state, params)`. For each input \\(X_t\\) in order,
/// compute \\(H_t\\) from \\(H_{t-1}\\) (starting from `state`) and the output
/// \\(Y_t = H_t W_{hq} + b_q\\) (`params.w_hq` `(hidden, vocab)`, `params.b_q` `(vocab,)`).
/// Return every \\(Y_t\\) (`(batch, vocab)` each) and the last state \\(H_T\\).
pub fn rnn(
    inputs: &[Array2<f64>],
    state: &Array2<f64>,
    params: &RnnParams<f64>,
) -> (Vec<Array2<f64>>, Array2<f64>) {
    todo!()
}
