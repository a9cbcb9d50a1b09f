//! The from-scratch GRU's parameters and its `get_params`.

use super::gate::{gated_tensors, gated_tensors_mut, Gate, GateNames, GatedParams};
use crate::model::Parameters;
use crate::real::Real;
use ndarray::{Array1, Array2, ArrayViewD, ArrayViewMutD};

/// Weights of the GRU, with \\(d = q\\) = vocabulary size and \\(h\\) hidden units:
///
/// \\[ \begin{aligned}
/// Z_t &= \sigma(X_t W_{xz} + H_{t-1} W_{hz} + b_z), &
/// R_t &= \sigma(X_t W_{xr} + H_{t-1} W_{hr} + b_r), \\\\
/// \tilde H_t &= \tanh(X_t W_{xh} + (R_t \odot H_{t-1}) W_{hh} + b_h), &
/// H_t &= Z_t \odot H_{t-1} + (1 - Z_t) \odot \tilde H_t, \\\\
/// Y_t &= H_t W_{hq} + b_q.
/// \end{aligned} \\]
///
/// Each gate is a [`Gate`] (`w_x (d, h)`, `w_h (h, h)`, `b (h,)`); then
/// `w_hq (h, q)`, `b_q (q,)`. The tensors are named as in the book (`W_xz`,
/// `W_hz`, `b_z`, `W_xr`, `W_hr`, `b_r`, `W_xh`, `W_hh`, `b_h`, `W_hq`,
/// `b_q`, in that order). The same type holds the gradients.
///
/// ```
/// use d2l_rnn::model::Parameters;
/// use d2l_rnn::scratch::{GatedParams, GruParams};
/// let p = GruParams::<f32>::zeros(7, 5);
/// let names: Vec<_> = p.tensors().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["W_xz", "W_hz", "b_z", "W_xr", "W_hr", "b_r", "W_xh", "W_hh", "b_h", "W_hq", "b_q"]);
/// assert_eq!(p.num_elements(), 3 * (7 * 5 + 5 * 5 + 5) + 5 * 7 + 7);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GruParams<A = f32> {
    /// Update gate \\(Z\\): \\(W_{xz}\\), \\(W_{hz}\\), \\(b_z\\).
    pub update: Gate<A>,
    /// Reset gate \\(R\\): \\(W_{xr}\\), \\(W_{hr}\\), \\(b_r\\).
    pub reset: Gate<A>,
    /// Candidate state \\(\tilde H\\): \\(W_{xh}\\), \\(W_{hh}\\), \\(b_h\\).
    pub candidate: Gate<A>,
    /// Hidden-to-output weights \\(W_{hq}\\), `(num_hiddens, vocab_size)`.
    pub w_hq: Array2<A>,
    /// Output bias \\(b_q\\), `(vocab_size,)`.
    pub b_q: Array1<A>,
}

impl<A: Real> GatedParams<A> for GruParams<A> {
    const GATE_NAMES: &'static [GateNames] = &[
        ["W_xz", "W_hz", "b_z"],
        ["W_xr", "W_hr", "b_r"],
        ["W_xh", "W_hh", "b_h"],
    ];

    fn from_parts(mut gate: impl FnMut(usize) -> Gate<A>, w_hq: Array2<A>, b_q: Array1<A>) -> Self {
        GruParams {
            update: gate(0),
            reset: gate(1),
            candidate: gate(2),
            w_hq,
            b_q,
        }
    }

    fn gates(&self) -> Vec<&Gate<A>> {
        vec![&self.update, &self.reset, &self.candidate]
    }

    fn output(&self) -> (&Array2<A>, &Array1<A>) {
        (&self.w_hq, &self.b_q)
    }

    fn parts_mut(&mut self) -> (Vec<&mut Gate<A>>, &mut Array2<A>, &mut Array1<A>) {
        let gates = vec![&mut self.update, &mut self.reset, &mut self.candidate];
        (gates, &mut self.w_hq, &mut self.b_q)
    }
}

impl<A: Real> Parameters<A> for GruParams<A> {
    fn tensors(&self) -> Vec<(&'static str, ArrayViewD<'_, A>)> {
        gated_tensors(self)
    }

    fn tensors_mut(&mut self) -> Vec<(&'static str, ArrayViewMutD<'_, A>)> {
        gated_tensors_mut(self)
    }
}

/// The section's `get_params` for the GRU: \\(W_{xz}, W_{hz}, W_{xr}, W_{hr},
/// W_{xh}, W_{hh}, W_{hq} \sim N(0, 0.01^2)\\) (drawn in that order), all
/// biases 0, for `num_inputs = num_outputs = vocab_size`.
///
/// ```
/// let p = d2l_rnn::scratch::get_gru_params(1027, 256, 0);
/// assert_eq!((p.update.w_x.dim(), p.candidate.w_h.dim(), p.w_hq.dim()), ((1027, 256), (256, 256), (256, 1027)));
/// assert_eq!(p.reset.b.sum() + p.b_q.sum(), 0.0);
/// ```
pub fn get_gru_params(vocab_size: usize, num_hiddens: usize, seed: u64) -> GruParams<f32> {
    GruParams::normal(vocab_size, num_hiddens, 0.01, seed)
}
