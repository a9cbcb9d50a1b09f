//! Long short-term memory (LSTM) from scratch, the book's section after the
//! GRU (d2l zh, PyTorch edition, 6.8): its parameters, the section's `lstm`
//! written for reading, and the same network as a fast [`RecurrentModel`]
//! with backpropagation through time written by hand.

use super::gru::{gather_rows, scatter_rows, sum_rows_into, NormalInit};
use crate::linalg::{matmul, matmul_serial};
use crate::math::vectorized;
use crate::model::{Parameters, Real, RecurrentModel};
use ndarray::{s, Array1, Array2, ArrayView2, ArrayViewD, ArrayViewMutD, Axis, Zip};

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
/// Shapes: `w_x* (d, h)`, `w_h* (h, h)`, `b_* (h,)`, `w_hq (h, q)`, `b_q (q,)`.
/// The tensors are named as in the book (`W_xi`, `W_hi`, `b_i`, `W_xf`, `W_hf`,
/// `b_f`, `W_xo`, `W_ho`, `b_o`, `W_xc`, `W_hc`, `b_c`, `W_hq`, `b_q`, in that
/// order). The same type holds the gradients.
///
/// ```
/// use d2l_rnn::model::Parameters;
/// let p = d2l_rnn::scratch::LstmParams::<f32>::zeros(7, 5);
/// let names: Vec<_> = p.tensors().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["W_xi", "W_hi", "b_i", "W_xf", "W_hf", "b_f", "W_xo", "W_ho", "b_o",
///                    "W_xc", "W_hc", "b_c", "W_hq", "b_q"]);
/// assert_eq!(p.num_elements(), 4 * (7 * 5 + 5 * 5 + 5) + 5 * 7 + 7);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LstmParams<A = f32> {
    /// Input gate, input weights \\(W_{xi}\\), `(vocab_size, num_hiddens)`.
    pub w_xi: Array2<A>,
    /// Input gate, hidden weights \\(W_{hi}\\), `(num_hiddens, num_hiddens)`.
    pub w_hi: Array2<A>,
    /// Input gate bias \\(b_i\\), `(num_hiddens,)`.
    pub b_i: Array1<A>,
    /// Forget gate, input weights \\(W_{xf}\\), `(vocab_size, num_hiddens)`.
    pub w_xf: Array2<A>,
    /// Forget gate, hidden weights \\(W_{hf}\\), `(num_hiddens, num_hiddens)`.
    pub w_hf: Array2<A>,
    /// Forget gate bias \\(b_f\\), `(num_hiddens,)`.
    pub b_f: Array1<A>,
    /// Output gate, input weights \\(W_{xo}\\), `(vocab_size, num_hiddens)`.
    pub w_xo: Array2<A>,
    /// Output gate, hidden weights \\(W_{ho}\\), `(num_hiddens, num_hiddens)`.
    pub w_ho: Array2<A>,
    /// Output gate bias \\(b_o\\), `(num_hiddens,)`.
    pub b_o: Array1<A>,
    /// Candidate cell, input weights \\(W_{xc}\\), `(vocab_size, num_hiddens)`.
    pub w_xc: Array2<A>,
    /// Candidate cell, hidden weights \\(W_{hc}\\), `(num_hiddens, num_hiddens)`.
    pub w_hc: Array2<A>,
    /// Candidate cell bias \\(b_c\\), `(num_hiddens,)`.
    pub b_c: Array1<A>,
    /// Hidden-to-output weights \\(W_{hq}\\), `(num_hiddens, vocab_size)`.
    pub w_hq: Array2<A>,
    /// Output bias \\(b_q\\), `(vocab_size,)`.
    pub b_q: Array1<A>,
}

impl<A: Real> LstmParams<A> {
    /// All-zero parameters (or gradients) for `vocab_size` and `num_hiddens`.
    ///
    /// ```
    /// let g = d2l_rnn::scratch::LstmParams::<f64>::zeros(7, 5);
    /// assert_eq!((g.w_xi.dim(), g.w_hc.dim(), g.w_hq.dim()), ((7, 5), (5, 5), (5, 7)));
    /// assert_eq!(g.b_f.sum(), 0.0);
    /// ```
    pub fn zeros(vocab_size: usize, num_hiddens: usize) -> Self {
        let (d, h) = (vocab_size, num_hiddens);
        LstmParams {
            w_xi: Array2::zeros((d, h)),
            w_hi: Array2::zeros((h, h)),
            b_i: Array1::zeros(h),
            w_xf: Array2::zeros((d, h)),
            w_hf: Array2::zeros((h, h)),
            b_f: Array1::zeros(h),
            w_xo: Array2::zeros((d, h)),
            w_ho: Array2::zeros((h, h)),
            b_o: Array1::zeros(h),
            w_xc: Array2::zeros((d, h)),
            w_hc: Array2::zeros((h, h)),
            b_c: Array1::zeros(h),
            w_hq: Array2::zeros((h, d)),
            b_q: Array1::zeros(d),
        }
    }

    /// The book's initialisation: every weight matrix drawn from
    /// \\(N(0, \mathrm{std}^2)\\) (in the book's order `W_xi, W_hi, W_xf, W_hf,
    /// W_xo, W_ho, W_xc, W_hc, W_hq`) with a generator seeded by `seed`,
    /// biases zero. A NaN or infinite `std` counts as 0.
    ///
    /// ```
    /// use d2l_rnn::scratch::LstmParams;
    /// let a = LstmParams::<f64>::normal(7, 5, 0.01, 1);
    /// assert_eq!(a, LstmParams::<f64>::normal(7, 5, 0.01, 1)); // same seed, same numbers
    /// assert!(a.w_hf.iter().all(|w| w.abs() < 0.1));
    /// assert_eq!(a.b_f.sum(), 0.0);
    /// ```
    pub fn normal(vocab_size: usize, num_hiddens: usize, std: f64, seed: u64) -> Self {
        let (d, h) = (vocab_size, num_hiddens);
        let mut draw = NormalInit::new(std, seed);
        let (w_xi, w_hi) = (draw.matrix((d, h)), draw.matrix((h, h)));
        let (w_xf, w_hf) = (draw.matrix((d, h)), draw.matrix((h, h)));
        let (w_xo, w_ho) = (draw.matrix((d, h)), draw.matrix((h, h)));
        let (w_xc, w_hc) = (draw.matrix((d, h)), draw.matrix((h, h)));
        let w_hq = draw.matrix((h, d));
        LstmParams {
            w_xi,
            w_hi,
            b_i: Array1::zeros(h),
            w_xf,
            w_hf,
            b_f: Array1::zeros(h),
            w_xo,
            w_ho,
            b_o: Array1::zeros(h),
            w_xc,
            w_hc,
            b_c: Array1::zeros(h),
            w_hq,
            b_q: Array1::zeros(d),
        }
    }

    /// Vocabulary size \\(d\\).
    ///
    /// ```
    /// assert_eq!(d2l_rnn::scratch::LstmParams::<f32>::zeros(7, 5).vocab_size(), 7);
    /// ```
    pub fn vocab_size(&self) -> usize {
        self.w_xi.nrows()
    }

    /// Number of hidden units \\(h\\).
    ///
    /// ```
    /// assert_eq!(d2l_rnn::scratch::LstmParams::<f32>::zeros(7, 5).num_hiddens(), 5);
    /// ```
    pub fn num_hiddens(&self) -> usize {
        self.w_hi.nrows()
    }
}

impl<A> Parameters<A> for LstmParams<A> {
    fn tensors(&self) -> Vec<(&'static str, ArrayViewD<'_, A>)> {
        vec![
            ("W_xi", self.w_xi.view().into_dyn()),
            ("W_hi", self.w_hi.view().into_dyn()),
            ("b_i", self.b_i.view().into_dyn()),
            ("W_xf", self.w_xf.view().into_dyn()),
            ("W_hf", self.w_hf.view().into_dyn()),
            ("b_f", self.b_f.view().into_dyn()),
            ("W_xo", self.w_xo.view().into_dyn()),
            ("W_ho", self.w_ho.view().into_dyn()),
            ("b_o", self.b_o.view().into_dyn()),
            ("W_xc", self.w_xc.view().into_dyn()),
            ("W_hc", self.w_hc.view().into_dyn()),
            ("b_c", self.b_c.view().into_dyn()),
            ("W_hq", self.w_hq.view().into_dyn()),
            ("b_q", self.b_q.view().into_dyn()),
        ]
    }

    fn tensors_mut(&mut self) -> Vec<(&'static str, ArrayViewMutD<'_, A>)> {
        vec![
            ("W_xi", self.w_xi.view_mut().into_dyn()),
            ("W_hi", self.w_hi.view_mut().into_dyn()),
            ("b_i", self.b_i.view_mut().into_dyn()),
            ("W_xf", self.w_xf.view_mut().into_dyn()),
            ("W_hf", self.w_hf.view_mut().into_dyn()),
            ("b_f", self.b_f.view_mut().into_dyn()),
            ("W_xo", self.w_xo.view_mut().into_dyn()),
            ("W_ho", self.w_ho.view_mut().into_dyn()),
            ("b_o", self.b_o.view_mut().into_dyn()),
            ("W_xc", self.w_xc.view_mut().into_dyn()),
            ("W_hc", self.w_hc.view_mut().into_dyn()),
            ("b_c", self.b_c.view_mut().into_dyn()),
            ("W_hq", self.w_hq.view_mut().into_dyn()),
            ("b_q", self.b_q.view_mut().into_dyn()),
        ]
    }
}

/// The section's `get_params` for the LSTM: every weight matrix
/// \\(\sim N(0, 0.01^2)\\), all biases 0, for `num_inputs = num_outputs = vocab_size`.
///
/// ```
/// let p = d2l_rnn::scratch::get_lstm_params(1027, 256, 0);
/// assert_eq!((p.w_xi.dim(), p.w_hc.dim(), p.w_hq.dim()), ((1027, 256), (256, 256), (256, 1027)));
/// assert_eq!(p.b_f.sum() + p.b_q.sum(), 0.0);
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
/// and the last state \\((H, C)\\), each `(batch_size, num_hiddens)`. Training
/// uses [`LstmScratch`], which computes the same numbers faster and can run backwards.
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
        let i = (x.dot(&p.w_xi) + h.dot(&p.w_hi) + &p.b_i).mapv(A::sigmoid_fast);
        let f = (x.dot(&p.w_xf) + h.dot(&p.w_hf) + &p.b_f).mapv(A::sigmoid_fast);
        let o = (x.dot(&p.w_xo) + h.dot(&p.w_ho) + &p.b_o).mapv(A::sigmoid_fast);
        let c_tilda = (x.dot(&p.w_xc) + h.dot(&p.w_hc) + &p.b_c).mapv(A::tanh);
        c = &f * &c + &i * &c_tilda;
        h = &o * &c.mapv(A::tanh);
        outputs.push(h.dot(&p.w_hq) + &p.b_q);
    }
    (outputs, (h, c))
}

/// The LSTM as a trainable model, with its backward pass through time written out.
///
/// **Forward**, for inputs \\(x\\) `(batch_size n, num_steps T)` of indices. The
/// input products \\(X_t W_{x\cdot}\\) are row gathers, done for all steps
/// before the recurrence; then for \\(t = 1, \dots, T\\), with
/// \\(A^g_t = W_{xg}\[x_{:,t}\] + H_{t-1} W_{hg} + b_g\\) for \\(g \in \{i, f, o, c\}\\):
/// - \\(I_t = \sigma(A^i_t)\\), \\(F_t = \sigma(A^f_t)\\), \\(O_t = \sigma(A^o_t)\\),
///   \\(\tilde C_t = \tanh(A^c_t)\\)  `// [n, h] each`
/// - \\(C_t = F_t \odot C_{t-1} + I_t \odot \tilde C_t\\), \\(H_t = O_t \odot \tanh C_t\\)  `// [n, h]`
///
/// and one product for all steps, \\(Y = \[H_1; \dots; H_T\] W_{hq} + b_q\\) `(T n, q)`.
///
/// **Backward**, given \\(\partial Y = \partial L / \partial Y\\):
/// - \\(\partial W_{hq} = H^\top \partial Y\\), \\(\partial b_q = \sum_{rows} \partial Y\\),
///   \\(\partial H^{out} = \partial Y\, W_{hq}^\top\\) (all steps in one product);
/// - for \\(t = T, \dots, 1\\), with \\(\partial H_t = \partial H^{out}_t + \partial H_t^{next}\\)
///   and the cell gradient \\(\partial C_t = \partial C_t^{next} + \partial H_t \odot O_t \odot (1 - \tanh^2 C_t)\\)
///   (\\(\partial H_T^{next} = \partial C_T^{next} = 0\\)):
///   - \\(\partial A^o_t = \partial H_t \odot \tanh C_t \odot O_t (1 - O_t)\\),
///   - \\(\partial A^i_t = \partial C_t \odot \tilde C_t \odot I_t (1 - I_t)\\),
///     \\(\partial A^f_t = \partial C_t \odot C_{t-1} \odot F_t (1 - F_t)\\),
///     \\(\partial A^c_t = \partial C_t \odot I_t \odot (1 - \tilde C_t^2)\\),
///   - \\(\partial C_{t-1}^{next} = \partial C_t \odot F_t\\),
///     \\(\partial H_{t-1}^{next} = \sum_{g \in \{i, f, o, c\}} \partial A^g_t W_{hg}^\top\\);
/// - with \\(H_{prev} = \[H_0; \dots; H_{T-1}\]\\), all steps at once:
///   \\(\partial W_{hg} = H_{prev}^\top \partial A^g\\), \\(\partial b_g = \sum \partial A^g\\),
///   \\(\partial W_{xg}\[x_{i,t}\] \mathrel{+}= \partial A^g_t\[i\]\\);
/// - \\((\partial H_0, \partial C_0) = (\partial H_0^{next}, \partial C_0^{next})\\)
///   ([`LstmScratch::state_grad`]); training drops them (the state is detached).
///
/// Buffers are kept between calls, so a training step allocates nothing per time step.
/// The per-step products run on the calling thread (they are small); the
/// output layer's weight gradient runs on a second thread while the pass goes
/// back through time, as in [`super::RnnScratch`].
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
/// assert!(logits.iter().all(|o| o.abs() < 0.01)); // N(0, 0.01²) weights: near-uniform output
/// assert_eq!((state.0.dim(), state.1.dim()), ((2, 256), (2, 256)));
/// assert!(state.1.iter().any(|&c| c != 0.0));
/// ```
#[derive(Clone, Debug)]
pub struct LstmScratch<A = f32> {
    /// The weights.
    pub params: LstmParams<A>,
    /// Their gradients after the last [`RecurrentModel::backward`].
    pub grads: LstmParams<A>,
    /// Inputs of the last forward pass, time-major `(num_steps, batch_size)`.
    inputs: Array2<usize>,
    /// `[H_0; H_1; ...; H_T]`, `((num_steps + 1) * batch_size, num_hiddens)`.
    hiddens: Array2<A>,
    /// `[C_0; C_1; ...; C_T]`, same shape.
    cells: Array2<A>,
    /// `I_t` for all steps, `(num_steps * batch_size, num_hiddens)`; the same for the next four.
    input_gate: Array2<A>,
    /// `F_t`.
    forget_gate: Array2<A>,
    /// `O_t`.
    output_gate: Array2<A>,
    /// `C̃_t`.
    candidate: Array2<A>,
    /// `tanh(C_t)`.
    tanh_cells: Array2<A>,
    /// `Y`, `(num_steps * batch_size, vocab_size)`.
    logits: Array2<A>,
    /// `dY W_hqᵀ`, then the total `dH_t`, `(num_steps * batch_size, num_hiddens)`.
    d_hiddens: Array2<A>,
    /// `dA^i_t`, same shape; the same for the next three.
    d_input: Array2<A>,
    /// `dA^f_t`.
    d_forget: Array2<A>,
    /// `dA^o_t`.
    d_output: Array2<A>,
    /// `dA^c_t`.
    d_candidate: Array2<A>,
    /// `dC_t` of one step, `(batch_size, num_hiddens)`.
    d_cell: Array2<A>,
    /// `dH^next_{t-1}`, ends as `dH_0`, `(batch_size, num_hiddens)`.
    carry_h: Array2<A>,
    /// `dC^next_{t-1}`, ends as `dC_0`, `(batch_size, num_hiddens)`.
    carry_c: Array2<A>,
}

impl<A: Real> LstmScratch<A> {
    /// Wraps parameters (from [`get_lstm_params`] or a checkpoint) into a model.
    ///
    /// ```
    /// use d2l_rnn::model::RecurrentModel;
    /// let model = d2l_rnn::scratch::LstmScratch::new(d2l_rnn::scratch::get_lstm_params(7, 5, 0));
    /// assert_eq!(model.vocab_size(), 7);
    /// let (h, c) = model.begin_state(3);
    /// assert_eq!((h.dim(), c.dim()), ((3, 5), (3, 5)));
    /// ```
    pub fn new(params: LstmParams<A>) -> Self {
        let grads = LstmParams::zeros(params.vocab_size(), params.num_hiddens());
        let empty = || Array2::zeros((0, 0));
        LstmScratch {
            params,
            grads,
            inputs: Array2::zeros((0, 0)),
            hiddens: empty(),
            cells: empty(),
            input_gate: empty(),
            forget_gate: empty(),
            output_gate: empty(),
            candidate: empty(),
            tanh_cells: empty(),
            logits: empty(),
            d_hiddens: empty(),
            d_input: empty(),
            d_forget: empty(),
            d_output: empty(),
            d_candidate: empty(),
            d_cell: empty(),
            carry_h: empty(),
            carry_c: empty(),
        }
    }

    /// Gradients of the loss with respect to the initial state
    /// \\((\partial H_0, \partial C_0)\\), each `(batch_size, num_hiddens)`, from
    /// the last backward pass.
    ///
    /// ```
    /// use d2l_rnn::model::RecurrentModel;
    /// use d2l_rnn::scratch::{LstmParams, LstmScratch};
    /// use ndarray::{array, Array2};
    /// let mut model = LstmScratch::new(LstmParams::<f64>::normal(4, 3, 0.5, 0));
    /// let mut state = (Array2::ones((2, 3)), Array2::ones((2, 3)));
    /// let logits = model.forward(array![[0usize, 1], [2, 3]].view(), &mut state).to_owned();
    /// model.backward(Array2::ones(logits.dim()).view()); // L = sum of all logits
    /// let (d_h, d_c) = model.state_grad();
    /// assert_eq!((d_h.dim(), d_c.dim()), ((2, 3), (2, 3)));
    /// assert!(d_c.iter().all(|g| g.abs() > 0.0));
    /// ```
    pub fn state_grad(&self) -> (ArrayView2<'_, A>, ArrayView2<'_, A>) {
        (self.carry_h.view(), self.carry_c.view())
    }

    /// Resizes the buffers when the batch shape changes (training and
    /// prediction use different shapes); a no-op otherwise.
    fn ensure_buffers(&mut self, batch_size: usize, num_steps: usize) {
        let (h, q) = (self.params.num_hiddens(), self.params.vocab_size());
        let rows = batch_size * num_steps;
        if self.logits.dim() != (rows, q) || self.hiddens.dim() != (rows + batch_size, h) {
            self.inputs = Array2::zeros((num_steps, batch_size));
            self.hiddens = Array2::zeros((rows + batch_size, h));
            self.cells = Array2::zeros((rows + batch_size, h));
            for buffer in [
                &mut self.input_gate,
                &mut self.forget_gate,
                &mut self.output_gate,
                &mut self.candidate,
                &mut self.tanh_cells,
                &mut self.d_hiddens,
                &mut self.d_input,
                &mut self.d_forget,
                &mut self.d_output,
                &mut self.d_candidate,
            ] {
                *buffer = Array2::zeros((rows, h));
            }
            self.logits = Array2::zeros((rows, q));
            for buffer in [&mut self.d_cell, &mut self.carry_h, &mut self.carry_c] {
                *buffer = Array2::zeros((batch_size, h));
            }
        }
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
        let h = self.params.num_hiddens();
        (
            Array2::zeros((batch_size, h)),
            Array2::zeros((batch_size, h)),
        )
    }

    fn forward(
        &mut self,
        inputs: ArrayView2<'_, usize>,
        state: &mut LstmState<A>,
    ) -> ArrayView2<'_, A> {
        let (n, steps) = inputs.dim();
        self.ensure_buffers(n, steps);
        self.inputs.assign(&inputs.t());
        let p = &self.params;
        // Input products of every step at once: X_t W_x· + b_· is a row gather.
        let rows = self.inputs.iter().copied(); // time-major, as the buffers
        gather_rows(self.input_gate.view_mut(), &p.w_xi, &p.b_i, rows.clone()); // [T n, h]
        gather_rows(self.forget_gate.view_mut(), &p.w_xf, &p.b_f, rows.clone());
        gather_rows(self.output_gate.view_mut(), &p.w_xo, &p.b_o, rows.clone());
        gather_rows(self.candidate.view_mut(), &p.w_xc, &p.b_c, rows);
        self.hiddens.slice_mut(s![..n, ..]).assign(&state.0);
        self.cells.slice_mut(s![..n, ..]).assign(&state.1);
        // The recurrence: small products, kept on this thread.
        for t in 0..steps {
            let now = s![t * n..(t + 1) * n, ..];
            let (h_done, mut h_rest) = self.hiddens.view_mut().split_at(Axis(0), (t + 1) * n);
            let (c_done, mut c_rest) = self.cells.view_mut().split_at(Axis(0), (t + 1) * n);
            let h_prev = h_done.slice(s![t * n.., ..]); // [n, h]
            let c_prev = c_done.slice(s![t * n.., ..]); // [n, h]
            let mut i = self.input_gate.slice_mut(now); // [n, h]
            let mut f = self.forget_gate.slice_mut(now); // [n, h]
            let mut o = self.output_gate.slice_mut(now); // [n, h]
            let mut c_tilda = self.candidate.slice_mut(now); // [n, h]
            let mut tanh_c = self.tanh_cells.slice_mut(now); // [n, h]
            matmul_serial(A::one(), &h_prev, &p.w_hi, A::one(), &mut i);
            matmul_serial(A::one(), &h_prev, &p.w_hf, A::one(), &mut f);
            matmul_serial(A::one(), &h_prev, &p.w_ho, A::one(), &mut o);
            matmul_serial(A::one(), &h_prev, &p.w_hc, A::one(), &mut c_tilda);
            vectorized(
                #[inline(always)]
                || {
                    Zip::from(&mut i)
                        .and(&mut f)
                        .and(&mut o)
                        .and(&mut c_tilda)
                        .for_each(|i, f, o, c| {
                            *i = i.sigmoid_fast();
                            *f = f.sigmoid_fast();
                            *o = o.sigmoid_fast();
                            *c = c.tanh_fast();
                        });
                    Zip::from(c_rest.slice_mut(s![..n, ..]))
                        .and(&mut tanh_c)
                        .and(&f)
                        .and(&c_prev)
                        .and(&i)
                        .and(&c_tilda)
                        .for_each(|c, tc, &f, &cp, &i, &ct| {
                            *c = f * cp + i * ct;
                            *tc = c.tanh_fast();
                        });
                    Zip::from(h_rest.slice_mut(s![..n, ..]))
                        .and(&o)
                        .and(&tanh_c)
                        .for_each(|h, &o, &tc| *h = o * tc);
                },
            );
        }
        state.0.assign(&self.hiddens.slice(s![steps * n.., ..]));
        state.1.assign(&self.cells.slice(s![steps * n.., ..]));
        let h_all = self.hiddens.slice(s![n.., ..]); // [T n, h]
        matmul(A::one(), &h_all, &p.w_hq, A::zero(), &mut self.logits);
        self.logits += &p.b_q;
        self.logits.view()
    }

    fn backward(&mut self, d_logits: ArrayView2<'_, A>) {
        let (steps, n) = self.inputs.dim();
        let LstmScratch {
            params: p,
            grads: g,
            inputs,
            hiddens,
            cells,
            input_gate,
            forget_gate,
            output_gate,
            candidate,
            tanh_cells,
            d_hiddens,
            d_input,
            d_forget,
            d_output,
            d_candidate,
            d_cell,
            carry_h,
            carry_c,
            ..
        } = self;
        let h_all = hiddens.slice(s![n.., ..]); // [T n, h]
        let h_prev_all = hiddens.slice(s![..steps * n, ..]); // [T n, h]
        let c_prev_all = cells.slice(s![..steps * n, ..]); // [T n, h]

        // dH^out for all time steps in one product.
        matmul(A::one(), &d_logits, &p.w_hq.t(), A::zero(), d_hiddens);

        // Two independent jobs, one per core: the sequential pass back
        // through time, and the output layer's weight gradient.
        let (w_hq, b_q) = (&mut g.w_hq, &mut g.b_q);
        rayon::join(
            || {
                carry_h.fill(A::zero());
                carry_c.fill(A::zero());
                for t in (0..steps).rev() {
                    let now = s![t * n..(t + 1) * n, ..];
                    let mut d_h = d_hiddens.slice_mut(now); // [n, h], becomes dH_t
                    let (i, f) = (input_gate.slice(now), forget_gate.slice(now));
                    let (o, c_tilda) = (output_gate.slice(now), candidate.slice(now));
                    let tanh_c = tanh_cells.slice(now);
                    let c_prev = c_prev_all.slice(now);
                    let mut d_ai = d_input.slice_mut(now); // [n, h]
                    let mut d_af = d_forget.slice_mut(now); // [n, h]
                    let mut d_ao = d_output.slice_mut(now); // [n, h]
                    let mut d_ac = d_candidate.slice_mut(now); // [n, h]
                    d_h += &*carry_h;
                    Zip::from(&mut *d_cell)
                        .and(&mut d_ao)
                        .and(&*carry_c)
                        .and(&d_h)
                        .and(&o)
                        .and(&tanh_c)
                        .for_each(|dc, d_ao, &cc, &dh, &o, &tc| {
                            *dc = cc + dh * o * (A::one() - tc * tc);
                            *d_ao = dh * tc * o * (A::one() - o);
                        });
                    Zip::from(&mut d_ai)
                        .and(&mut d_ac)
                        .and(&*d_cell)
                        .and(&i)
                        .and(&c_tilda)
                        .for_each(|d_ai, d_ac, &dc, &i, &ct| {
                            *d_ai = dc * ct * i * (A::one() - i);
                            *d_ac = dc * i * (A::one() - ct * ct);
                        });
                    Zip::from(&mut d_af)
                        .and(&mut *carry_c)
                        .and(&*d_cell)
                        .and(&c_prev)
                        .and(&f)
                        .for_each(|d_af, cc, &dc, &cp, &f| {
                            *d_af = dc * cp * f * (A::one() - f);
                            *cc = dc * f;
                        });
                    matmul_serial(A::one(), &d_ai, &p.w_hi.t(), A::zero(), carry_h);
                    matmul_serial(A::one(), &d_af, &p.w_hf.t(), A::one(), carry_h);
                    matmul_serial(A::one(), &d_ao, &p.w_ho.t(), A::one(), carry_h);
                    matmul_serial(A::one(), &d_ac, &p.w_hc.t(), A::one(), carry_h);
                }
            },
            || {
                matmul_serial(A::one(), &h_all.t(), &d_logits, A::zero(), w_hq);
                sum_rows_into(b_q, d_logits);
            },
        );

        // Gate weights, all time steps at once.
        let rows = inputs.iter().copied();
        for (w_h, w_x, b, d_a) in [
            (&mut g.w_hi, &mut g.w_xi, &mut g.b_i, &*d_input),
            (&mut g.w_hf, &mut g.w_xf, &mut g.b_f, &*d_forget),
            (&mut g.w_ho, &mut g.w_xo, &mut g.b_o, &*d_output),
            (&mut g.w_hc, &mut g.w_xc, &mut g.b_c, &*d_candidate),
        ] {
            matmul(A::one(), &h_prev_all.t(), d_a, A::zero(), w_h);
            scatter_rows(w_x, b, d_a.view(), rows.clone());
        }
    }

    fn params(&self) -> &LstmParams<A> {
        &self.params
    }

    fn params_and_grads(&mut self) -> (&mut LstmParams<A>, &mut LstmParams<A>) {
        (&mut self.params, &mut self.grads)
    }
}
