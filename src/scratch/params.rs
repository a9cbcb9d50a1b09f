//! The from-scratch RNN's parameters and their initialisation.

use crate::model::{Parameters, Real};
use ndarray::{Array1, Array2, ArrayViewD, ArrayViewMutD};

/// Weights of the section's RNN, with \\(d = q\\) = vocabulary size and
/// \\(h\\) hidden units:
///
/// \\[ H_t = \tanh(X_t W_{xh} + H_{t-1} W_{hh} + b_h), \qquad O_t = H_t W_{hq} + b_q. \\]
///
/// Shapes: `w_xh (d, h)`, `w_hh (h, h)`, `b_h (h,)`, `w_hq (h, q)`, `b_q (q,)`.
/// The same type holds the gradients.
#[derive(Clone, Debug, PartialEq)]
pub struct RnnParams<A = f32> {
    /// Input-to-hidden weights \\(W_{xh}\\), `(vocab_size, num_hiddens)`.
    pub w_xh: Array2<A>,
    /// Hidden-to-hidden weights \\(W_{hh}\\), `(num_hiddens, num_hiddens)`.
    pub w_hh: Array2<A>,
    /// Hidden bias \\(b_h\\), `(num_hiddens,)`.
    pub b_h: Array1<A>,
    /// Hidden-to-output weights \\(W_{hq}\\), `(num_hiddens, vocab_size)`.
    pub w_hq: Array2<A>,
    /// Output bias \\(b_q\\), `(vocab_size,)`.
    pub b_q: Array1<A>,
}

impl<A: Real> RnnParams<A> {
    /// All-zero parameters (or gradients) for `vocab_size` and `num_hiddens`.
    ///
    /// ```
    /// let g = d2l_rnn::scratch::RnnParams::<f64>::zeros(7, 5);
    /// assert_eq!(g.w_hq.dim(), (5, 7));
    /// ```
    pub fn zeros(vocab_size: usize, num_hiddens: usize) -> Self {
        RnnParams {
            w_xh: Array2::zeros((vocab_size, num_hiddens)),
            w_hh: Array2::zeros((num_hiddens, num_hiddens)),
            b_h: Array1::zeros(num_hiddens),
            w_hq: Array2::zeros((num_hiddens, vocab_size)),
            b_q: Array1::zeros(vocab_size),
        }
    }

    /// The section's initialisation: weights drawn from \\(N(0, 0.01^2)\\)
    /// with a generator seeded by `seed`, biases zero.
    ///
    /// ```
    /// let a = d2l_rnn::scratch::RnnParams::<f64>::normal(7, 5, 0.01, 1);
    /// let b = d2l_rnn::scratch::RnnParams::<f64>::normal(7, 5, 0.01, 1);
    /// assert_eq!(a, b); // same seed, same numbers
    /// assert!(a.w_xh.iter().all(|w| w.abs() < 0.1));
    /// ```
    pub fn normal(vocab_size: usize, num_hiddens: usize, std: f64, seed: u64) -> Self {
        let mut draw = super::gru::NormalInit::new(std, seed);
        let w_xh = draw.matrix((vocab_size, num_hiddens));
        let w_hh = draw.matrix((num_hiddens, num_hiddens));
        let w_hq = draw.matrix((num_hiddens, vocab_size));
        RnnParams {
            w_xh,
            w_hh,
            b_h: Array1::zeros(num_hiddens),
            w_hq,
            b_q: Array1::zeros(vocab_size),
        }
    }

    /// Vocabulary size \\(d\\).
    pub fn vocab_size(&self) -> usize {
        self.w_xh.nrows()
    }

    /// Number of hidden units \\(h\\).
    pub fn num_hiddens(&self) -> usize {
        self.w_hh.nrows()
    }
}

impl<A> Parameters<A> for RnnParams<A> {
    fn tensors(&self) -> Vec<(&'static str, ArrayViewD<'_, A>)> {
        vec![
            ("W_xh", self.w_xh.view().into_dyn()),
            ("W_hh", self.w_hh.view().into_dyn()),
            ("b_h", self.b_h.view().into_dyn()),
            ("W_hq", self.w_hq.view().into_dyn()),
            ("b_q", self.b_q.view().into_dyn()),
        ]
    }

    fn tensors_mut(&mut self) -> Vec<(&'static str, ArrayViewMutD<'_, A>)> {
        vec![
            ("W_xh", self.w_xh.view_mut().into_dyn()),
            ("W_hh", self.w_hh.view_mut().into_dyn()),
            ("b_h", self.b_h.view_mut().into_dyn()),
            ("W_hq", self.w_hq.view_mut().into_dyn()),
            ("b_q", self.b_q.view_mut().into_dyn()),
        ]
    }
}

/// The section's `get_params`: \\(W_{xh}, W_{hh}, W_{hq} \sim N(0, 0.01^2)\\),
/// \\(b_h = b_q = 0\\), for `num_inputs = num_outputs = vocab_size`.
///
/// ```
/// let params = d2l_rnn::scratch::get_params(1027, 256, 0);
/// assert_eq!(params.w_xh.dim(), (1027, 256));
/// assert_eq!(params.w_hh.dim(), (256, 256));
/// assert_eq!(params.w_hq.dim(), (256, 1027));
/// assert_eq!(params.b_q.sum(), 0.0);
/// ```
pub fn get_params(vocab_size: usize, num_hiddens: usize, seed: u64) -> RnnParams<f32> {
    RnnParams::normal(vocab_size, num_hiddens, 0.01, seed)
}
