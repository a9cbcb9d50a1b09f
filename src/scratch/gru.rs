//! The gated recurrent unit (GRU) from scratch in one file, the book's section
//! after the RNN (d2l zh, PyTorch edition, 6.7): its parameters and
//! `get_params`, `init_gru_state`, `gru`, and the same network as a model
//! whose backward pass is written out step by step.
//!
//! The PyTorch port's code computes the candidate with `R * (H W_hh)`, which
//! is not its own equation; here the code follows the equation,
//! \\((R_t \odot H_{t-1}) W_{hh}\\), as the MXNet original does.

use super::gate::{gated_tensors, gated_tensors_mut, Gate, GateNames, GatedParams};
use super::steps::{sigmoid, stack_steps, step_rows, time_steps};
use crate::model::{Parameters, RecurrentModel, RecurrentModelExt};
use crate::real::Real;
use ndarray::{Array1, Array2, ArrayView2, ArrayViewD, ArrayViewMutD, Axis};

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

/// The section's `init_gru_state`: a zero hidden state `(batch_size, num_hiddens)`
/// (the book wraps it in a one-element tuple; here it is the matrix itself).
///
/// ```
/// let h = d2l_rnn::scratch::init_gru_state(2, 256);
/// assert_eq!(h.dim(), (2, 256));
/// assert_eq!(h.sum(), 0.0);
/// ```
pub fn init_gru_state(batch_size: usize, num_hiddens: usize) -> Array2<f32> {
    Array2::zeros((batch_size, num_hiddens))
}

/// The section's `gru`, written for reading: for each one-hot input \\(X_t\\)
/// `(batch_size, vocab_size)`,
///
/// \\[ \begin{aligned}
/// Z_t &= \sigma(X_t W_{xz} + H_{t-1} W_{hz} + b_z), &
/// R_t &= \sigma(X_t W_{xr} + H_{t-1} W_{hr} + b_r), \\\\
/// \tilde H_t &= \tanh(X_t W_{xh} + (R_t \odot H_{t-1}) W_{hh} + b_h), &
/// H_t &= Z_t \odot H_{t-1} + (1 - Z_t) \odot \tilde H_t, \\\\
/// Y_t &= H_t W_{hq} + b_q.
/// \end{aligned} \\]
///
/// Returns the outputs \\(Y_t\\) (`num_steps` matrices `(batch_size, vocab_size)`)
/// and the last state `(batch_size, num_hiddens)`. [`GruScratch`] is the same network as
/// a model that can also run backwards; training runs its parameters
/// through the one engine as [`crate::fast::GruFast`].
///
/// Two steps by hand, two characters, one hidden unit, \\(H_0 = 0.3\\), inputs
/// 0 then 1, gates \\((W_x, W_h, b)\\): update \\(((0.2, -0.4), 0.5, 0.1)\\), reset
/// \\(((-0.3, 0.6), -0.2, 0)\\), candidate \\(((0.7, -0.5), 0.9, -0.1)\\):
/// \\(Z_1 = \sigma(0.2 + 0.5 \cdot 0.3 + 0.1) = 0.610639\\),
/// \\(R_1 = \sigma(-0.3 - 0.2 \cdot 0.3) = 0.410960\\),
/// \\(\tilde H_1 = \tanh(0.7 + 0.9 R_1 H_0 - 0.1) = 0.611278\\),
/// \\(H_1 = Z_1 H_0 + (1 - Z_1) \tilde H_1 = 0.421199\\), and from it \\(H_2 = 0.019662\\).
///
/// ```
/// use d2l_rnn::scratch::{gru, to_onehot, Gate, GruParams};
/// use ndarray::array;
/// let gate = |w_x: [f64; 2], w_h, b| Gate { w_x: array![[w_x[0]], [w_x[1]]], w_h: array![[w_h]], b: array![b] };
/// let params = GruParams {
///     update: gate([0.2, -0.4], 0.5, 0.1),
///     reset: gate([-0.3, 0.6], -0.2, 0.0),
///     candidate: gate([0.7, -0.5], 0.9, -0.1),
///     w_hq: array![[1.0, -1.0]],
///     b_q: array![0.0, 0.2],
/// };
/// let (outputs, state) = gru(&to_onehot(array![[0usize, 1]].view(), 2), &array![[0.3]], &params);
/// assert!((outputs[0][[0, 0]] - 0.421199).abs() < 1e-6); // Y_1 = (H_1, 0.2 - H_1)
/// assert!((state[[0, 0]] - 0.019662).abs() < 1e-6); // H_2
/// ```
pub fn gru<A: Real>(
    inputs: &[Array2<A>],
    state: &Array2<A>,
    params: &GruParams<A>,
) -> (Vec<Array2<A>>, Array2<A>) {
    let p = params;
    let mut h = state.clone();
    let mut outputs = Vec::with_capacity(inputs.len());
    for x in inputs {
        let (zg, rg, hg) = (&p.update, &p.reset, &p.candidate);
        let z = (x.dot(&zg.w_x) + h.dot(&zg.w_h) + &zg.b).mapv(sigmoid);
        let r = (x.dot(&rg.w_x) + h.dot(&rg.w_h) + &rg.b).mapv(sigmoid);
        let h_tilda = (x.dot(&hg.w_x) + (&r * &h).dot(&hg.w_h) + &hg.b).mapv(A::tanh);
        h = &z * &h + (z.mapv(|z| A::one() - z) * &h_tilda);
        outputs.push(h.dot(&p.w_hq) + &p.b_q);
    }
    (outputs, h)
}

/// What one forward step keeps for the backward pass: the inputs \\(x_t\\)
/// (one index per sequence), then each `(batch_size, num_hiddens)`.
#[derive(Clone, Debug)]
struct GruStep<A> {
    x: Vec<usize>,
    h_prev: Array2<A>,
    z: Array2<A>,
    r: Array2<A>,
    h_tilda: Array2<A>,
    h: Array2<A>,
}

/// The GRU as a model to read: forward, and backpropagation through time by
/// hand, one time step at a time.
///
/// **Forward**, step \\(t\\) (\\(X_t W_{x\cdot}\\) is the row gather
/// \\(W_{x\cdot}\[x_t\]\\)):
/// \\(Z_t = \sigma(A^z_t)\\), \\(R_t = \sigma(A^r_t)\\) with
/// \\(A^g_t = X_t W_{xg} + H_{t-1} W_{hg} + b_g\\);
/// \\(\tilde H_t = \tanh(A^h_t)\\) with \\(A^h_t = X_t W_{xh} + (R_t \odot H_{t-1}) W_{hh} + b_h\\);
/// \\(H_t = Z_t \odot H_{t-1} + (1 - Z_t) \odot \tilde H_t\\); \\(Y_t = H_t W_{hq} + b_q\\).
///
/// **Backward**, for \\(t = T, \dots, 1\\) with \\(\partial H_T^{next} = 0\\)
/// (\\(\sigma' = \sigma (1 - \sigma)\\), \\(\tanh' = 1 - \tanh^2\\)):
///
/// \\[ \begin{aligned}
/// \partial H_t &= \partial Y_t W_{hq}^\top + \partial H_t^{next}, \\\\
/// \partial A^h_t &= \partial H_t \odot (1 - Z_t) \odot (1 - \tilde H_t^2), \qquad
/// \partial A^z_t = \partial H_t \odot (H_{t-1} - \tilde H_t) \odot Z_t (1 - Z_t), \\\\
/// \partial (R_t \odot H_{t-1}) &= \partial A^h_t W_{hh}^\top, \qquad
/// \partial A^r_t = \partial (R_t \odot H_{t-1}) \odot H_{t-1} \odot R_t (1 - R_t), \\\\
/// \partial H_{t-1}^{next} &= \partial H_t \odot Z_t + \partial (R_t \odot H_{t-1}) \odot R_t
/// \quad + \partial A^z_t W_{hz}^\top + \partial A^r_t W_{hr}^\top,
/// \end{aligned} \\]
///
/// and each gate's weights collect \\(\partial A^g_t\\) as in [`super::Gate::add_grad`]
/// (the candidate with \\(R_t \odot H_{t-1}\\) as its hidden input), the
/// output layer \\(\partial W_{hq} \mathrel{+}= H_t^\top \partial Y_t\\).
///
/// The two steps of [`gru`]'s example, with targets 1 then 0 and the mean
/// cross-entropy (loss 0.920888), worked backwards by hand: the candidate's
/// \\(\partial W_{xh} = (0.051250, -0.248031)\\) (rows 0 and 1),
/// \\(\partial W_{hh} = -0.059096\\), \\(\partial b_h = -0.196782\\),
/// and \\(\partial H_0 = 0.138834\\):
///
/// ```
/// use d2l_rnn::loss::softmax_cross_entropy;
/// use d2l_rnn::model::{RecurrentModel, RecurrentModelExt};
/// use d2l_rnn::scratch::{Gate, GruParams, GruScratch};
/// use ndarray::{array, Array2};
/// let gate = |w_x: [f64; 2], w_h, b| Gate { w_x: array![[w_x[0]], [w_x[1]]], w_h: array![[w_h]], b: array![b] };
/// let mut model = GruScratch::new(GruParams {
///     update: gate([0.2, -0.4], 0.5, 0.1),
///     reset: gate([-0.3, 0.6], -0.2, 0.0),
///     candidate: gate([0.7, -0.5], 0.9, -0.1),
///     w_hq: array![[1.0, -1.0]],
///     b_q: array![0.0, 0.2],
/// });
/// let mut state = array![[0.3]];
/// let logits = model.forward(array![[0usize, 1]].view(), &mut state).to_owned();
/// let mut d = Array2::zeros(logits.dim());
/// let loss = softmax_cross_entropy(logits.view(), array![[1usize, 0]].view(), d.view_mut());
/// model.backward(d.view());
/// let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
/// let c = &model.grads.candidate;
/// assert!(close(loss, 0.920888) && close(c.w_x[[0, 0]], 0.051250) && close(c.w_x[[1, 0]], -0.248031));
/// assert!(close(c.w_h[[0, 0]], -0.059096) && close(c.b[0], -0.196782));
/// assert!(close(model.state_grad()[[0, 0]], 0.138834)); // dH_0
/// ```
#[derive(Clone, Debug)]
pub struct GruScratch<A = f32> {
    /// The weights.
    pub params: GruParams<A>,
    /// Their gradients after the last [`RecurrentModel::backward`].
    pub grads: GruParams<A>,
    /// What each step of the last forward pass kept.
    steps: Vec<GruStep<A>>,
    /// \\(Y_1; \dots; Y_T\\) stacked, `(num_steps * batch_size, vocab_size)`.
    logits: Array2<A>,
    /// \\(\partial L / \partial H_0\\) after the last backward pass.
    d_state: Array2<A>,
}

impl<A: Real> GruScratch<A> {
    /// Wraps parameters (from [`get_gru_params`] or a checkpoint) into a model.
    pub fn new(params: GruParams<A>) -> Self {
        let grads = GruParams::zeros(params.vocab_size(), params.num_hiddens());
        GruScratch {
            params,
            grads,
            steps: Vec::new(),
            logits: Array2::zeros((0, 0)),
            d_state: Array2::zeros((0, 0)),
        }
    }
}

impl GruScratch<f32> {
    /// The model with the book's initialisation [`get_gru_params`]:
    /// a builder for [`crate::train::train_and_predict_rnn`].
    ///
    /// ```
    /// use d2l_rnn::model::RecurrentModel;
    /// assert_eq!(d2l_rnn::scratch::GruScratch::init(7, 5, 0).begin_state(3).dim(), (3, 5));
    /// ```
    pub fn init(vocab_size: usize, num_hiddens: usize, seed: u64) -> Self {
        GruScratch::new(get_gru_params(vocab_size, num_hiddens, seed))
    }
}

impl<A: Real> RecurrentModel for GruScratch<A> {
    type Elem = A;
    type State = Array2<A>;
    type Params = GruParams<A>;

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
        let one = A::one();
        let mut outputs = Vec::new();
        self.steps.clear();
        for x in time_steps(inputs) {
            let h_prev = state.clone(); // H_{t-1}, [n, h]
            let z = p.update.affine(&x, &h_prev).mapv(sigmoid); // Z_t
            let r = p.reset.affine(&x, &h_prev).mapv(sigmoid); // R_t
            let h_tilda = p.candidate.affine(&x, &(&r * &h_prev)).mapv(A::tanh); // H̃_t
            let h = &z * &h_prev + &(z.mapv(|z| one - z) * &h_tilda); // H_t
            outputs.push(h.dot(&p.w_hq) + &p.b_q); // Y_t, [n, q]
            state.assign(&h);
            self.steps.push(GruStep {
                x,
                h_prev,
                z,
                r,
                h_tilda,
                h,
            });
        }
        self.logits = stack_steps(&outputs, state.nrows(), p.vocab_size()); // [T n, q]
        self.logits.view()
    }

    fn backward(&mut self, d_logits: ArrayView2<'_, A>) {
        let n = self.steps.first().map_or(0, |s| s.h_prev.nrows()); // sequences
        let p = &self.params;
        let (g, one) = (&mut self.grads, A::one());
        *g = GruParams::zeros(p.vocab_size(), p.num_hiddens());
        let mut d_h_next = Array2::zeros((n, p.num_hiddens())); // from H_{t+1}
        for (t, step) in self.steps.iter().enumerate().rev() {
            let GruStep {
                x,
                h_prev,
                z,
                r,
                h_tilda,
                h,
            } = step;
            let d_y = step_rows(&d_logits, t, n); // dL/dY_t, [n, q]
            g.w_hq += &h.t().dot(&d_y); // dW_hq
            g.b_q += &d_y.sum_axis(Axis(0)); // db_q
            let d_h = d_y.dot(&p.w_hq.t()) + &d_h_next; // dL/dH_t, [n, h]
            let d_a_h = &d_h * &z.mapv(|z| one - z) * h_tilda.mapv(|h| one - h * h);
            let d_a_z = &d_h * &(h_prev - h_tilda) * z.mapv(|z| z * (one - z));
            let d_rh = d_a_h.dot(&p.candidate.w_h.t()); // dL/d(R ⊙ H_{t-1})
            let d_a_r = &d_rh * h_prev * r.mapv(|r| r * (one - r));
            // Each gate's dW_x[x_t] += dA, dW_h += (its hidden input)ᵀ dA, db += Σ dA:
            g.candidate.add_grad(x, &(r * h_prev), &d_a_h); // dW_xh, dW_hh, db_h
            g.update.add_grad(x, h_prev, &d_a_z); // dW_xz, dW_hz, db_z
            g.reset.add_grad(x, h_prev, &d_a_r); // dW_xr, dW_hr, db_r
            d_h_next = &d_h * z + &d_rh * r; // on to H_{t-1}, directly and through the gates
            d_h_next += &d_a_z.dot(&p.update.w_h.t());
            d_h_next += &d_a_r.dot(&p.reset.w_h.t());
        }
        self.d_state = d_h_next;
    }

    fn params(&self) -> &GruParams<A> {
        &self.params
    }

    fn params_and_grads(&mut self) -> (&mut GruParams<A>, &mut GruParams<A>) {
        (&mut self.params, &mut self.grads)
    }
}

impl<A: Real> RecurrentModelExt for GruScratch<A> {
    fn state_grad(&self) -> Array2<A> {
        self.d_state.clone()
    }
}
