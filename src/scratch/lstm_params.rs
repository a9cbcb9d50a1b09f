//! The from-scratch LSTM's parameters and its `get_params`.

use super::gate::{gated_tensors, gated_tensors_mut, Gate, GateNames, GatedParams};
use crate::model::Parameters;
use crate::real::Real;
use ndarray::{Array1, Array2, ArrayViewD, ArrayViewMutD};

/// Weights of the LSTM, with \\(d = q\\) = vocabulary size and \\(h\\) hidden units:
///
/// \\[ \begin{aligned}
/// I_t &= \sigma(X_t W_{xi} + H_{t-1} W_{hi} + b_i), &
/// F_t &= \sigma(X_t W_{xf} + H_{t-1} W_{hf} + b_f), \\\\
/// O_t &= \sigma(X_t W_{xo} + H_{t-1} W_{ho} + b_o), &
/// \tilde C_t &= \tanh(X_t W_{xc} + H_{t-1} W_{hc} + b_c), \\\\
/// C_t &= F_t \odot C_{t-1} + I_t \odot \tilde C_t, &
/// H_t &= O_t \odot \tanh(C_t), \\\\
/// Y_t &= H_t W_{hq} + b_q.
/// \end{aligned} \\]
///
/// Each gate is a [`Gate`] (`w_x (d, h)`, `w_h (h, h)`, `b (h,)`); then
/// `w_hq (h, q)`, `b_q (q,)`. The tensors are named as in the book (`W_xi`,
/// `W_hi`, `b_i`, `W_xf`, `W_hf`, `b_f`, `W_xo`, `W_ho`, `b_o`, `W_xc`,
/// `W_hc`, `b_c`, `W_hq`, `b_q`, in that order). The same type holds the
/// gradients.
///
/// ```
/// use d2l_rnn::model::Parameters;
/// use d2l_rnn::scratch::{GatedParams, LstmParams};
/// let p = LstmParams::<f32>::zeros(7, 5);
/// let names: Vec<_> = p.tensors().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["W_xi", "W_hi", "b_i", "W_xf", "W_hf", "b_f", "W_xo", "W_ho", "b_o",
///                    "W_xc", "W_hc", "b_c", "W_hq", "b_q"]);
/// assert_eq!(p.num_elements(), 4 * (7 * 5 + 5 * 5 + 5) + 5 * 7 + 7);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LstmParams<A = f32> {
    /// Input gate \\(I\\): \\(W_{xi}\\), \\(W_{hi}\\), \\(b_i\\).
    pub input: Gate<A>,
    /// Forget gate \\(F\\): \\(W_{xf}\\), \\(W_{hf}\\), \\(b_f\\).
    pub forget: Gate<A>,
    /// Output gate \\(O\\): \\(W_{xo}\\), \\(W_{ho}\\), \\(b_o\\).
    pub output: Gate<A>,
    /// Candidate memory cell \\(\tilde C\\): \\(W_{xc}\\), \\(W_{hc}\\), \\(b_c\\).
    pub candidate: Gate<A>,
    /// Hidden-to-output weights \\(W_{hq}\\), `(num_hiddens, vocab_size)`.
    pub w_hq: Array2<A>,
    /// Output bias \\(b_q\\), `(vocab_size,)`.
    pub b_q: Array1<A>,
}

impl<A: Real> GatedParams<A> for LstmParams<A> {
    const GATE_NAMES: &'static [GateNames] = &[
        ["W_xi", "W_hi", "b_i"],
        ["W_xf", "W_hf", "b_f"],
        ["W_xo", "W_ho", "b_o"],
        ["W_xc", "W_hc", "b_c"],
    ];

    fn from_parts(mut gate: impl FnMut(usize) -> Gate<A>, w_hq: Array2<A>, b_q: Array1<A>) -> Self {
        LstmParams {
            input: gate(0),
            forget: gate(1),
            output: gate(2),
            candidate: gate(3),
            w_hq,
            b_q,
        }
    }

    fn gates(&self) -> Vec<&Gate<A>> {
        vec![&self.input, &self.forget, &self.output, &self.candidate]
    }

    fn output(&self) -> (&Array2<A>, &Array1<A>) {
        (&self.w_hq, &self.b_q)
    }

    fn parts_mut(&mut self) -> (Vec<&mut Gate<A>>, &mut Array2<A>, &mut Array1<A>) {
        let gates = vec![
            &mut self.input,
            &mut self.forget,
            &mut self.output,
            &mut self.candidate,
        ];
        (gates, &mut self.w_hq, &mut self.b_q)
    }
}

impl<A: Real> Parameters<A> for LstmParams<A> {
    fn tensors(&self) -> Vec<(&'static str, ArrayViewD<'_, A>)> {
        gated_tensors(self)
    }

    fn tensors_mut(&mut self) -> Vec<(&'static str, ArrayViewMutD<'_, A>)> {
        gated_tensors_mut(self)
    }
}

/// The section's `get_params` for the LSTM: \\(W_{xi}, W_{hi}, W_{xf}, W_{hf},
/// W_{xo}, W_{ho}, W_{xc}, W_{hc}, W_{hq} \sim N(0, 0.01^2)\\) (drawn in that
/// order), all biases 0.
///
/// ```
/// let p = d2l_rnn::scratch::get_lstm_params(1027, 256, 0);
/// assert_eq!((p.input.w_x.dim(), p.forget.w_h.dim(), p.w_hq.dim()), ((1027, 256), (256, 256), (256, 1027)));
/// assert_eq!(p.forget.b.sum() + p.b_q.sum(), 0.0);
/// ```
pub fn get_lstm_params(vocab_size: usize, num_hiddens: usize, seed: u64) -> LstmParams<f32> {
    LstmParams::normal(vocab_size, num_hiddens, 0.01, seed)
}
