//! 从零开始实现模型: worked answers.

use d2l_rnn::scratch::RnnParams;
use ndarray::Array2;

/// \\(H_t = \tanh(X_t W_{xh} + H_{t-1} W_{hh} + b_h)\\).
pub fn rnn_step(x: &Array2<f64>, h: &Array2<f64>, params: &RnnParams<f64>) -> Array2<f64> {
    let w = &params.hidden;
    (x.dot(&w.w_x) + h.dot(&w.w_h) + &w.b).mapv(f64::tanh)
}

/// Every step's \\(Y_t = H_t W_{hq} + b_q\\), and the last state.
pub fn rnn(
    inputs: &[Array2<f64>],
    state: &Array2<f64>,
    params: &RnnParams<f64>,
) -> (Vec<Array2<f64>>, Array2<f64>) {
    let mut h = state.clone();
    let mut outputs = Vec::new();
    for x in inputs {
        h = rnn_step(x, &h, params);
        outputs.push(h.dot(&params.w_hq) + &params.b_q);
    }
    (outputs, h)
}
