//! The gated recurrent unit (GRU) from scratch, the book's section after the
//! RNN (d2l zh, PyTorch edition, 6.7): `init_gru_state`, `gru`, and the same
//! network as a model whose backward pass is written out step by step.
//!
//! The PyTorch port's code computes the candidate with `R * (H W_hh)`, which
//! is not its own equation; here the code follows the equation,
//! \\((R_t \odot H_{t-1}) W_{hh}\\), as the MXNet original does.

use super::gate::GatedParams;
use super::gru_params::GruParams;
use super::steps::{sigmoid, stack_steps, step_rows, time_steps};
use crate::model::{RecurrentModel, RecurrentModelExt};
use crate::real::Real;
use ndarray::{Array2, ArrayView2, Axis};

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
/// a model that can also run backwards; training uses its fast twin
/// [`crate::fast::GruFast`].
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
        let (zg, rg, hg) = (&p.update, &p.reset, &p.candidate);
        let z = (x.dot(&zg.w_x) + h.dot(&zg.w_h) + &zg.b).mapv(sigmoid);
        let r = (x.dot(&rg.w_x) + h.dot(&rg.w_h) + &rg.b).mapv(sigmoid);
        let h_tilda = (x.dot(&hg.w_x) + (&r * &h).dot(&hg.w_h) + &hg.b).mapv(A::tanh);
        h = &z * &h + (z.mapv(|z| A::one() - z) * &h_tilda);
        outputs.push(h.dot(&p.w_hq) + &p.b_q);
    }
    (outputs, h)
}

/// What one forward step keeps for the backward pass, each `(n, h)`.
#[derive(Clone, Debug)]
struct GruStep<A> {
    x: Vec<usize>,
    h_prev: Array2<A>,
    z: Array2<A>,
    r: Array2<A>,
    h_tilda: Array2<A>,
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
/// assert!(state.iter().any(|&h| h != 0.0));
/// ```
#[derive(Clone, Debug)]
pub struct GruScratch<A = f32> {
    /// The weights.
    pub params: GruParams<A>,
    /// Their gradients after the last [`RecurrentModel::backward`].
    pub grads: GruParams<A>,
    /// What each step of the last forward pass kept.
    steps: Vec<GruStep<A>>,
    /// \\(H_1, \dots, H_T\\).
    hiddens: Vec<Array2<A>>,
    /// \\(Y_1; \dots; Y_T\\) stacked, `(num_steps * batch_size, vocab_size)`.
    logits: Array2<A>,
    /// \\(\partial L / \partial H_0\\) after the last backward pass.
    d_state: Array2<A>,
}

impl<A: Real> GruScratch<A> {
    /// Wraps parameters (from [`super::get_gru_params`] or a checkpoint) into a model.
    pub fn new(params: GruParams<A>) -> Self {
        let grads = GruParams::zeros(params.vocab_size(), params.num_hiddens());
        GruScratch {
            params,
            grads,
            steps: Vec::new(),
            hiddens: Vec::new(),
            logits: Array2::zeros((0, 0)),
            d_state: Array2::zeros((0, 0)),
        }
    }
}

impl GruScratch<f32> {
    /// The model with the book's initialisation [`super::get_gru_params`]:
    /// a builder for [`crate::train::train_and_predict_rnn`].
    ///
    /// ```
    /// use d2l_rnn::model::RecurrentModel;
    /// assert_eq!(d2l_rnn::scratch::GruScratch::init(7, 5, 0).begin_state(3).dim(), (3, 5));
    /// ```
    pub fn init(vocab_size: usize, num_hiddens: usize, seed: u64) -> Self {
        GruScratch::new(super::get_gru_params(vocab_size, num_hiddens, seed))
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
        let (mut h, mut outputs) = (state.clone(), Vec::new()); // H_0, [n, h]
        self.steps.clear();
        self.hiddens.clear();
        for x in time_steps(inputs) {
            let z = p.update.affine(&x, &h).mapv(sigmoid); // Z_t
            let r = p.reset.affine(&x, &h).mapv(sigmoid); // R_t
            let h_tilda = p.candidate.affine(&x, &(&r * &h)).mapv(A::tanh); // H̃_t
            let h_next = &z * &h + &(z.mapv(|z| one - z) * &h_tilda); // H_t
            outputs.push(h_next.dot(&p.w_hq) + &p.b_q); // Y_t, [n, q]
            let h_prev = std::mem::replace(&mut h, h_next);
            self.hiddens.push(h.clone());
            self.steps.push(GruStep {
                x,
                h_prev,
                z,
                r,
                h_tilda,
            });
        }
        state.assign(&h);
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
            } = step;
            let d_y = step_rows(&d_logits, t, n); // dL/dY_t, [n, q]
            g.w_hq += &self.hiddens[t].t().dot(&d_y);
            g.b_q += &d_y.sum_axis(Axis(0));
            let d_h = d_y.dot(&p.w_hq.t()) + &d_h_next; // dL/dH_t, [n, h]
            let d_a_h = &d_h * &z.mapv(|z| one - z) * h_tilda.mapv(|h| one - h * h);
            let d_a_z = &d_h * &(h_prev - h_tilda) * z.mapv(|z| z * (one - z));
            let d_rh = d_a_h.dot(&p.candidate.w_h.t()); // dL/d(R ⊙ H_{t-1})
            let d_a_r = &d_rh * h_prev * r.mapv(|r| r * (one - r));
            g.candidate.add_grad(x, &(r * h_prev), &d_a_h);
            g.update.add_grad(x, h_prev, &d_a_z);
            g.reset.add_grad(x, h_prev, &d_a_r);
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
