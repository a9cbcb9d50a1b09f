//! The gated recurrent unit (GRU) from scratch, the book's section after the
//! RNN (d2l zh, PyTorch edition, 6.7): its parameters, the section's `gru`
//! written for reading, and the same network as a fast [`RecurrentModel`]
//! with backpropagation through time written by hand.
//!
//! The PyTorch port's code computes the candidate with `R * (H W_hh)`, which
//! is not its own equation; here the code follows the equation,
//! \\((R_t \odot H_{t-1}) W_{hh}\\), as the MXNet original does.

use crate::linalg::{matmul, matmul_serial};
use crate::math::vectorized;
use crate::model::{Parameters, Real, RecurrentModel};
use ndarray::{s, Array1, Array2, ArrayView2, ArrayViewD, ArrayViewMut2, ArrayViewMutD, Axis, Zip};
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::SeedableRng;
use ndarray_rand::rand_distr::{Distribution, Normal};

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
/// Shapes: `w_x* (d, h)`, `w_h* (h, h)`, `b_* (h,)`, `w_hq (h, q)`, `b_q (q,)`.
/// The tensors are named as in the book (`W_xz`, `W_hz`, `b_z`, `W_xr`, `W_hr`,
/// `b_r`, `W_xh`, `W_hh`, `b_h`, `W_hq`, `b_q`, in that order). The same type
/// holds the gradients.
///
/// ```
/// use d2l_rnn::model::Parameters;
/// let p = d2l_rnn::scratch::GruParams::<f32>::zeros(7, 5);
/// let names: Vec<_> = p.tensors().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["W_xz", "W_hz", "b_z", "W_xr", "W_hr", "b_r", "W_xh", "W_hh", "b_h", "W_hq", "b_q"]);
/// assert_eq!(p.num_elements(), 3 * (7 * 5 + 5 * 5 + 5) + 5 * 7 + 7);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GruParams<A = f32> {
    /// Update gate, input weights \\(W_{xz}\\), `(vocab_size, num_hiddens)`.
    pub w_xz: Array2<A>,
    /// Update gate, hidden weights \\(W_{hz}\\), `(num_hiddens, num_hiddens)`.
    pub w_hz: Array2<A>,
    /// Update gate bias \\(b_z\\), `(num_hiddens,)`.
    pub b_z: Array1<A>,
    /// Reset gate, input weights \\(W_{xr}\\), `(vocab_size, num_hiddens)`.
    pub w_xr: Array2<A>,
    /// Reset gate, hidden weights \\(W_{hr}\\), `(num_hiddens, num_hiddens)`.
    pub w_hr: Array2<A>,
    /// Reset gate bias \\(b_r\\), `(num_hiddens,)`.
    pub b_r: Array1<A>,
    /// Candidate state, input weights \\(W_{xh}\\), `(vocab_size, num_hiddens)`.
    pub w_xh: Array2<A>,
    /// Candidate state, hidden weights \\(W_{hh}\\), `(num_hiddens, num_hiddens)`.
    pub w_hh: Array2<A>,
    /// Candidate state bias \\(b_h\\), `(num_hiddens,)`.
    pub b_h: Array1<A>,
    /// Hidden-to-output weights \\(W_{hq}\\), `(num_hiddens, vocab_size)`.
    pub w_hq: Array2<A>,
    /// Output bias \\(b_q\\), `(vocab_size,)`.
    pub b_q: Array1<A>,
}

impl<A: Real> GruParams<A> {
    /// All-zero parameters (or gradients) for `vocab_size` and `num_hiddens`.
    ///
    /// ```
    /// let g = d2l_rnn::scratch::GruParams::<f64>::zeros(7, 5);
    /// assert_eq!((g.w_xz.dim(), g.w_hr.dim(), g.w_hq.dim()), ((7, 5), (5, 5), (5, 7)));
    /// assert_eq!(g.b_h.sum(), 0.0);
    /// ```
    pub fn zeros(vocab_size: usize, num_hiddens: usize) -> Self {
        let (d, h) = (vocab_size, num_hiddens);
        GruParams {
            w_xz: Array2::zeros((d, h)),
            w_hz: Array2::zeros((h, h)),
            b_z: Array1::zeros(h),
            w_xr: Array2::zeros((d, h)),
            w_hr: Array2::zeros((h, h)),
            b_r: Array1::zeros(h),
            w_xh: Array2::zeros((d, h)),
            w_hh: Array2::zeros((h, h)),
            b_h: Array1::zeros(h),
            w_hq: Array2::zeros((h, d)),
            b_q: Array1::zeros(d),
        }
    }

    /// The book's initialisation: every weight matrix drawn from
    /// \\(N(0, \mathrm{std}^2)\\) (in the book's order `W_xz, W_hz, W_xr, W_hr,
    /// W_xh, W_hh, W_hq`) with a generator seeded by `seed`, biases zero.
    /// A NaN or infinite `std` counts as 0.
    ///
    /// ```
    /// use d2l_rnn::scratch::GruParams;
    /// let a = GruParams::<f64>::normal(7, 5, 0.01, 1);
    /// assert_eq!(a, GruParams::<f64>::normal(7, 5, 0.01, 1)); // same seed, same numbers
    /// assert!(a.w_hh.iter().all(|w| w.abs() < 0.1));
    /// assert_eq!(a.b_z.sum(), 0.0);
    /// ```
    pub fn normal(vocab_size: usize, num_hiddens: usize, std: f64, seed: u64) -> Self {
        let (d, h) = (vocab_size, num_hiddens);
        let mut draw = NormalInit::new(std, seed);
        let (w_xz, w_hz) = (draw.matrix((d, h)), draw.matrix((h, h)));
        let (w_xr, w_hr) = (draw.matrix((d, h)), draw.matrix((h, h)));
        let (w_xh, w_hh) = (draw.matrix((d, h)), draw.matrix((h, h)));
        let w_hq = draw.matrix((h, d));
        GruParams {
            w_xz,
            w_hz,
            b_z: Array1::zeros(h),
            w_xr,
            w_hr,
            b_r: Array1::zeros(h),
            w_xh,
            w_hh,
            b_h: Array1::zeros(h),
            w_hq,
            b_q: Array1::zeros(d),
        }
    }

    /// Vocabulary size \\(d\\).
    ///
    /// ```
    /// assert_eq!(d2l_rnn::scratch::GruParams::<f32>::zeros(7, 5).vocab_size(), 7);
    /// ```
    pub fn vocab_size(&self) -> usize {
        self.w_xz.nrows()
    }

    /// Number of hidden units \\(h\\).
    ///
    /// ```
    /// assert_eq!(d2l_rnn::scratch::GruParams::<f32>::zeros(7, 5).num_hiddens(), 5);
    /// ```
    pub fn num_hiddens(&self) -> usize {
        self.w_hz.nrows()
    }
}

impl<A> Parameters<A> for GruParams<A> {
    fn tensors(&self) -> Vec<(&'static str, ArrayViewD<'_, A>)> {
        vec![
            ("W_xz", self.w_xz.view().into_dyn()),
            ("W_hz", self.w_hz.view().into_dyn()),
            ("b_z", self.b_z.view().into_dyn()),
            ("W_xr", self.w_xr.view().into_dyn()),
            ("W_hr", self.w_hr.view().into_dyn()),
            ("b_r", self.b_r.view().into_dyn()),
            ("W_xh", self.w_xh.view().into_dyn()),
            ("W_hh", self.w_hh.view().into_dyn()),
            ("b_h", self.b_h.view().into_dyn()),
            ("W_hq", self.w_hq.view().into_dyn()),
            ("b_q", self.b_q.view().into_dyn()),
        ]
    }

    fn tensors_mut(&mut self) -> Vec<(&'static str, ArrayViewMutD<'_, A>)> {
        vec![
            ("W_xz", self.w_xz.view_mut().into_dyn()),
            ("W_hz", self.w_hz.view_mut().into_dyn()),
            ("b_z", self.b_z.view_mut().into_dyn()),
            ("W_xr", self.w_xr.view_mut().into_dyn()),
            ("W_hr", self.w_hr.view_mut().into_dyn()),
            ("b_r", self.b_r.view_mut().into_dyn()),
            ("W_xh", self.w_xh.view_mut().into_dyn()),
            ("W_hh", self.w_hh.view_mut().into_dyn()),
            ("b_h", self.b_h.view_mut().into_dyn()),
            ("W_hq", self.w_hq.view_mut().into_dyn()),
            ("b_q", self.b_q.view_mut().into_dyn()),
        ]
    }
}

/// The section's `get_params` for the GRU: \\(W_{xz}, W_{hz}, W_{xr}, W_{hr},
/// W_{xh}, W_{hh}, W_{hq} \sim N(0, 0.01^2)\\), all biases 0, for
/// `num_inputs = num_outputs = vocab_size`.
///
/// ```
/// let p = d2l_rnn::scratch::get_gru_params(1027, 256, 0);
/// assert_eq!((p.w_xz.dim(), p.w_hh.dim(), p.w_hq.dim()), ((1027, 256), (256, 256), (256, 1027)));
/// assert_eq!(p.b_r.sum() + p.b_q.sum(), 0.0);
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
/// and the last state `(batch_size, num_hiddens)`. Training uses [`GruScratch`],
/// which computes the same numbers faster and can run backwards.
///
/// ```
/// use d2l_rnn::scratch::{get_gru_params, gru, init_gru_state, to_onehot};
/// use ndarray::Array2;
/// let x = Array2::from_shape_vec((2, 5), (0..10).collect()).unwrap();
/// let params = get_gru_params(1027, 256, 0);
/// let (outputs, state) = gru(&to_onehot(x.view(), 1027), &init_gru_state(2, 256), &params);
/// assert_eq!((outputs.len(), outputs[0].dim()), (5, (2, 1027)));
/// assert_eq!(state.dim(), (2, 256));
/// assert!(state.iter().all(|h| h.abs() < 0.05)); // small weights, small state
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
        let z = (x.dot(&p.w_xz) + h.dot(&p.w_hz) + &p.b_z).mapv(A::sigmoid_fast);
        let r = (x.dot(&p.w_xr) + h.dot(&p.w_hr) + &p.b_r).mapv(A::sigmoid_fast);
        let h_tilda = (x.dot(&p.w_xh) + (&r * &h).dot(&p.w_hh) + &p.b_h).mapv(A::tanh);
        h = &z * &h + (z.mapv(|z| A::one() - z) * &h_tilda);
        outputs.push(h.dot(&p.w_hq) + &p.b_q);
    }
    (outputs, h)
}

/// The GRU as a trainable model, with its backward pass through time written out.
///
/// **Forward**, for inputs \\(x\\) `(batch_size n, num_steps T)` of indices. The
/// input products \\(X_t W_{x\cdot}\\) are row gathers, done for all steps
/// before the recurrence; then for \\(t = 1, \dots, T\\):
/// - \\(Z_t = \sigma(W_{xz}\[x_{:,t}\] + H_{t-1} W_{hz} + b_z)\\),
///   \\(R_t = \sigma(W_{xr}\[x_{:,t}\] + H_{t-1} W_{hr} + b_r)\\)  `// [n, h]`
/// - \\(\tilde H_t = \tanh(W_{xh}\[x_{:,t}\] + (R_t \odot H_{t-1}) W_{hh} + b_h)\\)  `// [n, h]`
/// - \\(H_t = Z_t \odot H_{t-1} + (1 - Z_t) \odot \tilde H_t\\)  `// [n, h]`
///
/// and one product for all steps, \\(O = \[H_1; \dots; H_T\] W_{hq} + b_q\\) `(T n, q)`.
///
/// **Backward**, given \\(\partial O = \partial L / \partial O\\):
/// - \\(\partial W_{hq} = H^\top \partial O\\), \\(\partial b_q = \sum_{rows} \partial O\\),
///   \\(\partial H^{out} = \partial O\, W_{hq}^\top\\) (all steps in one product);
/// - for \\(t = T, \dots, 1\\), with \\(\partial H_t = \partial H^{out}_t + \partial H_t^{next}\\)
///   (\\(\partial H_T^{next} = 0\\)):
///   - \\(\partial A^h_t = \partial H_t \odot (1 - Z_t) \odot (1 - \tilde H_t^2)\\) (candidate pre-activation),
///   - \\(\partial A^z_t = \partial H_t \odot (H_{t-1} - \tilde H_t) \odot Z_t (1 - Z_t)\\),
///   - \\(\partial (R_t \odot H_{t-1}) = \partial A^h_t W_{hh}^\top\\),
///     \\(\partial A^r_t = \partial (R_t \odot H_{t-1}) \odot H_{t-1} \odot R_t (1 - R_t)\\),
///   - \\(\partial H_{t-1}^{next} = \partial H_t \odot Z_t + \partial (R_t \odot H_{t-1}) \odot R_t
///     + \partial A^z_t W_{hz}^\top + \partial A^r_t W_{hr}^\top\\);
/// - with \\(H_{prev} = \[H_0; \dots; H_{T-1}\]\\), all steps at once:
///   \\(\partial W_{hz} = H_{prev}^\top \partial A^z\\), \\(\partial W_{hr} = H_{prev}^\top \partial A^r\\),
///   \\(\partial W_{hh} = \[R \odot H_{prev}\]^\top \partial A^h\\), \\(\partial b_\cdot = \sum \partial A^\cdot\\),
///   \\(\partial W_{x\cdot}\[x_{i,t}\] \mathrel{+}= \partial A^\cdot_t\[i\]\\);
/// - \\(\partial H_0 = \partial H_0^{next}\\) ([`GruScratch::state_grad`]); training
///   drops it (the state is detached).
///
/// Buffers are kept between calls, so a training step allocates nothing per time step.
/// The per-step products run on the calling thread (they are small); the
/// output layer's weight gradient runs on a second thread while the pass goes
/// back through time, as in [`super::RnnScratch`].
///
/// ```
/// use d2l_rnn::model::RecurrentModel;
/// use d2l_rnn::scratch::{get_gru_params, GruScratch};
/// use ndarray::Array2;
/// let mut model = GruScratch::new(get_gru_params(1027, 256, 0));
/// let x = Array2::from_shape_vec((2, 5), (0..10).collect()).unwrap();
/// let mut state = model.begin_state(2);
/// let logits = model.forward(x.view(), &mut state);
/// assert_eq!(logits.dim(), (10, 1027)); // (num_steps * batch_size, vocab_size)
/// assert!(logits.iter().all(|o| o.abs() < 0.01)); // N(0, 0.01²) weights: near-uniform output
/// assert_eq!(state.dim(), (2, 256));
/// assert!(state.iter().any(|&h| h != 0.0));
/// ```
#[derive(Clone, Debug)]
pub struct GruScratch<A = f32> {
    /// The weights.
    pub params: GruParams<A>,
    /// Their gradients after the last [`RecurrentModel::backward`].
    pub grads: GruParams<A>,
    /// Inputs of the last forward pass, time-major `(num_steps, batch_size)`.
    inputs: Array2<usize>,
    /// `[H_0; H_1; ...; H_T]`, `((num_steps + 1) * batch_size, num_hiddens)`.
    hiddens: Array2<A>,
    /// `Z_t` for all steps, `(num_steps * batch_size, num_hiddens)`; the same for the next three.
    update: Array2<A>,
    /// `R_t`.
    reset: Array2<A>,
    /// `H̃_t`.
    candidate: Array2<A>,
    /// `R_t ⊙ H_{t-1}`.
    reset_hidden: Array2<A>,
    /// `O`, `(num_steps * batch_size, vocab_size)`.
    logits: Array2<A>,
    /// `dO W_hqᵀ`, then the total `dH_t`, `(num_steps * batch_size, num_hiddens)`.
    d_hiddens: Array2<A>,
    /// `dA^z_t`, same shape.
    d_update: Array2<A>,
    /// `dA^r_t`, same shape.
    d_reset: Array2<A>,
    /// `dA^h_t`, same shape.
    d_candidate: Array2<A>,
    /// `d(R_t ⊙ H_{t-1})` of one step, `(batch_size, num_hiddens)`.
    d_reset_hidden: Array2<A>,
    /// `dH^next_{t-1}`, ends as `dH_0`, `(batch_size, num_hiddens)`.
    carry: Array2<A>,
}

impl<A: Real> GruScratch<A> {
    /// Wraps parameters (from [`get_gru_params`] or a checkpoint) into a model.
    ///
    /// ```
    /// use d2l_rnn::model::RecurrentModel;
    /// let model = d2l_rnn::scratch::GruScratch::new(d2l_rnn::scratch::get_gru_params(7, 5, 0));
    /// assert_eq!(model.vocab_size(), 7);
    /// assert_eq!(model.begin_state(3).dim(), (3, 5));
    /// ```
    pub fn new(params: GruParams<A>) -> Self {
        let grads = GruParams::zeros(params.vocab_size(), params.num_hiddens());
        let empty = || Array2::zeros((0, 0));
        GruScratch {
            params,
            grads,
            inputs: Array2::zeros((0, 0)),
            hiddens: empty(),
            update: empty(),
            reset: empty(),
            candidate: empty(),
            reset_hidden: empty(),
            logits: empty(),
            d_hiddens: empty(),
            d_update: empty(),
            d_reset: empty(),
            d_candidate: empty(),
            d_reset_hidden: empty(),
            carry: empty(),
        }
    }

    /// Gradient of the loss with respect to the initial state \\(H_0\\)
    /// `(batch_size, num_hiddens)`, from the last backward pass.
    ///
    /// ```
    /// use d2l_rnn::model::RecurrentModel;
    /// use d2l_rnn::scratch::{GruParams, GruScratch};
    /// use ndarray::{array, Array2};
    /// let mut model = GruScratch::new(GruParams::<f64>::normal(4, 3, 0.5, 0));
    /// let mut h = Array2::ones((2, 3));
    /// let logits = model.forward(array![[0usize, 1], [2, 3]].view(), &mut h).to_owned();
    /// model.backward(Array2::ones(logits.dim()).view()); // L = sum of all logits
    /// assert_eq!(model.state_grad().dim(), (2, 3));
    /// assert!(model.state_grad().iter().all(|g| g.abs() > 0.0));
    /// ```
    pub fn state_grad(&self) -> ArrayView2<'_, A> {
        self.carry.view()
    }

    /// Resizes the buffers when the batch shape changes (training and
    /// prediction use different shapes); a no-op otherwise.
    fn ensure_buffers(&mut self, batch_size: usize, num_steps: usize) {
        let (h, q) = (self.params.num_hiddens(), self.params.vocab_size());
        let rows = batch_size * num_steps;
        if self.logits.dim() != (rows, q) || self.hiddens.dim() != (rows + batch_size, h) {
            self.inputs = Array2::zeros((num_steps, batch_size));
            self.hiddens = Array2::zeros((rows + batch_size, h));
            for buffer in [
                &mut self.update,
                &mut self.reset,
                &mut self.candidate,
                &mut self.reset_hidden,
                &mut self.d_hiddens,
                &mut self.d_update,
                &mut self.d_reset,
                &mut self.d_candidate,
            ] {
                *buffer = Array2::zeros((rows, h));
            }
            self.logits = Array2::zeros((rows, q));
            self.d_reset_hidden = Array2::zeros((batch_size, h));
            self.carry = Array2::zeros((batch_size, h));
        }
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
        let (n, steps) = inputs.dim();
        self.ensure_buffers(n, steps);
        self.inputs.assign(&inputs.t());
        let p = &self.params;
        // Input products of every step at once: X_t W_x· + b_· is a row gather.
        let rows = self.inputs.iter().copied(); // time-major, as the buffers
        gather_rows(self.update.view_mut(), &p.w_xz, &p.b_z, rows.clone()); // [T n, h]
        gather_rows(self.reset.view_mut(), &p.w_xr, &p.b_r, rows.clone());
        gather_rows(self.candidate.view_mut(), &p.w_xh, &p.b_h, rows);
        self.hiddens.slice_mut(s![..n, ..]).assign(state);
        // The recurrence: small products, kept on this thread.
        for t in 0..steps {
            let now = s![t * n..(t + 1) * n, ..];
            let (done, mut rest) = self.hiddens.view_mut().split_at(Axis(0), (t + 1) * n);
            let h_prev = done.slice(s![t * n.., ..]); // [n, h]
            let mut z = self.update.slice_mut(now); // [n, h]
            let mut r = self.reset.slice_mut(now); // [n, h]
            let mut h_tilda = self.candidate.slice_mut(now); // [n, h]
            let mut r_h = self.reset_hidden.slice_mut(now); // [n, h]
            matmul_serial(A::one(), &h_prev, &p.w_hz, A::one(), &mut z);
            matmul_serial(A::one(), &h_prev, &p.w_hr, A::one(), &mut r);
            vectorized(
                #[inline(always)]
                || {
                    z.mapv_inplace(A::sigmoid_fast);
                    Zip::from(&mut r_h)
                        .and(&mut r)
                        .and(&h_prev)
                        .for_each(|rh, r, &h| {
                            *r = r.sigmoid_fast();
                            *rh = *r * h;
                        });
                },
            );
            matmul_serial(A::one(), &r_h, &p.w_hh, A::one(), &mut h_tilda);
            vectorized(
                #[inline(always)]
                || h_tilda.mapv_inplace(A::tanh_fast),
            );
            Zip::from(rest.slice_mut(s![..n, ..]))
                .and(&z)
                .and(&h_prev)
                .and(&h_tilda)
                .for_each(|h, &z, &hp, &ht| *h = z * hp + (A::one() - z) * ht);
        }
        state.assign(&self.hiddens.slice(s![steps * n.., ..]));
        let h_all = self.hiddens.slice(s![n.., ..]); // [T n, h]
        matmul(A::one(), &h_all, &p.w_hq, A::zero(), &mut self.logits);
        self.logits += &p.b_q;
        self.logits.view()
    }

    fn backward(&mut self, d_logits: ArrayView2<'_, A>) {
        let (steps, n) = self.inputs.dim();
        let GruScratch {
            params: p,
            grads: g,
            inputs,
            hiddens,
            update,
            reset,
            candidate,
            reset_hidden,
            d_hiddens,
            d_update,
            d_reset,
            d_candidate,
            d_reset_hidden,
            carry,
            ..
        } = self;
        let h_all = hiddens.slice(s![n.., ..]); // [T n, h]
        let h_prev_all = hiddens.slice(s![..steps * n, ..]); // [T n, h]

        // dH^out for all time steps in one product.
        matmul(A::one(), &d_logits, &p.w_hq.t(), A::zero(), d_hiddens);

        // Two independent jobs, one per core: the sequential pass back
        // through time, and the output layer's weight gradient.
        let (w_hq, b_q) = (&mut g.w_hq, &mut g.b_q);
        rayon::join(
            || {
                carry.fill(A::zero());
                for t in (0..steps).rev() {
                    let now = s![t * n..(t + 1) * n, ..];
                    let mut d_h = d_hiddens.slice_mut(now); // [n, h], becomes dH_t
                    let mut d_az = d_update.slice_mut(now); // [n, h]
                    let mut d_ar = d_reset.slice_mut(now); // [n, h]
                    let mut d_ah = d_candidate.slice_mut(now); // [n, h]
                    let (z, r) = (update.slice(now), reset.slice(now));
                    let h_tilda = candidate.slice(now);
                    let h_prev = h_prev_all.slice(now);
                    d_h += &*carry;
                    Zip::from(&mut d_ah)
                        .and(&mut d_az)
                        .and(&d_h)
                        .and(&z)
                        .and(&h_tilda)
                        .and(&h_prev)
                        .for_each(|d_ah, d_az, &dh, &z, &ht, &hp| {
                            *d_ah = dh * (A::one() - z) * (A::one() - ht * ht);
                            *d_az = dh * (hp - ht) * z * (A::one() - z);
                        });
                    // d(R ⊙ H_prev) = dA^h W_hhᵀ
                    matmul_serial(A::one(), &d_ah, &p.w_hh.t(), A::zero(), d_reset_hidden);
                    Zip::from(&mut d_ar)
                        .and(&*d_reset_hidden)
                        .and(&h_prev)
                        .and(&r)
                        .for_each(|d_ar, &d_rh, &hp, &r| *d_ar = d_rh * hp * r * (A::one() - r));
                    Zip::from(&mut *carry)
                        .and(&d_h)
                        .and(&z)
                        .and(&*d_reset_hidden)
                        .and(&r)
                        .for_each(|c, &dh, &z, &d_rh, &r| *c = dh * z + d_rh * r);
                    matmul_serial(A::one(), &d_az, &p.w_hz.t(), A::one(), carry);
                    matmul_serial(A::one(), &d_ar, &p.w_hr.t(), A::one(), carry);
                }
            },
            || {
                matmul_serial(A::one(), &h_all.t(), &d_logits, A::zero(), w_hq);
                sum_rows_into(b_q, d_logits);
            },
        );

        // Gate weights, all time steps at once.
        matmul(
            A::one(),
            &h_prev_all.t(),
            &*d_update,
            A::zero(),
            &mut g.w_hz,
        );
        matmul(A::one(), &h_prev_all.t(), &*d_reset, A::zero(), &mut g.w_hr);
        matmul(
            A::one(),
            &reset_hidden.t(),
            &*d_candidate,
            A::zero(),
            &mut g.w_hh,
        );
        let rows = inputs.iter().copied();
        scatter_rows(&mut g.w_xz, &mut g.b_z, d_update.view(), rows.clone());
        scatter_rows(&mut g.w_xr, &mut g.b_r, d_reset.view(), rows.clone());
        scatter_rows(&mut g.w_xh, &mut g.b_h, d_candidate.view(), rows);
    }

    fn params(&self) -> &GruParams<A> {
        &self.params
    }

    fn params_and_grads(&mut self) -> (&mut GruParams<A>, &mut GruParams<A>) {
        (&mut self.params, &mut self.grads)
    }
}

// Helpers shared with the LSTM (`super::lstm`).

/// Draws matrices from \\(N(0, \mathrm{std}^2)\\) with one seeded generator.
pub(super) struct NormalInit {
    rng: StdRng,
    normal: Normal<f64>,
}

impl NormalInit {
    pub(super) fn new(std: f64, seed: u64) -> Self {
        // A NaN or infinite std is treated as 0 so that this cannot fail.
        let std = if std.is_finite() { std.abs() } else { 0.0 };
        NormalInit {
            rng: StdRng::seed_from_u64(seed),
            normal: Normal::new(0.0, std).expect("a finite, non-negative std is valid"),
        }
    }

    pub(super) fn matrix<A: Real>(&mut self, shape: (usize, usize)) -> Array2<A> {
        Array2::from_shape_simple_fn(shape, || {
            A::from_f64(self.normal.sample(&mut self.rng)).unwrap_or_else(A::zero)
        })
    }
}

/// `out[r] = table[index_r] + bias` for each row `r`: the product of one-hot
/// rows with `table`, plus the bias.
pub(super) fn gather_rows<A: Real>(
    mut out: ArrayViewMut2<'_, A>,
    table: &Array2<A>,
    bias: &Array1<A>,
    indices: impl Iterator<Item = usize>,
) {
    for (mut row, c) in out.outer_iter_mut().zip(indices) {
        Zip::from(&mut row)
            .and(&table.row(c))
            .and(bias)
            .for_each(|o, &w, &b| *o = w + b);
    }
}

/// The backward pass of [`gather_rows`]: `d_table` and `d_bias` are
/// overwritten with `d_table[index_r] += d_out[r]`, `d_bias = Σ_r d_out[r]`.
pub(super) fn scatter_rows<A: Real>(
    d_table: &mut Array2<A>,
    d_bias: &mut Array1<A>,
    d_out: ArrayView2<'_, A>,
    indices: impl Iterator<Item = usize>,
) {
    d_table.fill(A::zero());
    for (row, c) in d_out.outer_iter().zip(indices) {
        let mut w = d_table.row_mut(c);
        w += &row;
    }
    sum_rows_into(d_bias, d_out);
}

/// `out = Σ_r m[r]`, without allocating.
pub(super) fn sum_rows_into<A: Real>(out: &mut Array1<A>, m: ArrayView2<'_, A>) {
    out.fill(A::zero());
    for row in m.outer_iter() {
        *out += &row;
    }
}
