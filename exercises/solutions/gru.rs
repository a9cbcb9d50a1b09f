//! 门控循环单元（GRU）: worked answers.

use d2l_rnn::scratch::{sigmoid, Gate, GatedParams, GruParams};
use ndarray::{Array2, Axis};

fn affine(g: &Gate<f64>, x: &Array2<f64>, h: &Array2<f64>) -> Array2<f64> {
    x.dot(&g.w_x) + h.dot(&g.w_h) + &g.b
}

/// \\(H_t = Z_t \odot H_{t-1} + (1 - Z_t) \odot \tilde H_t\\).
pub fn gru_step(x: &Array2<f64>, h: &Array2<f64>, params: &GruParams<f64>) -> Array2<f64> {
    let z = affine(&params.update, x, h).mapv(sigmoid);
    let r = affine(&params.reset, x, h).mapv(sigmoid);
    let c = affine(&params.candidate, x, &(&r * h)).mapv(f64::tanh);
    &z * h + (1.0 - &z) * &c
}

/// Adds a gate's gradients for pre-activation gradient `d_a`, whose hidden input was `h`.
fn add(g: &mut Gate<f64>, x: &Array2<f64>, h: &Array2<f64>, d_a: &Array2<f64>) {
    g.w_x += &x.t().dot(d_a);
    g.w_h += &h.t().dot(d_a);
    g.b += &d_a.sum_axis(Axis(0));
}

/// The forward step again, then each quantity's gradient in reverse order.
pub fn gru_step_backward(
    x: &Array2<f64>,
    h: &Array2<f64>,
    params: &GruParams<f64>,
    d_h: &Array2<f64>,
) -> (GruParams<f64>, Array2<f64>) {
    let p = params;
    let z = affine(&p.update, x, h).mapv(sigmoid);
    let r = affine(&p.reset, x, h).mapv(sigmoid);
    let rh = &r * h;
    let c = affine(&p.candidate, x, &rh).mapv(f64::tanh);
    let d_az = d_h * &(h - &c) * &z * (1.0 - &z);
    let d_ac = d_h * &(1.0 - &z) * (1.0 - &c * &c);
    let d_rh = d_ac.dot(&p.candidate.w_h.t());
    let d_ar = &d_rh * h * &r * (1.0 - &r);
    let mut grads = GruParams::zeros(p.w_hq.ncols(), h.ncols());
    add(&mut grads.update, x, h, &d_az);
    add(&mut grads.reset, x, h, &d_ar);
    add(&mut grads.candidate, x, &rh, &d_ac);
    let d_prev = d_h * &z + d_az.dot(&p.update.w_h.t()) + d_ar.dot(&p.reset.w_h.t()) + &d_rh * &r;
    (grads, d_prev)
}
