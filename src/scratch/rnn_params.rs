//! The from-scratch RNN's parameters and the section's `get_params`.

use super::gate::{gated_tensors, gated_tensors_mut, Gate, GateNames, GatedParams};
use crate::model::Parameters;
use crate::real::Real;
use ndarray::{Array1, Array2, ArrayViewD, ArrayViewMutD};

/// Weights of the section's RNN, with \\(d = q\\) = vocabulary size and
/// \\(h\\) hidden units:
///
/// \\[ H_t = \tanh(X_t W_{xh} + H_{t-1} W_{hh} + b_h), \qquad Y_t = H_t W_{hq} + b_q. \\]
///
/// Shapes: `hidden.w_x` = \\(W_{xh}\\) `(d, h)`, `hidden.w_h` = \\(W_{hh}\\)
/// `(h, h)`, `hidden.b` = \\(b_h\\) `(h,)`, `w_hq (h, q)`, `b_q (q,)`. The
/// tensors are named as in the book: `W_xh`, `W_hh`, `b_h`, `W_hq`, `b_q`.
/// The same type holds the gradients.
///
/// ```
/// use d2l_rnn::model::Parameters;
/// use d2l_rnn::scratch::{GatedParams, RnnParams};
/// let g = RnnParams::<f64>::zeros(7, 5);
/// assert_eq!((g.hidden.w_x.dim(), g.w_hq.dim()), ((7, 5), (5, 7)));
/// let names: Vec<_> = g.tensors().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["W_xh", "W_hh", "b_h", "W_hq", "b_q"]);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RnnParams<A = f32> {
    /// The hidden state's affine map: \\(W_{xh}\\), \\(W_{hh}\\), \\(b_h\\).
    pub hidden: Gate<A>,
    /// Hidden-to-output weights \\(W_{hq}\\), `(num_hiddens, vocab_size)`.
    pub w_hq: Array2<A>,
    /// Output bias \\(b_q\\), `(vocab_size,)`.
    pub b_q: Array1<A>,
}

impl<A: Real> GatedParams<A> for RnnParams<A> {
    const GATE_NAMES: &'static [GateNames] = &[["W_xh", "W_hh", "b_h"]];

    fn from_parts(mut gate: impl FnMut(usize) -> Gate<A>, w_hq: Array2<A>, b_q: Array1<A>) -> Self {
        RnnParams {
            hidden: gate(0),
            w_hq,
            b_q,
        }
    }

    fn gates(&self) -> Vec<&Gate<A>> {
        vec![&self.hidden]
    }

    fn output(&self) -> (&Array2<A>, &Array1<A>) {
        (&self.w_hq, &self.b_q)
    }

    fn parts_mut(&mut self) -> (Vec<&mut Gate<A>>, &mut Array2<A>, &mut Array1<A>) {
        (vec![&mut self.hidden], &mut self.w_hq, &mut self.b_q)
    }
}

impl<A: Real> Parameters<A> for RnnParams<A> {
    fn tensors(&self) -> Vec<(&'static str, ArrayViewD<'_, A>)> {
        gated_tensors(self)
    }

    fn tensors_mut(&mut self) -> Vec<(&'static str, ArrayViewMutD<'_, A>)> {
        gated_tensors_mut(self)
    }
}

/// The section's `get_params`: \\(W_{xh}, W_{hh}, W_{hq} \sim N(0, 0.01^2)\\),
/// \\(b_h = b_q = 0\\), for `num_inputs = num_outputs = vocab_size`.
///
/// ```
/// let params = d2l_rnn::scratch::get_params(1027, 256, 0);
/// assert_eq!(params.hidden.w_x.dim(), (1027, 256)); // W_xh
/// assert_eq!(params.hidden.w_h.dim(), (256, 256)); // W_hh
/// assert_eq!(params.w_hq.dim(), (256, 1027));
/// assert_eq!(params.b_q.sum(), 0.0);
/// ```
pub fn get_params(vocab_size: usize, num_hiddens: usize, seed: u64) -> RnnParams<f32> {
    RnnParams::normal(vocab_size, num_hiddens, 0.01, seed)
}
