//! 长短期记忆（LSTM）: worked answers.

use d2l_rnn::scratch::{sigmoid, Gate, GatedParams, LstmParams};
use ndarray::{Array2, Axis};

fn affine(g: &Gate<f64>, x: &Array2<f64>, h: &Array2<f64>) -> Array2<f64> {
    x.dot(&g.w_x) + h.dot(&g.w_h) + &g.b
}

/// \\(C_t = F_t \odot C_{t-1} + I_t \odot \tilde C_t\\), \\(H_t = O_t \odot \tanh(C_t)\\).
pub fn lstm_step(
    x: &Array2<f64>,
    state: &(Array2<f64>, Array2<f64>),
    params: &LstmParams<f64>,
) -> (Array2<f64>, Array2<f64>) {
    let (h, c) = state;
    let gate = |g: &Gate<f64>| affine(g, x, h).mapv(sigmoid);
    let candidate = affine(&params.candidate, x, h).mapv(f64::tanh);
    let c_new = gate(&params.forget) * c + gate(&params.input) * candidate;
    let h_new = gate(&params.output) * c_new.mapv(f64::tanh);
    (h_new, c_new)
}

fn add(g: &mut Gate<f64>, x: &Array2<f64>, h: &Array2<f64>, d_a: &Array2<f64>) {
    g.w_x += &x.t().dot(d_a);
    g.w_h += &h.t().dot(d_a);
    g.b += &d_a.sum_axis(Axis(0));
}

/// The cell's total gradient first (its own `d_c` plus what comes through \\(H_t\\)), then
/// each gate's.
pub fn lstm_step_backward(
    x: &Array2<f64>,
    state: &(Array2<f64>, Array2<f64>),
    params: &LstmParams<f64>,
    d_h: &Array2<f64>,
    d_c: &Array2<f64>,
) -> (LstmParams<f64>, (Array2<f64>, Array2<f64>)) {
    let (h, c) = state;
    let p = params;
    let gate = |g: &Gate<f64>| affine(g, x, h).mapv(sigmoid);
    let (i, f, o) = (gate(&p.input), gate(&p.forget), gate(&p.output));
    let g = affine(&p.candidate, x, h).mapv(f64::tanh);
    let tanh_c = (&f * c + &i * &g).mapv(f64::tanh);
    let d_cell = d_c + &(d_h * &o * (1.0 - &tanh_c * &tanh_c));
    let d_ao = d_h * &tanh_c * &o * (1.0 - &o);
    let d_ai = &d_cell * &g * &i * (1.0 - &i);
    let d_af = &d_cell * c * &f * (1.0 - &f);
    let d_ag = &d_cell * &i * (1.0 - &g * &g);
    let mut grads = LstmParams::zeros(p.w_hq.ncols(), h.ncols());
    add(&mut grads.input, x, h, &d_ai);
    add(&mut grads.forget, x, h, &d_af);
    add(&mut grads.output, x, h, &d_ao);
    add(&mut grads.candidate, x, h, &d_ag);
    let d_h_prev = d_ai.dot(&p.input.w_h.t())
        + d_af.dot(&p.forget.w_h.t())
        + d_ao.dot(&p.output.w_h.t())
        + d_ag.dot(&p.candidate.w_h.t());
    (grads, (d_h_prev, &d_cell * &f))
}
