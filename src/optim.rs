//! Gradient clipping and optimisers; they work on any [`Parameters`].

use crate::fast::kernels::update;
use crate::fast::FastReal;
use crate::model::Parameters;
use ndarray::{ArrayViewD, ArrayViewMutD};

/// The views of named tensors, without their names.
fn views<'a, A>(named: Vec<(&'static str, ArrayViewD<'a, A>)>) -> Vec<ArrayViewD<'a, A>> {
    named.into_iter().map(|(_, t)| t).collect()
}

/// [`views`], writable.
fn views_mut<'a, A>(named: Vec<(&'static str, ArrayViewMutD<'a, A>)>) -> Vec<ArrayViewMutD<'a, A>> {
    named.into_iter().map(|(_, t)| t).collect()
}

/// The section's `grad_clipping`: with \\(g\\) all gradients joined into one
/// vector, replace \\(g\\) by \\(\min(\theta / \|g\|_2, 1)\, g\\), so its norm is at
/// most \\(\theta\\). Returns \\(\|g\|_2\\) before clipping.
///
/// (The PyTorch original's concise version passed `model.parameters()`, a
/// one-shot generator that its norm loop used up, so it never clipped. This
/// function always clips.)
///
/// ```
/// use d2l_rnn::optim::grad_clipping;
/// use d2l_rnn::scratch::{GatedParams, RnnParams};
/// let mut g = RnnParams::<f64>::zeros(2, 1);
/// g.b_q.fill(3.0); // ||g|| = sqrt(9 + 9)
/// let norm = grad_clipping(&mut g, 1.0);
/// assert!((norm - 18f64.sqrt()).abs() < 1e-12);
/// assert!((g.b_q[0] - 3.0 / 18f64.sqrt()).abs() < 1e-12);
/// ```
pub fn grad_clipping<A: FastReal, P: Parameters<A>>(grads: &mut P, theta: f64) -> f64 {
    let squares = update::sum_of_squares(&views(grads.tensors()));
    let norm = squares.sqrt();
    if norm > theta {
        let scale = A::from_f64(theta / norm).unwrap_or_else(A::one);
        update::scale(&mut views_mut(grads.tensors_mut()), scale);
    }
    norm
}

/// The section's `sgd`: \\(w \leftarrow w - \eta\, \partial w / b\\) for every
/// parameter, with learning rate \\(\eta\\) = `lr` and `batch_size` \\(b\\)
/// (the section passes 1: its loss is already a mean).
///
/// ```
/// use d2l_rnn::optim::sgd;
/// use d2l_rnn::scratch::{GatedParams, RnnParams};
/// let mut w = RnnParams::<f64>::zeros(2, 1);
/// let mut g = RnnParams::<f64>::zeros(2, 1);
/// g.hidden.b.fill(0.5);
/// sgd(&mut w, &g, 100.0, 1);
/// assert_eq!(w.hidden.b[0], -50.0);
/// ```
pub fn sgd<A: FastReal, P: Parameters<A>>(params: &mut P, grads: &P, lr: f64, batch_size: usize) {
    let step = A::from_f64(lr / batch_size.max(1) as f64).unwrap_or_else(A::zero);
    update::descend(
        &mut views_mut(params.tensors_mut()),
        &views(grads.tensors()),
        step,
    );
}

/// An update rule that the training loop applies after clipping.
pub trait Optimizer<A: FastReal> {
    /// Updates `params` in place from `grads` (same names and shapes).
    fn step<P: Parameters<A>>(&mut self, params: &mut P, grads: &P);
}

/// Plain stochastic gradient descent with a fixed learning rate: [`sgd`] with batch size 1.
///
/// ```
/// use d2l_rnn::optim::{Optimizer, Sgd};
/// use d2l_rnn::scratch::{GatedParams, RnnParams};
/// let (mut w, mut g) = (RnnParams::<f32>::zeros(2, 1), RnnParams::<f32>::zeros(2, 1));
/// g.hidden.w_h.fill(1.0);
/// Sgd { lr: 0.5 }.step(&mut w, &g);
/// assert_eq!(w.hidden.w_h[[0, 0]], -0.5);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sgd {
    /// Learning rate \\(\eta\\).
    pub lr: f64,
}

impl<A: FastReal> Optimizer<A> for Sgd {
    fn step<P: Parameters<A>>(&mut self, params: &mut P, grads: &P) {
        sgd(params, grads, self.lr, 1);
    }
}

/// Adam (Kingma & Ba), as `torch.optim.Adam` computes it with its defaults
/// (no weight decay, no AMSGrad). For each tensor, at step \\(t = 1, 2, \dots\\):
///
/// \\[ m \leftarrow \beta_1 m + (1 - \beta_1) g, \qquad
///     v \leftarrow \beta_2 v + (1 - \beta_2) g^2, \\]
/// \\[ w \leftarrow w - \frac{\eta}{1 - \beta_1^t} \cdot
///     \frac{m}{\sqrt{v} / \sqrt{1 - \beta_2^t} + \epsilon}. \\]
///
/// PyTorch's defaults: \\(\beta = (0.9, 0.999)\\), \\(\epsilon = 10^{-8}\\). The
/// moments \\(m, v\\) start at zero and take their shapes from the tensors on
/// the first step; if the tensors' shapes change (another model), they
/// start again.
///
/// ```
/// use d2l_rnn::optim::{Adam, Optimizer};
/// use d2l_rnn::scratch::{GatedParams, RnnParams};
/// let (mut w, mut g) = (RnnParams::<f64>::zeros(2, 1), RnnParams::<f64>::zeros(2, 1));
/// g.hidden.b.fill(0.5);
/// g.b_q.fill(-4.0);
/// let mut adam = Adam::new(1e-3);
/// adam.step(&mut w, &g);
/// // First step: m̂ = g and v̂ = g², so every weight moves by lr against the sign of g.
/// assert!((w.hidden.b[0] + 1e-3).abs() < 1e-9 && (w.b_q[0] - 1e-3).abs() < 1e-9);
/// assert_eq!(w.hidden.w_h[[0, 0]], 0.0); // no gradient, no step
/// adam.step(&mut w, &g);
/// assert!((w.hidden.b[0] + 2e-3).abs() < 1e-9);
/// assert_eq!(adam.steps(), 2);
/// ```
#[derive(Clone, Debug)]
pub struct Adam<A = f32> {
    /// Learning rate \\(\eta\\).
    pub lr: f64,
    /// \\((\beta_1, \beta_2)\\), the decay rates of the two moments.
    pub betas: (f64, f64),
    /// \\(\epsilon\\), added to the denominator.
    pub eps: f64,
    t: u64,
    m: Vec<ndarray::ArrayD<A>>,
    v: Vec<ndarray::ArrayD<A>>,
}

impl<A: FastReal> Adam<A> {
    /// Adam with learning rate `lr` and PyTorch's defaults: betas (0.9, 0.999), eps 1e-8.
    pub fn new(lr: f64) -> Self {
        Adam {
            lr,
            betas: (0.9, 0.999),
            eps: 1e-8,
            t: 0,
            m: Vec::new(),
            v: Vec::new(),
        }
    }

    /// Number of steps taken (PyTorch's `state['step']`).
    pub fn steps(&self) -> u64 {
        self.t
    }

    /// The step count and the moments \\(m\\), \\(v\\), one tensor per
    /// parameter tensor in the order of `Parameters::tensors` (PyTorch's
    /// `state['step']`, `exp_avg`, `exp_avg_sq`); empty before the first step.
    #[allow(clippy::type_complexity)]
    pub fn state(&self) -> (u64, &[ndarray::ArrayD<A>], &[ndarray::ArrayD<A>]) {
        (self.t, &self.m, &self.v)
    }

    /// Adam that goes on from a saved [`Adam::state`]: `step` steps taken,
    /// moments `m` and `v`.
    ///
    /// ```
    /// use d2l_rnn::optim::{Adam, Optimizer};
    /// use d2l_rnn::scratch::{GatedParams, RnnParams};
    /// let (mut w1, mut g) = (RnnParams::<f64>::zeros(2, 1), RnnParams::<f64>::zeros(2, 1));
    /// g.b_q.fill(0.3);
    /// let mut adam = Adam::new(1e-2);
    /// adam.step(&mut w1, &g);
    /// let (step, m, v) = adam.state();
    /// let mut resumed = Adam::with_state(1e-2, step, m.to_vec(), v.to_vec());
    /// let mut w2 = w1.clone();
    /// adam.step(&mut w1, &g);
    /// resumed.step(&mut w2, &g);
    /// assert_eq!(w1, w2); // the same second step
    /// ```
    pub fn with_state(
        lr: f64,
        step: u64,
        m: Vec<ndarray::ArrayD<A>>,
        v: Vec<ndarray::ArrayD<A>>,
    ) -> Self {
        Adam {
            t: step,
            m,
            v,
            ..Adam::new(lr)
        }
    }

    /// Forgets the moments and the step count.
    pub fn reset(&mut self) {
        self.t = 0;
        self.m.clear();
        self.v.clear();
    }
}

impl<A: FastReal> Optimizer<A> for Adam<A> {
    fn step<P: Parameters<A>>(&mut self, params: &mut P, grads: &P) {
        let grads = grads.tensors();
        let fits = self.m.len() == grads.len()
            && self
                .m
                .iter()
                .zip(&grads)
                .all(|(m, (_, g))| m.shape() == g.shape());
        if !fits {
            self.m = grads
                .iter()
                .map(|(_, g)| ndarray::ArrayD::zeros(g.raw_dim()))
                .collect();
            self.v = self.m.clone();
            self.t = 0;
        }
        self.t += 1;
        let (b1, b2) = self.betas;
        let t = self.t as i32;
        let cast = |x: f64| A::from_f64(x).unwrap_or_else(A::zero);
        let step = update::AdamStep {
            betas: (cast(b1), cast(b2)),
            complements: (cast(1.0 - b1), cast(1.0 - b2)),
            step_size: cast(self.lr / (1.0 - b1.powi(t))),
            bias_correction2_sqrt: cast((1.0 - b2.powi(t)).sqrt()),
            eps: cast(self.eps),
        };
        let grads: Vec<_> = grads.into_iter().map(|(_, g)| g).collect();
        let mut m: Vec<_> = self.m.iter_mut().map(|m| m.view_mut()).collect();
        let mut v: Vec<_> = self.v.iter_mut().map(|v| v.view_mut()).collect();
        update::adam(
            &mut views_mut(params.tensors_mut()),
            &grads,
            &mut m,
            &mut v,
            step,
        );
    }
}
