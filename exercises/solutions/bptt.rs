//! 通过时间反向传播: worked answer.

use super::rnn_scratch::rnn_step;
use d2l_rnn::scratch::{GatedParams, RnnParams};
use ndarray::{Array2, Axis};

/// Forward, keeping every \\(H_t\\); then back from \\(t = T\\):
/// \\(\delta_t = (dY_t W_{hq}^\top + \delta_{t+1} W_{hh}^\top) \odot (1 - H_t^2)\\).
pub fn rnn_backward(
    inputs: &[Array2<f64>],
    state: &Array2<f64>,
    params: &RnnParams<f64>,
    d_outputs: &[Array2<f64>],
) -> (RnnParams<f64>, Array2<f64>) {
    let mut hs = vec![state.clone()];
    for x in inputs {
        let h = rnn_step(x, &hs[hs.len() - 1], params);
        hs.push(h);
    }
    let w = &params.hidden;
    let mut grads = RnnParams::zeros(params.w_hq.ncols(), w.w_h.nrows());
    let mut d_next = Array2::zeros(state.raw_dim()); // δ_{t+1} W_hh^T
    for t in (0..inputs.len()).rev() {
        let (h, dy) = (&hs[t + 1], &d_outputs[t]);
        grads.w_hq += &h.t().dot(dy);
        grads.b_q += &dy.sum_axis(Axis(0));
        let d_h = dy.dot(&params.w_hq.t()) + &d_next;
        let delta = d_h * h.mapv(|v| 1.0 - v * v);
        grads.hidden.w_x += &inputs[t].t().dot(&delta);
        grads.hidden.w_h += &hs[t].t().dot(&delta);
        grads.hidden.b += &delta.sum_axis(Axis(0));
        d_next = delta.dot(&w.w_h.t());
    }
    (grads, d_next)
}
