//! The from-scratch LSTM's fast twin: the same network and the same numbers
//! as [`crate::scratch::LstmScratch`] (a test compares them in f64), with the
//! input products gathered for all steps at once, vectorised gates, and the
//! output layer overlapped with the recurrence by engine (`src/fast/engine.rs`); the walk
//! through time is in [`super::lstm_steps`].

use super::engine::{Output, Parts, Pipeline};
use super::kernels::rows::gather_rows;
use super::lstm_steps::LstmSteps;
use crate::fast::FastReal;
use crate::model::{RecurrentModel, RecurrentModelExt};
use crate::scratch::{GatedParams, LstmParams, LstmState};
use ndarray::{s, Array2, ArrayView2};

/// The LSTM as a fast trainable model: what [`crate::scratch::LstmScratch`] computes,
/// run by the two-core engine (`src/fast/engine.rs`).
///
/// The formulas are those of [`crate::scratch::LstmScratch`]; what differs is the
/// order of work. The input products \\(X_t W_{x\cdot}\\) of every step are
/// row gathers done before the recurrence, into one `(T n, h)` buffer per
/// gate; the output layer \\(Y = [H_1; \dots; H_T] W_{hq} + b_q\\) and its
/// gradients \\(\partial W_{hq} = H^\top \partial Y\\), \\(\partial H^{out} = \partial Y W_{hq}^\top\\)
/// run chunk by chunk beside the recurrence; the walk back through time fills every gate's \\(\partial A^g\\) buffer,
/// and each \\(\partial W_{hg} = [H_0; \dots; H_{T-1}]^\top \partial A^g\\) is one product.
/// \\(\partial H_0\\) is [`RecurrentModel::state_grad`].
///
/// Buffers are kept between calls, so a training step allocates nothing per time step.
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
    /// The total `dH_t` of one step, `(batch_size, num_hiddens)`.
    d_hidden: Array2<A>,
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
    /// Each gate's `W_hᵀ`, row-major, for the walk back.
    w_h_t: Vec<Array2<A>>,
    /// The output layer and the overlap of the two cores.
    engine: Pipeline<A>,
}

impl<A: FastReal> LstmFast<A> {
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
        let h = self.params.num_hiddens();
        let rows = batch_size * num_steps;
        let shape = (num_steps, batch_size);
        if self.inputs.dim() != shape || self.hiddens.dim() != (rows + batch_size, h) {
            self.inputs = Array2::zeros((num_steps, batch_size));
            self.hiddens = Array2::zeros((rows + batch_size, h));
            self.cells = Array2::zeros((rows + batch_size, h));
            for buffer in [
                &mut self.input_gate,
                &mut self.forget_gate,
                &mut self.output_gate,
                &mut self.candidate,
                &mut self.tanh_cells,
                &mut self.d_input,
                &mut self.d_forget,
                &mut self.d_output,
                &mut self.d_candidate,
            ] {
                *buffer = Array2::zeros((rows, h));
            }
            for buffer in [
                &mut self.d_hidden,
                &mut self.d_cell,
                &mut self.carry_h,
                &mut self.carry_c,
            ] {
                *buffer = Array2::zeros((batch_size, h));
            }
        }
    }
}

impl<A: FastReal> LstmFast<A> {
    /// Takes a mini-batch `(batch_size, num_steps)`: stores the inputs
    /// time-major with `(H_0, C_0)`, and gathers the input products of every
    /// step, \\(X_t W_{x\cdot} + b_\cdot\\), into the gate buffers.
    fn load(&mut self, inputs: ArrayView2<'_, usize>, state: &LstmState<A>) {
        let (n, steps) = inputs.dim();
        self.ensure_buffers(n, steps);
        self.inputs.assign(&inputs.t());
        let p = &self.params;
        let rows = self.inputs.as_slice().expect("standard layout"); // time-major, as the buffers
        for (buffer, gate) in [
            (&mut self.input_gate, &p.input),
            (&mut self.forget_gate, &p.forget),
            (&mut self.output_gate, &p.output),
            (&mut self.candidate, &p.candidate),
        ] {
            gather_rows(buffer.view_mut(), gate.w_x.view(), &gate.b, rows); // [T n, h]
        }
        self.hiddens.slice_mut(s![..n, ..]).assign(&state.0);
        self.cells.slice_mut(s![..n, ..]).assign(&state.1);
    }

    /// `(H_T, C_T)` into `state`.
    fn final_state(&self, state: &mut LstmState<A>) {
        let last = self.hiddens.nrows() - state.0.nrows();
        state.0.assign(&self.hiddens.slice(s![last.., ..]));
        state.1.assign(&self.cells.slice(s![last.., ..]));
    }

    /// The same model with steps split in halves from `split` on (tests).
    #[cfg(test)]
    pub(crate) fn split_at(mut self, split: super::kernels::halves::MinSplitWork) -> Self {
        self.engine.split = split;
        self
    }

    /// The model as the engine sees it (see [`Parts`]).
    fn parts(&mut self) -> Parts<'_, A, LstmSteps<'_, A>> {
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
            d_hidden,
            d_input,
            d_forget,
            d_output,
            d_candidate,
            d_cell,
            carry_h,
            carry_c,
            w_h_t,
            engine,
        } = self;
        Parts {
            rec: LstmSteps {
                split: engine.split,
                p: [&p.input, &p.forget, &p.output, &p.candidate],
                g: [&mut g.input, &mut g.forget, &mut g.output, &mut g.candidate],
                inputs,
                hiddens,
                cells,
                gates: [input_gate, forget_gate, output_gate, candidate],
                tanh_cells,
                d_hidden,
                d_gates: [d_input, d_forget, d_output, d_candidate],
                d_cell,
                carry_h,
                carry_c,
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

impl<A: FastReal> RecurrentModel for LstmFast<A> {
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
        self.load(inputs, state);
        let mut parts = self.parts();
        parts.engine.forward(steps, n, &mut parts.rec, parts.out);
        self.final_state(state);
        self.engine.logits()
    }

    fn backward(&mut self, d_logits: ArrayView2<'_, A>) {
        self.parts().backward(d_logits);
    }

    fn params(&self) -> &LstmParams<A> {
        &self.params
    }

    fn params_and_grads(&mut self) -> (&mut LstmParams<A>, &mut LstmParams<A>) {
        (&mut self.params, &mut self.grads)
    }
}

impl<A: FastReal> RecurrentModelExt for LstmFast<A> {
    fn advance(&mut self, inputs: ArrayView2<'_, usize>, state: &mut LstmState<A>) {
        let (n, steps) = inputs.dim();
        self.load(inputs, state);
        let width = self.params.num_hiddens();
        let mut parts = self.parts();
        parts.engine.advance(steps, n, width, &mut parts.rec);
        self.final_state(state);
    }

    fn state_grad(&self) -> LstmState<A> {
        (self.carry_h.clone(), self.carry_c.clone())
    }
}
