//! Long short-term memory (LSTM) from scratch in one file, the book's section
//! after the GRU (d2l zh, PyTorch edition, 6.8): its parameters and
//! `get_params`, `init_lstm_state`, `lstm`, and the same network as a model
//! whose backward pass is written out step by step.

use super::gate::{gated_tensors, gated_tensors_mut, Gate, GateNames, GatedParams};
use super::steps::{sigmoid, stack_steps, step_rows, time_steps};
use crate::model::{Parameters, RecurrentModel, RecurrentModelExt};
use crate::real::Real;
use ndarray::{Array1, Array2, ArrayView2, ArrayViewD, ArrayViewMutD, Axis};

/// Weights of the LSTM ([`lstm`]'s equations), with \\(d = q\\) = vocabulary size and
/// \\(h\\) hidden units.
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
/// same network as a model that can also run backwards; training runs its
/// parameters through the one engine as [`crate::fast::LstmFast`].
///
/// Two steps by hand (one hidden unit, inputs 0 then 1, \\(H_0 = 0.3\\),
/// \\(C_0 = -0.2\\), gates \\((W_x, W_h, b)\\) below): \\(I_1 = 0.627148\\),
/// \\(F_1 = 0.647941\\), \\(O_1 = 0.415809\\), \\(\tilde C_1 = 0.691069\\),
/// \\(C_1 = F_1 C_0 + I_1 \tilde C_1 = 0.303815\\), \\(H_1 = O_1 \tanh C_1 = 0.122580\\);
/// then \\(H_2 = -0.086999\\), \\(C_2 = -0.134392\\).
///
/// ```
/// use d2l_rnn::scratch::{lstm, to_onehot, Gate, LstmParams};
/// use ndarray::array;
/// let gate = |w_x: [f64; 2], w_h, b| Gate { w_x: array![[w_x[0]], [w_x[1]]], w_h: array![[w_h]], b: array![b] };
/// let params = LstmParams {
///     input: gate([0.3, -0.2], 0.4, 0.1),
///     forget: gate([0.5, 0.1], -0.3, 0.2),
///     output: gate([-0.4, 0.6], 0.2, 0.0),
///     candidate: gate([0.8, -0.7], 0.5, -0.1),
///     w_hq: array![[1.0, -1.0]],
///     b_q: array![0.0, 0.2],
/// };
/// let x = to_onehot(array![[0usize, 1]].view(), 2);
/// let (outputs, (h, c)) = lstm(&x, &(array![[0.3]], array![[-0.2]]), &params);
/// assert!((outputs[0][[0, 0]] - 0.122580).abs() < 1e-6); // Y_1 = (H_1, 0.2 - H_1)
/// assert!((h[[0, 0]] + 0.086999).abs() < 1e-6 && (c[[0, 0]] + 0.134392).abs() < 1e-6);
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
        let affine = |g: &Gate<A>| x.dot(&g.w_x) + h.dot(&g.w_h) + &g.b;
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
/// each gate's weights collect \\(\partial A^g_t\\) as in [`Gate::add_grad`],
/// and the output layer \\(\partial W_{hq} \mathrel{+}= H_t^\top \partial Y_t\\).
///
/// With [`lstm`]'s example, targets 1 then 0 and the mean cross-entropy
/// (loss 0.806756), by hand: the output gate's \\(\partial W_{ho} = 0.012758\\),
/// \\(\partial b_o = 0.053157\\), \\(\partial H_0 = 0.000323\\), \\(\partial C_0 = -0.017964\\):
///
/// ```
/// use d2l_rnn::loss::softmax_cross_entropy;
/// use d2l_rnn::model::{RecurrentModel, RecurrentModelExt};
/// use d2l_rnn::scratch::{Gate, LstmParams, LstmScratch};
/// use ndarray::{array, Array2};
/// let gate = |w_x: [f64; 2], w_h, b| Gate { w_x: array![[w_x[0]], [w_x[1]]], w_h: array![[w_h]], b: array![b] };
/// let mut model = LstmScratch::new(LstmParams {
///     input: gate([0.3, -0.2], 0.4, 0.1),
///     forget: gate([0.5, 0.1], -0.3, 0.2),
///     output: gate([-0.4, 0.6], 0.2, 0.0),
///     candidate: gate([0.8, -0.7], 0.5, -0.1),
///     w_hq: array![[1.0, -1.0]],
///     b_q: array![0.0, 0.2],
/// });
/// let mut state = (array![[0.3]], array![[-0.2]]);
/// let logits = model.forward(array![[0usize, 1]].view(), &mut state).to_owned();
/// let mut d = Array2::zeros(logits.dim());
/// let loss = softmax_cross_entropy(logits.view(), array![[1usize, 0]].view(), d.view_mut());
/// model.backward(d.view());
/// let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
/// let o = &model.grads.output;
/// assert!(close(loss, 0.806756) && close(o.w_h[[0, 0]], 0.012758) && close(o.b[0], 0.053157));
/// let (d_h0, d_c0) = model.state_grad();
/// assert!(close(d_h0[[0, 0]], 0.000323) && close(d_c0[[0, 0]], -0.017964));
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
    /// Wraps parameters (from [`get_lstm_params`] or a checkpoint) into a model.
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
    /// The model with the book's initialisation [`get_lstm_params`]:
    /// a builder for [`crate::train::train_and_predict_rnn`].
    ///
    /// ```
    /// use d2l_rnn::model::RecurrentModel;
    /// assert_eq!(d2l_rnn::scratch::LstmScratch::init(7, 5, 0).begin_state(3).1.dim(), (3, 5));
    /// ```
    pub fn init(vocab_size: usize, num_hiddens: usize, seed: u64) -> Self {
        LstmScratch::new(get_lstm_params(vocab_size, num_hiddens, seed))
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
        let mut outputs = Vec::new();
        self.steps.clear();
        for x in time_steps(inputs) {
            let (h_prev, c_prev) = state.clone(); // H_{t-1}, C_{t-1}, [n, h] each
            let i = p.input.affine(&x, &h_prev).mapv(sigmoid); // I_t
            let f = p.forget.affine(&x, &h_prev).mapv(sigmoid); // F_t
            let o = p.output.affine(&x, &h_prev).mapv(sigmoid); // O_t
            let c_tilda = p.candidate.affine(&x, &h_prev).mapv(A::tanh); // C̃_t
            let c = &f * &c_prev + &i * &c_tilda; // C_t
            let tanh_c = c.mapv(A::tanh);
            let h = &o * &tanh_c; // H_t
            outputs.push(h.dot(&p.w_hq) + &p.b_q); // Y_t, [n, q]
            *state = (h.clone(), c);
            let step = LstmStep {
                x,
                h_prev,
                c_prev,
                i,
                f,
                o,
                c_tilda,
                tanh_c,
                h,
            };
            self.steps.push(step);
        }
        self.logits = stack_steps(&outputs, state.0.nrows(), p.vocab_size()); // [T n, q]
        self.logits.view()
    }

    fn backward(&mut self, d_logits: ArrayView2<'_, A>) {
        let p = &self.params;
        let (g, one) = (&mut self.grads, A::one());
        *g = LstmParams::zeros(p.vocab_size(), p.num_hiddens());
        let n = self.steps.first().map_or(0, |s| s.h_prev.nrows());
        let mut d_h_next = Array2::zeros((n, p.num_hiddens())); // from H_{t+1}
        let mut d_c_next = Array2::zeros((n, p.num_hiddens())); // from C_{t+1}
        for (t, s) in self.steps.iter().enumerate().rev() {
            let d_y = step_rows(&d_logits, t, n); // dL/dY_t, [n, q]
            g.w_hq += &s.h.t().dot(&d_y); // dW_hq
            g.b_q += &d_y.sum_axis(Axis(0)); // db_q
            let d_h = d_y.dot(&p.w_hq.t()) + &d_h_next; // dL/dH_t, [n, h]
            let d_c = &d_c_next + &(&d_h * &s.o * s.tanh_c.mapv(|t| one - t * t)); // dL/dC_t
            let d_a_o = &d_h * &s.tanh_c * s.o.mapv(|o| o * (one - o));
            let d_a_i = &d_c * &s.c_tilda * s.i.mapv(|i| i * (one - i));
            let d_a_f = &d_c * &s.c_prev * s.f.mapv(|f| f * (one - f));
            let d_a_c = &d_c * &s.i * s.c_tilda.mapv(|c| one - c * c);
            d_c_next = &d_c * &s.f; // on to C_{t-1}
            d_h_next = Array2::zeros(d_h.raw_dim()); // on to H_{t-1}, through every gate
            for (gate, grad, d_a) in [
                (&p.input, &mut g.input, &d_a_i),
                (&p.forget, &mut g.forget, &d_a_f),
                (&p.output, &mut g.output, &d_a_o),
                (&p.candidate, &mut g.candidate, &d_a_c),
            ] {
                // dW_xg[x_t] += dA, dW_hg += H_{t-1}ᵀ dA, db_g += Σ dA:
                grad.add_grad(&s.x, &s.h_prev, d_a);
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
