//! The from-scratch GRU's fast twin: the same network and the same numbers
//! as [`crate::scratch::GruScratch`] (a test compares them in f64), with the
//! input products gathered for all steps at once, vectorised gates and the
//! output layer's weight gradient on the second core.

use super::linalg::{matmul, matmul_serial, output_layer};
use super::math::vectorized;
use super::rows::{gather_rows, scatter_rows, sum_rows_into};
use crate::model::RecurrentModel;
use crate::real::Real;
use crate::scratch::{GatedParams, GruParams};
use ndarray::{s, Array2, ArrayView2, Axis, Zip};

/// The GRU as a fast trainable model: what [`crate::scratch::GruScratch`] computes,
/// with the buffers and the core sharing of the fast engine.
///
/// The formulas are those of [`crate::scratch::GruScratch`]; what differs is the
/// order of work. The input products \\(X_t W_{x\cdot}\\) of every step are
/// row gathers done before the recurrence, into one `(T n, h)` buffer per
/// gate; the output layer is one product over all steps,
/// \\(Y = [H_1; \dots; H_T] W_{hq} + b_q\\), and so are its gradients
/// \\(\partial W_{hq} = H^\top \partial Y\\) and \\(\partial H^{out} = \partial Y W_{hq}^\top\\);
/// the walk back through time then fills every gate's \\(\partial A^g\\) buffer,
/// and each \\(\partial W_{hg} = [H_0; \dots; H_{T-1}]^\top \partial A^g\\) is one product
/// (with \\(R \odot H\\) in place of \\(H\\) for the candidate).
/// \\(\partial H_0\\) is [`RecurrentModel::state_grad`].
///
/// Buffers are kept between calls, so a training step allocates nothing per time step.
/// The per-step products run on the calling thread (they are small); the
/// output layer's weight gradient runs on a second thread while the pass goes
/// back through time, as in [`super::RnnFast`].
///
/// ```
/// use d2l_rnn::model::RecurrentModel;
/// use d2l_rnn::fast::GruFast;
/// use d2l_rnn::scratch::get_gru_params;
/// use ndarray::Array2;
/// let mut model = GruFast::new(get_gru_params(1027, 256, 0));
/// let x = Array2::from_shape_vec((2, 5), (0..10).collect()).unwrap();
/// let mut state = model.begin_state(2);
/// let logits = model.forward(x.view(), &mut state);
/// assert_eq!(logits.dim(), (10, 1027)); // (num_steps * batch_size, vocab_size)
/// assert!(logits.iter().all(|o| o.abs() < 0.01)); // N(0, 0.01²) weights: near-uniform output
/// assert_eq!(state.dim(), (2, 256));
/// assert!(state.iter().any(|&h| h != 0.0));
/// ```
#[derive(Clone, Debug, Default)]
pub struct GruFast<A = f32> {
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

impl<A: Real> GruFast<A> {
    /// Wraps parameters (from [`crate::scratch::get_gru_params`] or a checkpoint) into a model.
    ///
    /// ```
    /// use d2l_rnn::model::RecurrentModel;
    /// let model = d2l_rnn::fast::GruFast::new(d2l_rnn::scratch::get_gru_params(7, 5, 0));
    /// assert_eq!(model.vocab_size(), 7);
    /// assert_eq!(model.begin_state(3).dim(), (3, 5));
    /// ```
    pub fn new(params: GruParams<A>) -> Self {
        let grads = GruParams::zeros(params.vocab_size(), params.num_hiddens());
        GruFast {
            params,
            grads,
            ..Default::default()
        }
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

impl GruFast<f32> {
    /// The model with the book's initialisation [`crate::scratch::get_gru_params`]:
    /// the builder [`crate::train::train_and_predict_rnn`] takes.
    ///
    /// ```
    /// use d2l_rnn::model::RecurrentModel;
    /// assert_eq!(d2l_rnn::fast::GruFast::init(7, 5, 0).vocab_size(), 7);
    /// ```
    pub fn init(vocab_size: usize, num_hiddens: usize, seed: u64) -> Self {
        GruFast::new(crate::scratch::get_gru_params(
            vocab_size,
            num_hiddens,
            seed,
        ))
    }
}

impl<A: Real> RecurrentModel for GruFast<A> {
    type Elem = A;
    type State = Array2<A>;
    type Params = GruParams<A>;

    fn vocab_size(&self) -> usize {
        self.params.vocab_size()
    }

    fn begin_state(&self, batch_size: usize) -> Array2<A> {
        Array2::zeros((batch_size, self.params.num_hiddens()))
    }

    fn state_grad(&self) -> Array2<A> {
        self.carry.clone()
    }

    fn forward(
        &mut self,
        inputs: ArrayView2<'_, usize>,
        state: &mut Array2<A>,
    ) -> ArrayView2<'_, A> {
        self.advance(inputs, state);
        let (p, n) = (&self.params, inputs.nrows());
        output_layer(&self.hiddens, n, &p.w_hq, &p.b_q, &mut self.logits);
        self.logits.view()
    }

    fn advance(&mut self, inputs: ArrayView2<'_, usize>, state: &mut Array2<A>) {
        let (n, steps) = inputs.dim();
        self.ensure_buffers(n, steps);
        self.inputs.assign(&inputs.t());
        let p = &self.params;
        // Input products of every step at once: X_t W_x· + b_· is a row gather.
        let rows = self.inputs.iter().copied(); // time-major, as the buffers
        gather_rows(
            self.update.view_mut(),
            &p.update.w_x,
            &p.update.b,
            rows.clone(),
        ); // [T n, h]
        gather_rows(
            self.reset.view_mut(),
            &p.reset.w_x,
            &p.reset.b,
            rows.clone(),
        );
        gather_rows(
            self.candidate.view_mut(),
            &p.candidate.w_x,
            &p.candidate.b,
            rows,
        );
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
            matmul_serial(A::one(), &h_prev, &p.update.w_h, A::one(), &mut z);
            matmul_serial(A::one(), &h_prev, &p.reset.w_h, A::one(), &mut r);
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
            matmul_serial(A::one(), &r_h, &p.candidate.w_h, A::one(), &mut h_tilda);
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
    }

    fn backward(&mut self, d_logits: ArrayView2<'_, A>) {
        let (steps, n) = self.inputs.dim();
        let GruFast {
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
                    matmul_serial(
                        A::one(),
                        &d_ah,
                        &p.candidate.w_h.t(),
                        A::zero(),
                        d_reset_hidden,
                    );
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
                    matmul_serial(A::one(), &d_az, &p.update.w_h.t(), A::one(), carry);
                    matmul_serial(A::one(), &d_ar, &p.reset.w_h.t(), A::one(), carry);
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
            &mut g.update.w_h,
        );
        matmul(
            A::one(),
            &h_prev_all.t(),
            &*d_reset,
            A::zero(),
            &mut g.reset.w_h,
        );
        matmul(
            A::one(),
            &reset_hidden.t(),
            &*d_candidate,
            A::zero(),
            &mut g.candidate.w_h,
        );
        let rows = inputs.iter().copied();
        scatter_rows(
            &mut g.update.w_x,
            &mut g.update.b,
            d_update.view(),
            rows.clone(),
        );
        scatter_rows(
            &mut g.reset.w_x,
            &mut g.reset.b,
            d_reset.view(),
            rows.clone(),
        );
        scatter_rows(
            &mut g.candidate.w_x,
            &mut g.candidate.b,
            d_candidate.view(),
            rows,
        );
    }

    fn params(&self) -> &GruParams<A> {
        &self.params
    }

    fn params_and_grads(&mut self) -> (&mut GruParams<A>, &mut GruParams<A>) {
        (&mut self.params, &mut self.grads)
    }
}
