//! The from-scratch RNN: the section's `init_rnn_state` and `rnn`, and the
//! same network as a model whose backward pass is written out step by step.

use super::gate::GatedParams;
use super::rnn_params::RnnParams;
use super::steps::{stack_steps, step_rows, time_steps};
use crate::model::{RecurrentModel, RecurrentModelExt};
use crate::real::Real;
use ndarray::{Array2, ArrayView2, Axis};

/// The section's `init_rnn_state`: a zero hidden state `(batch_size, num_hiddens)`.
///
/// ```
/// let h = d2l_rnn::scratch::init_rnn_state(2, 256);
/// assert_eq!(h.dim(), (2, 256));
/// ```
pub fn init_rnn_state(batch_size: usize, num_hiddens: usize) -> Array2<f32> {
    Array2::zeros((batch_size, num_hiddens))
}

/// The section's `rnn`, written for reading: for each one-hot input
/// \\(X_t\\) `(batch_size, vocab_size)`,
///
/// \\[ H_t = \tanh(X_t W_{xh} + H_{t-1} W_{hh} + b_h), \qquad Y_t = H_t W_{hq} + b_q. \\]
///
/// Returns the outputs \\(Y_t\\) (`num_steps` matrices `(batch_size, vocab_size)`)
/// and the last state `(batch_size, num_hiddens)`. [`RnnScratch`] is the same network as
/// a model that can also run backwards; training uses its fast twin
/// [`crate::fast::RnnFast`].
///
/// ```
/// use d2l_rnn::scratch::{get_params, init_rnn_state, rnn, to_onehot};
/// use ndarray::Array2;
/// let x = Array2::from_shape_vec((2, 5), (0..10).collect()).unwrap();
/// let params = get_params(1027, 256, 0);
/// let (outputs, state) = rnn(&to_onehot(x.view(), 1027), &init_rnn_state(2, 256), &params);
/// assert_eq!((outputs.len(), outputs[0].dim()), (5, (2, 1027)));
/// assert_eq!(state.dim(), (2, 256));
/// ```
pub fn rnn<A: Real>(
    inputs: &[Array2<A>],
    state: &Array2<A>,
    params: &RnnParams<A>,
) -> (Vec<Array2<A>>, Array2<A>) {
    let mut h = state.clone();
    let mut outputs = Vec::with_capacity(inputs.len());
    for x in inputs {
        let w = &params.hidden; // W_xh, W_hh, b_h
        h = (x.dot(&w.w_x) + h.dot(&w.w_h) + &w.b).mapv(A::tanh);
        outputs.push(h.dot(&params.w_hq) + &params.b_q);
    }
    (outputs, h)
}

/// The section's RNN as a model to read: forward, and backpropagation
/// through time by hand, one time step at a time.
///
/// **Forward**, for the inputs \\(x_t\\) of each step (one index per
/// sequence; \\(X_t W_{xh}\\) is the row gather \\(W_{xh}\[x_t\]\\)):
///
/// \\[ H_t = \tanh(X_t W_{xh} + H_{t-1} W_{hh} + b_h), \qquad Y_t = H_t W_{hq} + b_q. \\]
///
/// **Backward**, given \\(\partial Y_t = \partial L / \partial Y_t\\), for
/// \\(t = T, \dots, 1\\) with \\(\partial H_T^{next} = 0\\):
///
/// \\[ \begin{aligned}
/// \partial W_{hq} &\mathrel{+}= H_t^\top \partial Y_t, &
/// \partial b_q &\mathrel{+}= \textstyle\sum_i \partial Y_{t,i}, \\\\
/// \partial H_t &= \partial Y_t W_{hq}^\top + \partial H_t^{next}, &
/// \partial A_t &= \partial H_t \odot (1 - H_t^2), \\\\
/// \partial W_{xh}\[x_t\] &\mathrel{+}= \partial A_t, \quad
/// \partial W_{hh} \mathrel{+}= H_{t-1}^\top \partial A_t, &
/// \partial b_h &\mathrel{+}= \textstyle\sum_i \partial A_{t,i}, \\\\
/// \partial H_{t-1}^{next} &= \partial A_t W_{hh}^\top,
/// \end{aligned} \\]
///
/// where \\(A_t\\) is the pre-activation inside \\(\tanh\\). What is left,
/// \\(\partial H_0^{next}\\), is [`RecurrentModel::state_grad`].
///
/// ```
/// use d2l_rnn::model::RecurrentModel;
/// use d2l_rnn::scratch::{get_params, RnnScratch};
/// use ndarray::Array2;
/// let mut model = RnnScratch::new(get_params(1027, 256, 0));
/// let x = Array2::from_shape_vec((2, 5), (0..10).collect()).unwrap();
/// let mut state = model.begin_state(2);
/// let logits = model.forward(x.view(), &mut state);
/// assert_eq!(logits.dim(), (10, 1027)); // (num_steps * batch_size, vocab_size)
/// assert_eq!(state.dim(), (2, 256));
/// ```
#[derive(Clone, Debug)]
pub struct RnnScratch<A = f32> {
    /// The weights.
    pub params: RnnParams<A>,
    /// Their gradients after the last [`RecurrentModel::backward`].
    pub grads: RnnParams<A>,
    /// The inputs \\(x_t\\) of the last forward pass, one `Vec` per step.
    inputs: Vec<Vec<usize>>,
    /// \\(H_0, H_1, \dots, H_T\\), each `(batch_size, num_hiddens)`.
    hiddens: Vec<Array2<A>>,
    /// \\(Y_1; \dots; Y_T\\) stacked, `(num_steps * batch_size, vocab_size)`.
    logits: Array2<A>,
    /// \\(\partial L / \partial H_0\\) after the last backward pass.
    d_state: Array2<A>,
}

impl<A: Real> RnnScratch<A> {
    /// Wraps parameters (from [`super::get_params`] or a checkpoint) into a model.
    pub fn new(params: RnnParams<A>) -> Self {
        let grads = RnnParams::zeros(params.vocab_size(), params.num_hiddens());
        RnnScratch {
            params,
            grads,
            inputs: Vec::new(),
            hiddens: Vec::new(),
            logits: Array2::zeros((0, 0)),
            d_state: Array2::zeros((0, 0)),
        }
    }
}

impl RnnScratch<f32> {
    /// The model with the section's initialisation [`super::get_params`]:
    /// the builder [`crate::train::train_and_predict_rnn`] takes.
    ///
    /// ```
    /// use d2l_rnn::model::RecurrentModel;
    /// assert_eq!(d2l_rnn::scratch::RnnScratch::init(7, 5, 0).vocab_size(), 7);
    /// ```
    pub fn init(vocab_size: usize, num_hiddens: usize, seed: u64) -> Self {
        RnnScratch::new(super::get_params(vocab_size, num_hiddens, seed))
    }
}

impl<A: Real> RecurrentModel for RnnScratch<A> {
    type Elem = A;
    type State = Array2<A>;
    type Params = RnnParams<A>;

    fn vocab_size(&self) -> usize {
        self.params.vocab_size()
    }

    fn begin_state(&self, batch_size: usize) -> Array2<A> {
        Array2::zeros((batch_size, self.params.num_hiddens()))
    }

    fn forward(
        &mut self,
        inputs: ArrayView2<'_, usize>,
        state: &mut Array2<A>,
    ) -> ArrayView2<'_, A> {
        let p = &self.params;
        self.inputs = time_steps(inputs); // x_t, each [n]
        self.hiddens = vec![state.clone()]; // H_0, [n, h]
        let mut outputs = Vec::with_capacity(self.inputs.len());
        for x in &self.inputs {
            let h_prev = &self.hiddens[self.hiddens.len() - 1];
            let h = p.hidden.affine(x, h_prev).mapv(A::tanh); // H_t, [n, h]
            outputs.push(h.dot(&p.w_hq) + &p.b_q); // Y_t, [n, q]
            self.hiddens.push(h);
        }
        state.assign(&self.hiddens[self.hiddens.len() - 1]);
        self.logits = stack_steps(&outputs, state.nrows(), p.vocab_size()); // [T n, q]
        self.logits.view()
    }

    fn backward(&mut self, d_logits: ArrayView2<'_, A>) {
        let (p, n) = (&self.params, self.hiddens[0].nrows());
        let g = &mut self.grads;
        *g = RnnParams::zeros(p.vocab_size(), p.num_hiddens());
        let mut d_h_next = Array2::zeros(self.hiddens[0].raw_dim()); // from H_{t+1}
        for t in (0..self.inputs.len()).rev() {
            let (h_prev, h) = (&self.hiddens[t], &self.hiddens[t + 1]);
            let d_y = step_rows(&d_logits, t, n); // dL/dY_t, [n, q]
            g.w_hq += &h.t().dot(&d_y);
            g.b_q += &d_y.sum_axis(Axis(0));
            let d_h = d_y.dot(&p.w_hq.t()) + &d_h_next; // dL/dH_t, [n, h]
            let d_a = d_h * &h.mapv(|h| A::one() - h * h); // through tanh
            g.hidden.add_grad(&self.inputs[t], h_prev, &d_a);
            d_h_next = d_a.dot(&p.hidden.w_h.t()); // on to H_{t-1}
        }
        self.d_state = d_h_next;
    }

    fn params(&self) -> &RnnParams<A> {
        &self.params
    }

    fn params_and_grads(&mut self) -> (&mut RnnParams<A>, &mut RnnParams<A>) {
        (&mut self.params, &mut self.grads)
    }
}

impl<A: Real> RecurrentModelExt for RnnScratch<A> {
    fn state_grad(&self) -> Array2<A> {
        self.d_state.clone()
    }
}
