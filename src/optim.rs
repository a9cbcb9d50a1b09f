//! Gradient clipping and optimisers; they work on any [`Parameters`].

use crate::model::{Parameters, Real};
use ndarray::Zip;

/// The section's `grad_clipping`: with \\(g\\) all gradients joined into one
/// vector, replace \\(g\\) by \\(\min(\theta / \|g\|_2, 1)\, g\\), so its norm is at
/// most \\(\theta\\). Returns \\(\|g\|_2\\) before clipping.
///
/// (The PyTorch original's concise version passed `model.parameters()`, a
/// one-shot generator that its norm loop used up, so it never clipped. This
/// function always clips.)
///
/// ```
/// use d2l_rnn::optim::grad_clipping;
/// use d2l_rnn::scratch::RnnParams;
/// let mut g = RnnParams::<f64>::zeros(2, 1);
/// g.b_q.fill(3.0); // ||g|| = sqrt(9 + 9)
/// let norm = grad_clipping(&mut g, 1.0);
/// assert!((norm - 18f64.sqrt()).abs() < 1e-12);
/// assert!((g.b_q[0] - 3.0 / 18f64.sqrt()).abs() < 1e-12);
/// ```
pub fn grad_clipping<A: Real, P: Parameters<A>>(grads: &mut P, theta: f64) -> f64 {
    let squares: f64 = grads
        .tensors()
        .iter()
        .flat_map(|(_, t)| t.iter())
        .map(|&v| {
            let v = v.to_f64().unwrap_or(f64::NAN);
            v * v
        })
        .sum();
    let norm = squares.sqrt();
    if norm > theta {
        let scale = A::from_f64(theta / norm).unwrap_or_else(A::one);
        for (_, mut t) in grads.tensors_mut() {
            t.mapv_inplace(|v| v * scale);
        }
    }
    norm
}

/// The section's `sgd`: \\(w \leftarrow w - \eta\, \partial w / b\\) for every
/// parameter, with learning rate \\(\eta\\) = `lr` and `batch_size` \\(b\\)
/// (the section passes 1: its loss is already a mean).
///
/// ```
/// use d2l_rnn::optim::sgd;
/// use d2l_rnn::scratch::RnnParams;
/// let mut w = RnnParams::<f64>::zeros(2, 1);
/// let mut g = RnnParams::<f64>::zeros(2, 1);
/// g.b_h.fill(0.5);
/// sgd(&mut w, &g, 100.0, 1);
/// assert_eq!(w.b_h[0], -50.0);
/// ```
pub fn sgd<A: Real, P: Parameters<A>>(params: &mut P, grads: &P, lr: f64, batch_size: usize) {
    let step = A::from_f64(lr / batch_size.max(1) as f64).unwrap_or_else(A::zero);
    for ((_, mut w), (_, g)) in params.tensors_mut().into_iter().zip(grads.tensors()) {
        Zip::from(&mut w).and(&g).for_each(|w, &g| *w -= step * g);
    }
}

/// An update rule that the training loop applies after clipping.
pub trait Optimizer<A: Real> {
    /// Updates `params` in place from `grads` (same names and shapes).
    fn step<P: Parameters<A>>(&mut self, params: &mut P, grads: &P);
}

/// Plain stochastic gradient descent with a fixed learning rate: [`sgd`] with batch size 1.
///
/// ```
/// use d2l_rnn::optim::{Optimizer, Sgd};
/// use d2l_rnn::scratch::RnnParams;
/// let (mut w, mut g) = (RnnParams::<f32>::zeros(2, 1), RnnParams::<f32>::zeros(2, 1));
/// g.w_hh.fill(1.0);
/// Sgd { lr: 0.5 }.step(&mut w, &g);
/// assert_eq!(w.w_hh[[0, 0]], -0.5);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sgd {
    /// Learning rate \\(\eta\\).
    pub lr: f64,
}

impl<A: Real> Optimizer<A> for Sgd {
    fn step<P: Parameters<A>>(&mut self, params: &mut P, grads: &P) {
        sgd(params, grads, self.lr, 1);
    }
}
