//! Long short-term memory (LSTM) from scratch, the book's section after the
//! GRU (d2l zh, PyTorch edition, 6.8): `init_lstm_state`, `lstm`, and the
//! same network as a model whose backward pass is written out step by step.

use super::gate::GatedParams;
use super::lstm_params::LstmParams;
use super::steps::{sigmoid, stack_steps, step_rows, time_steps};
use crate::model::{RecurrentModel, RecurrentModelExt};
use crate::real::Real;
use ndarray::{Array2, ArrayView2, Axis};

/// An LSTM's state: the hidden state \\(H\\) and the memory cell \\(C\\), each
/// `(batch_size, num_hiddens)`.
///
/// ```
/// let (h, c): d2l_rnn::scratch::LstmState = d2l_rnn::scratch::init_lstm_state(2, 3);
/// assert_eq!((h.dim(), c.dim()), ((2, 3), (2, 3)));
/// ```
pub type LstmState<A = f32> = (Array2<A>, Array2<A>);

/// The section's `init_lstm_state`: the hidden state \\(H\\) and the memory
/// cell \\(C\\), both zero, both `(batch_size, num_hiddens)`.
///
/// ```
/// let (h, c) = d2l_rnn::scratch::init_lstm_state(2, 256);
/// assert_eq!((h.dim(), c.dim()), ((2, 256), (2, 256)));
/// assert_eq!(h.sum() + c.sum(), 0.0);
/// ```
pub fn init_lstm_state(batch_size: usize, num_hiddens: usize) -> LstmState<f32> {
    (
        Array2::zeros((batch_size, num_hiddens)),
        Array2::zeros((batch_size, num_hiddens)),
    )
}

/// The section's `lstm`, written for reading: for each one-hot input \\(X_t\\)
/// `(batch_size, vocab_size)`,
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
/// Only \\(H_t\\) reaches the output layer; the memory cell \\(C_t\\) stays inside.
/// Returns the outputs \\(Y_t\\) (`num_steps` matrices `(batch_size, vocab_size)`)
/// and the last state \\((H, C)\\), each `(batch_size, num_hiddens)`. [`LstmScratch`] is the
/// same network as a model that can also run backwards; training uses its
/// fast twin [`crate::fast::LstmFast`].
///
/// ```
/// use d2l_rnn::scratch::{get_lstm_params, init_lstm_state, lstm, to_onehot};
/// use ndarray::Array2;
/// let x = Array2::from_shape_vec((2, 5), (0..10).collect()).unwrap();
/// let params = get_lstm_params(1027, 256, 0);
/// let (outputs, (h, c)) = lstm(&to_onehot(x.view(), 1027), &init_lstm_state(2, 256), &params);
/// assert_eq!((outputs.len(), outputs[0].dim()), (5, (2, 1027)));
/// assert_eq!((h.dim(), c.dim()), ((2, 256), (2, 256)));
/// assert!(h.iter().all(|h| h.abs() < 0.05)); // small weights, small state
/// ```
pub fn lstm<A: Real>(
    inputs: &[Array2<A>],
    state: &LstmState<A>,
    params: &LstmParams<A>,
) -> (Vec<Array2<A>>, LstmState<A>) {
    let p = params;
    let (mut h, mut c) = state.clone();
    let mut outputs = Vec::with_capacity(inputs.len());
    for x in inputs {
        let affine = |g: &super::Gate<A>| x.dot(&g.w_x) + h.dot(&g.w_h) + &g.b;
        let i = affine(&p.input).mapv(sigmoid);
        let f = affine(&p.forget).mapv(sigmoid);
        let o = affine(&p.output).mapv(sigmoid);
        let c_tilda = affine(&p.candidate).mapv(A::tanh);
        c = &f * &c + &i * &c_tilda;
        h = &o * &c.mapv(A::tanh);
        outputs.push(h.dot(&p.w_hq) + &p.b_q);
    }
    (outputs, (h, c))
}

/// What one forward step keeps for the backward pass, each `(n, h)`.
#[derive(Clone, Debug)]
struct LstmStep<A> {
    x: Vec<usize>,
    h_prev: Array2<A>,
    c_prev: Array2<A>,
    i: Array2<A>,
    f: Array2<A>,
    o: Array2<A>,
    c_tilda: Array2<A>,
    tanh_c: Array2<A>,
    h: Array2<A>,
}

/// The LSTM as a model to read: forward, and backpropagation through time
/// by hand, one time step at a time.
///
/// **Forward**, step \\(t\\), with \\(A^g_t = X_t W_{xg} + H_{t-1} W_{hg} + b_g\\)
/// for \\(g \in \{i, f, o, c\}\\) (\\(X_t W_{xg}\\) is the row gather \\(W_{xg}\[x_t\]\\)):
/// \\(I_t = \sigma(A^i_t)\\), \\(F_t = \sigma(A^f_t)\\), \\(O_t = \sigma(A^o_t)\\),
/// \\(\tilde C_t = \tanh(A^c_t)\\), \\(C_t = F_t \odot C_{t-1} + I_t \odot \tilde C_t\\),
/// \\(H_t = O_t \odot \tanh C_t\\), \\(Y_t = H_t W_{hq} + b_q\\).
///
/// **Backward**, for \\(t = T, \dots, 1\\) with \\(\partial H_T^{next} = \partial C_T^{next} = 0\\):
///
/// \\[ \begin{aligned}
/// \partial H_t &= \partial Y_t W_{hq}^\top + \partial H_t^{next}, &
/// \partial C_t &= \partial C_t^{next} + \partial H_t \odot O_t \odot (1 - \tanh^2 C_t), \\\\
/// \partial A^o_t &= \partial H_t \odot \tanh C_t \odot O_t (1 - O_t), &
/// \partial A^i_t &= \partial C_t \odot \tilde C_t \odot I_t (1 - I_t), \\\\
/// \partial A^f_t &= \partial C_t \odot C_{t-1} \odot F_t (1 - F_t), &
/// \partial A^c_t &= \partial C_t \odot I_t \odot (1 - \tilde C_t^2), \\\\
/// \partial C_{t-1}^{next} &= \partial C_t \odot F_t, &
/// \partial H_{t-1}^{next} &= \textstyle\sum_g \partial A^g_t W_{hg}^\top,
/// \end{aligned} \\]
///
/// each gate's weights collect \\(\partial A^g_t\\) as in [`super::Gate::add_grad`],
/// and the output layer \\(\partial W_{hq} \mathrel{+}= H_t^\top \partial Y_t\\).
///
/// ```
/// use d2l_rnn::model::RecurrentModel;
/// use d2l_rnn::scratch::{get_lstm_params, LstmScratch};
/// use ndarray::Array2;
/// let mut model = LstmScratch::new(get_lstm_params(1027, 256, 0));
/// let x = Array2::from_shape_vec((2, 5), (0..10).collect()).unwrap();
/// let mut state = model.begin_state(2); // (H, C)
/// let logits = model.forward(x.view(), &mut state);
/// assert_eq!(logits.dim(), (10, 1027)); // (num_steps * batch_size, vocab_size)
/// assert_eq!((state.0.dim(), state.1.dim()), ((2, 256), (2, 256)));
/// assert!(state.1.iter().any(|&c| c != 0.0));
/// ```
#[derive(Clone, Debug)]
pub struct LstmScratch<A = f32> {
    /// The weights.
    pub params: LstmParams<A>,
    /// Their gradients after the last [`RecurrentModel::backward`].
    pub grads: LstmParams<A>,
    /// What each step of the last forward pass kept.
    steps: Vec<LstmStep<A>>,
    /// \\(Y_1; \dots; Y_T\\) stacked, `(num_steps * batch_size, vocab_size)`.
    logits: Array2<A>,
    /// \\((\partial L / \partial H_0, \partial L / \partial C_0)\\) after the last backward pass.
    d_state: LstmState<A>,
}

impl<A: Real> LstmScratch<A> {
    /// Wraps parameters (from [`super::get_lstm_params`] or a checkpoint) into a model.
    pub fn new(params: LstmParams<A>) -> Self {
        let grads = LstmParams::zeros(params.vocab_size(), params.num_hiddens());
        LstmScratch {
            params,
            grads,
            steps: Vec::new(),
            logits: Array2::zeros((0, 0)),
            d_state: (Array2::zeros((0, 0)), Array2::zeros((0, 0))),
        }
    }
}

impl LstmScratch<f32> {
    /// The model with the book's initialisation [`super::get_lstm_params`]:
    /// a builder for [`crate::train::train_and_predict_rnn`].
    ///
    /// ```
    /// use d2l_rnn::model::RecurrentModel;
    /// assert_eq!(d2l_rnn::scratch::LstmScratch::init(7, 5, 0).begin_state(3).1.dim(), (3, 5));
    /// ```
    pub fn init(vocab_size: usize, num_hiddens: usize, seed: u64) -> Self {
        LstmScratch::new(super::get_lstm_params(vocab_size, num_hiddens, seed))
    }
}

impl<A: Real> RecurrentModel for LstmScratch<A> {
    type Elem = A;
    type State = LstmState<A>;
    type Params = LstmParams<A>;

    fn vocab_size(&self) -> usize {
        self.params.vocab_size()
    }

    fn begin_state(&self, batch_size: usize) -> LstmState<A> {
        let shape = (batch_size, self.params.num_hiddens());
        (Array2::zeros(shape), Array2::zeros(shape))
    }

    fn forward(
        &mut self,
        inputs: ArrayView2<'_, usize>,
        state: &mut LstmState<A>,
    ) -> ArrayView2<'_, A> {
        let p = &self.params;
        let (mut h, mut c) = state.clone(); // H_0, C_0, [n, h] each
        let mut outputs = Vec::new();
        self.steps.clear();
        for x in time_steps(inputs) {
            let i = p.input.affine(&x, &h).mapv(sigmoid); // I_t
            let f = p.forget.affine(&x, &h).mapv(sigmoid); // F_t
            let o = p.output.affine(&x, &h).mapv(sigmoid); // O_t
            let c_tilda = p.candidate.affine(&x, &h).mapv(A::tanh); // C̃_t
            let c_next = &f * &c + &i * &c_tilda; // C_t
            let tanh_c = c_next.mapv(A::tanh);
            let h_next = &o * &tanh_c; // H_t
            outputs.push(h_next.dot(&p.w_hq) + &p.b_q); // Y_t, [n, q]
            let h_prev = std::mem::replace(&mut h, h_next.clone());
            let c_prev = std::mem::replace(&mut c, c_next);
            let h_t = h_next;
            self.steps.push(LstmStep {
                x,
                h_prev,
                c_prev,
                i,
                f,
                o,
                c_tilda,
                tanh_c,
                h: h_t,
            });
        }
        let n = h.nrows();
        *state = (h, c);
        self.logits = stack_steps(&outputs, n, p.vocab_size()); // [T n, q]
        self.logits.view()
    }

    fn backward(&mut self, d_logits: ArrayView2<'_, A>) {
        let p = &self.params;
        let (g, one) = (&mut self.grads, A::one());
        *g = LstmParams::zeros(p.vocab_size(), p.num_hiddens());
        let n = self.steps.first().map_or(0, |s| s.h_prev.nrows());
        let mut d_h_next = Array2::zeros((n, p.num_hiddens())); // from H_{t+1}
        let mut d_c_next = Array2::zeros((n, p.num_hiddens())); // from C_{t+1}
        for (t, step) in self.steps.iter().enumerate().rev() {
            let LstmStep {
                x,
                h_prev,
                c_prev,
                i,
                f,
                o,
                c_tilda,
                tanh_c,
                h,
            } = step;
            let d_y = step_rows(&d_logits, t, n); // dL/dY_t, [n, q]
            g.w_hq += &h.t().dot(&d_y);
            g.b_q += &d_y.sum_axis(Axis(0));
            let d_h = d_y.dot(&p.w_hq.t()) + &d_h_next; // dL/dH_t, [n, h]
            let d_c = &d_c_next + &(&d_h * o * tanh_c.mapv(|t| one - t * t)); // dL/dC_t
            let d_a_o = &d_h * tanh_c * o.mapv(|o| o * (one - o));
            let d_a_i = &d_c * c_tilda * i.mapv(|i| i * (one - i));
            let d_a_f = &d_c * c_prev * f.mapv(|f| f * (one - f));
            let d_a_c = &d_c * i * c_tilda.mapv(|c| one - c * c);
            d_c_next = &d_c * f; // on to C_{t-1}
            d_h_next = Array2::zeros(d_h.raw_dim()); // on to H_{t-1}, through every gate
            for (gate, grad, d_a) in [
                (&p.input, &mut g.input, &d_a_i),
                (&p.forget, &mut g.forget, &d_a_f),
                (&p.output, &mut g.output, &d_a_o),
                (&p.candidate, &mut g.candidate, &d_a_c),
            ] {
                grad.add_grad(x, h_prev, d_a);
                d_h_next += &d_a.dot(&gate.w_h.t());
            }
        }
        self.d_state = (d_h_next, d_c_next);
    }

    fn params(&self) -> &LstmParams<A> {
        &self.params
    }

    fn params_and_grads(&mut self) -> (&mut LstmParams<A>, &mut LstmParams<A>) {
        (&mut self.params, &mut self.grads)
    }
}

impl<A: Real> RecurrentModelExt for LstmScratch<A> {
    fn state_grad(&self) -> LstmState<A> {
        self.d_state.clone()
    }
}
