//! The from-scratch GRU's fast twin: the same network and the same numbers
//! as [`crate::scratch::GruScratch`] (a test compares them in f64), with the
//! input products gathered for all steps at once, vectorised gates, and the
//! output layer overlapped with the recurrence by engine (`src/fast/engine.rs`); the walk
//! through time is in [`super::gru_steps`].

use super::engine::{Output, Parts, Pipeline};
use super::gru_steps::GruSteps;
use super::kernels::rows::gather_rows;
use crate::fast::FastReal;
use crate::model::{RecurrentModel, RecurrentModelExt};
use crate::scratch::{GatedParams, GruParams};
use ndarray::{s, Array2, ArrayView2};

/// The GRU as a fast trainable model: what [`crate::scratch::GruScratch`] computes,
/// run by the two-core engine (`src/fast/engine.rs`).
///
/// The formulas are those of [`crate::scratch::GruScratch`]; what differs is the
/// order of work. The input products \\(X_t W_{x\cdot}\\) of every step are
/// row gathers done before the recurrence, into one `(T n, h)` buffer per
/// gate; the output layer \\(Y = [H_1; \dots; H_T] W_{hq} + b_q\\) and its
/// gradients \\(\partial W_{hq} = H^\top \partial Y\\), \\(\partial H^{out} = \partial Y W_{hq}^\top\\)
/// run chunk by chunk beside the recurrence; the walk back through time fills
/// every gate's \\(\partial A^g\\) buffer, and each
/// \\(\partial W_{hg} = [H_0; \dots; H_{T-1}]^\top \partial A^g\\) is one product
/// (with \\(R \odot H\\) in place of \\(H\\) for the candidate).
/// \\(\partial H_0\\) is [`RecurrentModel::state_grad`].
///
/// Buffers are kept between calls, so a training step allocates nothing per time step.
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
    /// The total `dH_t` of one step, `(batch_size, num_hiddens)`.
    d_hidden: Array2<A>,
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
    /// Each gate's `W_hᵀ`, row-major, for the walk back.
    w_h_t: Vec<Array2<A>>,
    /// The output layer and the overlap of the two cores.
    engine: Pipeline<A>,
}

impl<A: FastReal> GruFast<A> {
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
        let h = self.params.num_hiddens();
        let rows = batch_size * num_steps;
        if self.inputs.dim() != (num_steps, batch_size)
            || self.hiddens.dim() != (rows + batch_size, h)
        {
            self.inputs = Array2::zeros((num_steps, batch_size));
            self.hiddens = Array2::zeros((rows + batch_size, h));
            for buffer in [
                &mut self.update,
                &mut self.reset,
                &mut self.candidate,
                &mut self.reset_hidden,
                &mut self.d_update,
                &mut self.d_reset,
                &mut self.d_candidate,
            ] {
                *buffer = Array2::zeros((rows, h));
            }
            self.d_hidden = Array2::zeros((batch_size, h));
            self.d_reset_hidden = Array2::zeros((batch_size, h));
            self.carry = Array2::zeros((batch_size, h));
        }
    }
}

impl<A: FastReal> GruFast<A> {
    /// Takes a mini-batch `(batch_size, num_steps)`: stores the inputs
    /// time-major with `H_0`, and gathers the input products of every step,
    /// \\(X_t W_{x\cdot} + b_\cdot\\), into the gate buffers.
    fn load(&mut self, inputs: ArrayView2<'_, usize>, state: &Array2<A>) {
        let (n, steps) = inputs.dim();
        self.ensure_buffers(n, steps);
        self.inputs.assign(&inputs.t());
        let p = &self.params;
        let rows = self.inputs.as_slice().expect("standard layout"); // time-major, as the buffers
        gather_rows(
            self.update.view_mut(),
            p.update.w_x.view(),
            &p.update.b,
            rows,
        );
        gather_rows(self.reset.view_mut(), p.reset.w_x.view(), &p.reset.b, rows);
        gather_rows(
            self.candidate.view_mut(),
            p.candidate.w_x.view(),
            &p.candidate.b,
            rows,
        );
        self.hiddens.slice_mut(s![..n, ..]).assign(state);
    }

    /// The same model with steps split in halves from `split` on (tests).
    #[cfg(test)]
    pub(crate) fn split_at(mut self, split: super::kernels::halves::MinSplitWork) -> Self {
        self.engine.split = split;
        self
    }

    /// The model as the engine sees it (see [`Parts`]).
    fn parts(&mut self) -> Parts<'_, A, GruSteps<'_, A>> {
        let GruFast {
            params: p,
            grads: g,
            inputs,
            hiddens,
            update,
            reset,
            candidate,
            reset_hidden,
            d_hidden,
            d_update,
            d_reset,
            d_candidate,
            d_reset_hidden,
            carry,
            w_h_t,
            engine,
        } = self;
        Parts {
            rec: GruSteps {
                split: engine.split,
                p: [&p.update, &p.reset, &p.candidate],
                g: [&mut g.update, &mut g.reset, &mut g.candidate],
                inputs,
                hiddens,
                update,
                reset,
                candidate,
                reset_hidden,
                d_hidden,
                d_update,
                d_reset,
                d_candidate,
                d_reset_hidden,
                carry,
                w_h_t,
            },
            out: Output {
                weight: p.w_hq.view(),
                bias: p.b_q.view(),
            },
            engine,
            d_weight: g.w_hq.view_mut().reversed_axes(),
            d_bias: g.b_q.view_mut(),
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

impl<A: FastReal> RecurrentModel for GruFast<A> {
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
        self.load(inputs, state);
        let mut parts = self.parts();
        parts.engine.forward(steps, n, &mut parts.rec, parts.out);
        state.assign(&self.hiddens.slice(s![steps * n.., ..]));
        self.engine.logits()
    }

    fn backward(&mut self, d_logits: ArrayView2<'_, A>) {
        self.parts().backward(d_logits);
    }

    fn params(&self) -> &GruParams<A> {
        &self.params
    }

    fn params_and_grads(&mut self) -> (&mut GruParams<A>, &mut GruParams<A>) {
        (&mut self.params, &mut self.grads)
    }
}

impl<A: FastReal> RecurrentModelExt for GruFast<A> {
    fn advance(&mut self, inputs: ArrayView2<'_, usize>, state: &mut Array2<A>) {
        let (n, steps) = inputs.dim();
        self.load(inputs, state);
        let width = self.params.num_hiddens();
        let mut parts = self.parts();
        parts.engine.advance(steps, n, width, &mut parts.rec);
        state.assign(&self.hiddens.slice(s![steps * n.., ..]));
    }

    fn state_grad(&self) -> Array2<A> {
        self.carry.clone()
    }
}
