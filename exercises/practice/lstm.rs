//! 长短期记忆（LSTM） (book chapter `lstm.md`).

use d2l_rnn::scratch::LstmParams;
use ndarray::Array2;

/// **lstm_step**: one LSTM step from `state` = \\((H_{t-1}, C_{t-1})\\):
/// \\(I_t, F_t, O_t = \sigma(X_t W_{x\cdot} + H_{t-1} W_{h\cdot} + b_\cdot)\\)
/// (`params.input`, `params.forget`, `params.output`),
/// \\(\tilde C_t = \tanh(X_t W_{xc} + H_{t-1} W_{hc} + b_c)\\) (`params.candidate`),
/// \\(C_t = F_t \odot C_{t-1} + I_t \odot \tilde C_t\\), \\(H_t = O_t \odot \tanh(C_t)\\).
/// Return \\((H_t, C_t)\\), each `(batch, hidden)`.
pub fn lstm_step(
    x: &Array2<f64>,
    state: &(Array2<f64>, Array2<f64>),
    params: &LstmParams<f64>,
) -> (Array2<f64>, Array2<f64>) {
    todo!()
}

/// **lstm_step_backward**: the gradients of
/// \\(L = \sum (dH_t \odot H_t) + \sum (dC_t \odot C_t)\\) for one `lstm_step`, with respect
/// to the four gates' parameters (a `LstmParams` from `LstmParams::zeros(vocab, hidden)`;
/// leave `w_hq` and `b_q` at zero) and to \\((H_{t-1}, C_{t-1})\\). The cell gets gradient
/// from two places: `d_c` directly and `d_h` through \\(\tanh(C_t)\\).
pub fn lstm_step_backward(
    x: &Array2<f64>,
    state: &(Array2<f64>, Array2<f64>),
    params: &LstmParams<f64>,
    d_h: &Array2<f64>,
    d_c: &Array2<f64>,
) -> (LstmParams<f64>, (Array2<f64>, Array2<f64>)) {
    todo!()
}
