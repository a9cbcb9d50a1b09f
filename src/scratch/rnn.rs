//! The from-scratch RNN in one file: its parameters and the section's
//! `get_params`, `init_rnn_state` and `rnn`, and the same network as a model
//! whose backward pass is written out step by step.

use super::gate::{gated_tensors, gated_tensors_mut, Gate, GateNames, GatedParams};
use super::steps::{stack_steps, step_rows, time_steps};
use crate::model::{Parameters, RecurrentModel, RecurrentModelExt};
use crate::real::Real;
use ndarray::{Array1, Array2, ArrayView2, ArrayViewD, ArrayViewMutD, Axis};

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
/// a model that can also run backwards; training runs its parameters
/// through the one engine as [`crate::fast::RnnFast`].
///
/// Two steps by hand, two characters, one hidden unit, \\(W_{xh} = (0.5, -0.3)^\top\\),
/// \\(W_{hh} = 0.8\\), \\(b_h = 0.1\\), \\(H_0 = 0.3\\), inputs 0 then 1:
/// \\(H_1 = \tanh(0.5 + 0.8 \cdot 0.3 + 0.1) = \tanh 0.84 = 0.685809\\),
/// \\(H_2 = \tanh(-0.3 + 0.8 H_1 + 0.1) = 0.335175\\); with \\(W_{hq} = (1, -1)\\),
/// \\(b_q = (0, 0.2)\\), \\(Y_1 = (H_1, 0.2 - H_1)\\).
///
/// ```
/// use d2l_rnn::scratch::{rnn, to_onehot, Gate, RnnParams};
/// use ndarray::array;
/// let hidden = Gate { w_x: array![[0.5], [-0.3]], w_h: array![[0.8]], b: array![0.1] };
/// let params = RnnParams { hidden, w_hq: array![[1.0, -1.0]], b_q: array![0.0, 0.2] };
/// let inputs = to_onehot(array![[0usize, 1]].view(), 2); // one sequence: 0, then 1
/// let (outputs, state) = rnn(&inputs, &array![[0.3f64]], &params);
/// assert!((outputs[0][[0, 0]] - 0.685809).abs() < 1e-6); // H_1
/// assert!((outputs[0][[0, 1]] - (0.2 - 0.685809)).abs() < 1e-6);
/// assert!((state[[0, 0]] - 0.335175).abs() < 1e-6); // H_2
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

/// What one step of [`RnnScratch`]'s forward pass keeps for the backward pass.
#[derive(Clone, Debug)]
struct RnnStep<A> {
    /// The inputs \\(x_t\\), one index per sequence.
    x: Vec<usize>,
    /// \\(H_{t-1}\\), `(batch_size, num_hiddens)`.
    h_prev: Array2<A>,
    /// \\(H_t\\), `(batch_size, num_hiddens)`.
    h: Array2<A>,
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
/// \partial b_h &\mathrel{+}= \textstyle\sum_i \partial A_{t,i}, &
/// \partial W_{xh}\[x_t\] &\mathrel{+}= \partial A_t, \\\\
/// \partial W_{hh} &\mathrel{+}= H_{t-1}^\top \partial A_t, &
/// \partial H_{t-1}^{next} &= \partial A_t W_{hh}^\top,
/// \end{aligned} \\]
///
/// where \\(A_t\\) is the pre-activation inside \\(\tanh\\). What is left,
/// \\(\partial H_0^{next}\\), is [`RecurrentModelExt::state_grad`].
///
/// The two steps of [`rnn`]'s example, with targets 1 then 0 and the mean
/// cross-entropy: \\(\partial A_2 = -0.341334\\), \\(\partial A_1 = 0.259732\\),
/// so \\(\partial W_{xh} = (\partial A_1, \partial A_2)\\) (rows 0 and 1),
/// \\(\partial W_{hh} = H_0 \partial A_1 + H_1 \partial A_2 = -0.156170\\),
/// \\(\partial b_h = \partial A_1 + \partial A_2 = -0.081601\\) and
/// \\(\partial H_0 = 0.8\, \partial A_1 = 0.207786\\):
///
/// ```
/// use d2l_rnn::loss::softmax_cross_entropy;
/// use d2l_rnn::model::{RecurrentModel, RecurrentModelExt};
/// use d2l_rnn::scratch::{Gate, RnnParams, RnnScratch};
/// use ndarray::{array, Array2};
/// let hidden = Gate { w_x: array![[0.5], [-0.3]], w_h: array![[0.8]], b: array![0.1] };
/// let mut model = RnnScratch::new(RnnParams { hidden, w_hq: array![[1.0, -1.0]], b_q: array![0.0, 0.2] });
/// let mut state = array![[0.3f64]];
/// let logits = model.forward(array![[0usize, 1]].view(), &mut state).to_owned();
/// assert_eq!(logits.dim(), (2, 2)); // (num_steps * batch_size, vocab_size)
/// let mut d = Array2::zeros(logits.dim());
/// let loss = softmax_cross_entropy(logits.view(), array![[1usize, 0]].view(), d.view_mut());
/// assert!((loss - 0.963458).abs() < 1e-6);
/// model.backward(d.view());
/// let g = &model.grads.hidden;
/// let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
/// assert!(close(g.w_x[[0, 0]], 0.259732) && close(g.w_x[[1, 0]], -0.341334)); // dW_xh
/// assert!(close(g.w_h[[0, 0]], -0.156170) && close(g.b[0], -0.081601)); // dW_hh, db_h
/// assert!(close(model.state_grad()[[0, 0]], 0.207786)); // dH_0
/// ```
#[derive(Clone, Debug)]
pub struct RnnScratch<A = f32> {
    /// The weights.
    pub params: RnnParams<A>,
    /// Their gradients after the last [`RecurrentModel::backward`].
    pub grads: RnnParams<A>,
    /// What each step of the last forward pass kept.
    steps: Vec<RnnStep<A>>,
    /// \\(Y_1; \dots; Y_T\\) stacked, `(num_steps * batch_size, vocab_size)`.
    logits: Array2<A>,
    /// \\(\partial L / \partial H_0\\) after the last backward pass.
    d_state: Array2<A>,
}

impl<A: Real> RnnScratch<A> {
    /// Wraps parameters (from [`get_params`] or a checkpoint) into a model.
    pub fn new(params: RnnParams<A>) -> Self {
        let grads = RnnParams::zeros(params.vocab_size(), params.num_hiddens());
        RnnScratch {
            params,
            grads,
            steps: Vec::new(),
            logits: Array2::zeros((0, 0)),
            d_state: Array2::zeros((0, 0)),
        }
    }
}

impl RnnScratch<f32> {
    /// The model with the section's initialisation [`get_params`]:
    /// the builder [`crate::train::train_and_predict_rnn`] takes.
    ///
    /// ```
    /// use d2l_rnn::model::RecurrentModel;
    /// assert_eq!(d2l_rnn::scratch::RnnScratch::init(7, 5, 0).vocab_size(), 7);
    /// ```
    pub fn init(vocab_size: usize, num_hiddens: usize, seed: u64) -> Self {
        RnnScratch::new(get_params(vocab_size, num_hiddens, seed))
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
        self.steps.clear();
        let mut outputs = Vec::new();
        for x in time_steps(inputs) {
            let h_prev = state.clone(); // H_{t-1}, [n, h]
            let h = p.hidden.affine(&x, &h_prev).mapv(A::tanh); // H_t, [n, h]
            outputs.push(h.dot(&p.w_hq) + &p.b_q); // Y_t, [n, q]
            state.assign(&h);
            self.steps.push(RnnStep { x, h_prev, h });
        }
        self.logits = stack_steps(&outputs, state.nrows(), p.vocab_size()); // [T n, q]
        self.logits.view()
    }

    fn backward(&mut self, d_logits: ArrayView2<'_, A>) {
        let n = self.steps.first().map_or(0, |s| s.h_prev.nrows()); // sequences
        let p = &self.params;
        let g = &mut self.grads;
        *g = RnnParams::zeros(p.vocab_size(), p.num_hiddens());
        let mut d_h_next = Array2::zeros((n, p.num_hiddens())); // from H_{t+1}
        for (t, s) in self.steps.iter().enumerate().rev() {
            let d_y = step_rows(&d_logits, t, n); // dL/dY_t, [n, q]
            g.w_hq += &s.h.t().dot(&d_y); // dW_hq
            g.b_q += &d_y.sum_axis(Axis(0)); // db_q
            let d_h = d_y.dot(&p.w_hq.t()) + &d_h_next; // dL/dH_t, [n, h]
            let d_a = d_h * &s.h.mapv(|h| A::one() - h * h); // through tanh, [n, h]
            g.hidden.b += &d_a.sum_axis(Axis(0)); // db_h
            for (&x, d_row) in s.x.iter().zip(d_a.rows()) {
                let mut w_row = g.hidden.w_x.row_mut(x); // dW_xh: a one-hot X_t picks rows
                w_row += &d_row;
            }
            g.hidden.w_h += &s.h_prev.t().dot(&d_a); // dW_hh
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
