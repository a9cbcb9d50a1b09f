//! The from-scratch LSTM's fast twin: the same network and the same numbers
//! as [`crate::scratch::LstmScratch`] (a test compares them in f64), with the
//! input products gathered for all steps at once, vectorised gates and the
//! output layer's weight gradient on the second core.

use super::linalg::{matmul, matmul_serial, output_layer};
use super::math::vectorized;
use super::rows::{gather_rows, scatter_rows, sum_rows_into};
use crate::model::RecurrentModel;
use crate::real::Real;
use crate::scratch::{GatedParams, LstmParams, LstmState};
use ndarray::{s, Array2, ArrayView2, Axis, Zip};

/// The LSTM as a fast trainable model: what [`crate::scratch::LstmScratch`] computes,
/// with the buffers and the core sharing of the fast engine.
///
/// The formulas are those of [`crate::scratch::LstmScratch`]; what differs is the
/// order of work. The input products \\(X_t W_{x\cdot}\\) of every step are
/// row gathers done before the recurrence, into one `(T n, h)` buffer per
/// gate; the output layer is one product over all steps,
/// \\(Y = [H_1; \dots; H_T] W_{hq} + b_q\\), and so are its gradients
/// \\(\partial W_{hq} = H^\top \partial Y\\) and \\(\partial H^{out} = \partial Y W_{hq}^\top\\);
/// the walk back through time then fills every gate's \\(\partial A^g\\) buffer,
/// and each \\(\partial W_{hg} = [H_0; \dots; H_{T-1}]^\top \partial A^g\\) is one product.
/// \\(\partial H_0\\) is [`RecurrentModel::state_grad`].
///
/// Buffers are kept between calls, so a training step allocates nothing per time step.
/// The per-step products run on the calling thread (they are small); the
/// output layer's weight gradient runs on a second thread while the pass goes
/// back through time, as in [`super::RnnFast`].
///
/// ```
/// use d2l_rnn::model::RecurrentModel;
/// use d2l_rnn::fast::LstmFast;
/// use d2l_rnn::scratch::get_lstm_params;
/// use ndarray::Array2;
/// let mut model = LstmFast::new(get_lstm_params(1027, 256, 0));
/// let x = Array2::from_shape_vec((2, 5), (0..10).collect()).unwrap();
/// let mut state = model.begin_state(2); // (H, C)
/// let logits = model.forward(x.view(), &mut state);
/// assert_eq!(logits.dim(), (10, 1027)); // (num_steps * batch_size, vocab_size)
/// assert!(logits.iter().all(|o| o.abs() < 0.01)); // N(0, 0.01²) weights: near-uniform output
/// assert_eq!((state.0.dim(), state.1.dim()), ((2, 256), (2, 256)));
/// assert!(state.1.iter().any(|&c| c != 0.0));
/// ```
#[derive(Clone, Debug, Default)]
pub struct LstmFast<A = f32> {
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

impl<A: Real> LstmFast<A> {
    /// Wraps parameters (from [`crate::scratch::get_lstm_params`] or a checkpoint) into a model.
    ///
    /// ```
    /// use d2l_rnn::model::RecurrentModel;
    /// let model = d2l_rnn::fast::LstmFast::new(d2l_rnn::scratch::get_lstm_params(7, 5, 0));
    /// assert_eq!(model.vocab_size(), 7);
    /// let (h, c) = model.begin_state(3);
    /// assert_eq!((h.dim(), c.dim()), ((3, 5), (3, 5)));
    /// ```
    pub fn new(params: LstmParams<A>) -> Self {
        let grads = LstmParams::zeros(params.vocab_size(), params.num_hiddens());
        LstmFast {
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

impl LstmFast<f32> {
    /// The model with the book's initialisation [`crate::scratch::get_lstm_params`]:
    /// the builder [`crate::train::train_and_predict_rnn`] takes.
    ///
    /// ```
    /// use d2l_rnn::model::RecurrentModel;
    /// assert_eq!(d2l_rnn::fast::LstmFast::init(7, 5, 0).vocab_size(), 7);
    /// ```
    pub fn init(vocab_size: usize, num_hiddens: usize, seed: u64) -> Self {
        LstmFast::new(crate::scratch::get_lstm_params(
            vocab_size,
            num_hiddens,
            seed,
        ))
    }
}

impl<A: Real> RecurrentModel for LstmFast<A> {
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

    fn state_grad(&self) -> LstmState<A> {
        (self.carry_h.clone(), self.carry_c.clone())
    }

    fn forward(
        &mut self,
        inputs: ArrayView2<'_, usize>,
        state: &mut LstmState<A>,
    ) -> ArrayView2<'_, A> {
        self.advance(inputs, state);
        let (p, n) = (&self.params, inputs.nrows());
        output_layer(&self.hiddens, n, &p.w_hq, &p.b_q, &mut self.logits);
        self.logits.view()
    }

    fn advance(&mut self, inputs: ArrayView2<'_, usize>, state: &mut LstmState<A>) {
        let (n, steps) = inputs.dim();
        self.ensure_buffers(n, steps);
        self.inputs.assign(&inputs.t());
        let p = &self.params;
        // Input products of every step at once: X_t W_x· + b_· is a row gather.
        let rows = self.inputs.iter().copied(); // time-major, as the buffers
        gather_rows(
            self.input_gate.view_mut(),
            &p.input.w_x,
            &p.input.b,
            rows.clone(),
        ); // [T n, h]
        gather_rows(
            self.forget_gate.view_mut(),
            &p.forget.w_x,
            &p.forget.b,
            rows.clone(),
        );
        gather_rows(
            self.output_gate.view_mut(),
            &p.output.w_x,
            &p.output.b,
            rows.clone(),
        );
        gather_rows(
            self.candidate.view_mut(),
            &p.candidate.w_x,
            &p.candidate.b,
            rows,
        );
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
            matmul_serial(A::one(), &h_prev, &p.input.w_h, A::one(), &mut i);
            matmul_serial(A::one(), &h_prev, &p.forget.w_h, A::one(), &mut f);
            matmul_serial(A::one(), &h_prev, &p.output.w_h, A::one(), &mut o);
            matmul_serial(A::one(), &h_prev, &p.candidate.w_h, A::one(), &mut c_tilda);
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
    }

    fn backward(&mut self, d_logits: ArrayView2<'_, A>) {
        let (steps, n) = self.inputs.dim();
        let LstmFast {
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
                    matmul_serial(A::one(), &d_ai, &p.input.w_h.t(), A::zero(), carry_h);
                    matmul_serial(A::one(), &d_af, &p.forget.w_h.t(), A::one(), carry_h);
                    matmul_serial(A::one(), &d_ao, &p.output.w_h.t(), A::one(), carry_h);
                    matmul_serial(A::one(), &d_ac, &p.candidate.w_h.t(), A::one(), carry_h);
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
            (
                &mut g.input.w_h,
                &mut g.input.w_x,
                &mut g.input.b,
                &*d_input,
            ),
            (
                &mut g.forget.w_h,
                &mut g.forget.w_x,
                &mut g.forget.b,
                &*d_forget,
            ),
            (
                &mut g.output.w_h,
                &mut g.output.w_x,
                &mut g.output.b,
                &*d_output,
            ),
            (
                &mut g.candidate.w_h,
                &mut g.candidate.w_x,
                &mut g.candidate.b,
                &*d_candidate,
            ),
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
