//! The section's `RNNModel`: a recurrent layer and a dense output layer.

use super::engine::{LayerGrads, LayerSteps};
use super::linear::LinearParams;
use super::recurrent::{torch_repr, Cell, Engine, LayerState, Recurrent, RecurrentParams};
use super::{ModelKind, RnnConfig};
use crate::error::{positive, Error, Result};
use crate::fast::engine::{Parts, Pipeline};
use crate::fast::FastReal;
use crate::model::{Parameters, RecurrentModel, RecurrentModelExt};
use ndarray::{s, Array2, ArrayView2, ArrayViewD, ArrayViewMutD};
use std::fmt;

/// The weights of an [`RNNModel`]: the recurrent layer's and the dense
/// layer's. Names are those of PyTorch's `model.state_dict()`:
/// `rnn.weight_ih_l0`, `rnn.weight_hh_l0`, `rnn.bias_ih_l0`,
/// `rnn.bias_hh_l0`, … then `dense.weight`, `dense.bias`. The same type
/// holds the gradients.
#[derive(Clone, Debug, PartialEq)]
pub struct RNNModelParams<A = f32> {
    /// The recurrent layer's weights (`rnn.*`).
    pub rnn: RecurrentParams<A>,
    /// The output layer's weights (`dense.*`).
    pub dense: LinearParams<A>,
}

impl<A> Parameters<A> for RNNModelParams<A> {
    fn tensors(&self) -> Vec<(&'static str, ArrayViewD<'_, A>)> {
        let mut t = self.rnn.tensors();
        t.extend(self.dense.tensors());
        t
    }

    fn tensors_mut(&mut self) -> Vec<(&'static str, ArrayViewMutD<'_, A>)> {
        let mut t = self.rnn.tensors_mut();
        t.extend(self.dense.tensors_mut());
        t
    }
}

/// The section's `RNNModel`: one-hot input, a recurrent layer (`rnn`:
/// [`super::Rnn`], [`super::Gru`] or [`super::Lstm`]), and a dense output layer
/// (`dense`: `Linear(num_directions * hidden_size, vocab_size)`).
///
/// For inputs \\(X\\) `(batch, num_steps)` of indices:
/// \\(H = \text{rnn}(\text{one\\_hot}(X^\top), \text{state})\\) `(num_steps, batch, D h)`,
/// viewed as `(num_steps * batch, D h)`, then \\(O = H W_{dense}^\top + b_{dense}\\)
/// `(num_steps * batch, vocab_size)`, time-major as everywhere in this crate.
/// The one-hot tensor is never built: its product with `weight_ih_l0` is a
/// gather of columns, and the backward pass scatters into them. The dense
/// layer runs chunk by chunk beside the recurrence, forward and backward, in
/// the crate's one engine (`src/fast/engine.rs`).
///
/// It implements [`RecurrentModel`], so it trains through the one loop
/// [`crate::train::train`] and writes text through [`crate::predict::predict_rnn`].
/// The layer's `batch_first` does not matter here: the model feeds it in the
/// layout it expects.
///
/// ```
/// use d2l_rnn::model::{Parameters, RecurrentModel};
/// use d2l_rnn::nn::{Rnn, RNNModel, RnnConfig};
/// use ndarray::Array2;
/// let vocab_size = 1027;
/// let rnn_layer = Rnn::new(RnnConfig::new(vocab_size, 256), 0)?;
/// let mut model = RNNModel::new(rnn_layer, vocab_size, 0)?;
/// let x = Array2::from_shape_fn((2, 5), |(i, t)| 5 * i + t); // (batch_size, num_steps)
/// let mut state = model.begin_state(2);
/// let logits = model.forward(x.view(), &mut state);
/// assert_eq!(logits.dim(), (10, 1027)); // (num_steps * batch_size, vocab_size)
/// assert_eq!(state.dim(), (1, 2, 256));
/// let names: Vec<_> = model.params.tensors().iter().map(|(n, t)| (*n, t.shape().to_vec())).collect();
/// assert_eq!(names, [("rnn.weight_ih_l0", vec![256, 1027]), ("rnn.weight_hh_l0", vec![256, 256]),
///                    ("rnn.bias_ih_l0", vec![256]), ("rnn.bias_hh_l0", vec![256]),
///                    ("dense.weight", vec![1027, 256]), ("dense.bias", vec![1027])]);
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub struct RNNModel<C, A = f32> {
    /// The weights, named as PyTorch's `state_dict()`.
    pub params: RNNModelParams<A>,
    /// Their gradients after the last [`RecurrentModel::backward`].
    pub grads: RNNModelParams<A>,
    rnn: Engine<C, A>,
    /// The dense layer and the overlap of the two cores.
    pipeline: Pipeline<A>,
}

impl<C: Cell<A>, A: FastReal> Clone for RNNModel<C, A> {
    fn clone(&self) -> Self {
        RNNModel {
            params: self.params.clone(),
            grads: self.grads.clone(),
            rnn: self.rnn.clone(),
            pipeline: self.pipeline.clone(),
        }
    }
}

impl<C: Cell<A>, A: FastReal> RNNModel<C, A> {
    /// The section's `RNNModel(rnn_layer, vocab_size)`: takes the layer (its
    /// weights included) and adds `dense`, initialised as PyTorch does
    /// (\\(U(-1/\sqrt{D h}, 1/\sqrt{D h})\\)) from `seed`. The layer's
    /// `input_size` must be `vocab_size` (its input is one-hot); otherwise the
    /// error names both.
    pub fn new(rnn_layer: Recurrent<C, A>, vocab_size: usize, seed: u64) -> Result<Self> {
        positive("vocab_size", vocab_size)?;
        let cfg = *rnn_layer.config();
        if cfg.input_size != vocab_size {
            return Err(Error::InvalidArgument {
                name: "vocab_size",
                value: vocab_size.to_string(),
                hint: format!(
                    "the layer's input_size is {} but its one-hot input is vocab_size = {vocab_size} wide; \
                     build the layer with RnnConfig::new({vocab_size}, hidden_size)",
                    cfg.input_size
                ),
            });
        }
        let hidden = cfg.hidden_size * cfg.num_directions();
        let (params, grads, engine) = rnn_layer.into_parts();
        Ok(RNNModel {
            params: RNNModelParams {
                rnn: params.with_prefix("rnn."),
                dense: LinearParams::uniform(hidden, vocab_size, seed).with_prefix("dense."),
            },
            grads: RNNModelParams {
                rnn: grads.with_prefix("rnn."),
                dense: LinearParams::zeros(hidden, vocab_size).with_prefix("dense."),
            },
            rnn: engine,
            pipeline: Pipeline::default(),
        })
    }

    /// The same model with steps split in halves from `split` on (tests).
    #[cfg(test)]
    pub(crate) fn split_at(mut self, split: crate::fast::kernels::halves::MinSplitWork) -> Self {
        self.rnn.split = split;
        self
    }

    /// The recurrent layer's options.
    pub fn config(&self) -> &RnnConfig {
        &self.rnn.cfg
    }

    /// RNN, GRU or LSTM.
    pub fn kind(&self) -> ModelKind {
        C::KIND
    }

    /// The section's `self.hidden_size`: `hidden_size * num_directions`, the
    /// dense layer's input width.
    pub fn hidden_size(&self) -> usize {
        self.rnn.cfg.hidden_size * self.rnn.cfg.num_directions()
    }

    /// PyTorch's `output, state = model(inputs, state)`: logits
    /// `(num_steps * batch, vocab_size)` for inputs `(batch, num_steps)`, and
    /// the state after the last step. `state` `None` means zeros. Errors name
    /// an index outside the vocabulary or a state of the wrong shape.
    ///
    /// ```
    /// use d2l_rnn::nn::{Lstm, RNNModel, RnnConfig};
    /// use ndarray::array;
    /// let mut model = RNNModel::new(Lstm::new(RnnConfig::new(4, 3), 0)?, 4, 0)?;
    /// let (y, (h, c)) = model.run(array![[0usize, 1, 2]].view(), None)?;
    /// assert_eq!((y.dim(), h.dim(), c.dim()), ((3, 4), (1, 1, 3), (1, 1, 3)));
    /// let err = model.run(array![[0usize, 9]].view(), None).unwrap_err().to_string();
    /// assert!(err.contains("index 9") && err.contains("input_size = 4"), "{err}");
    /// # Ok::<(), d2l_rnn::Error>(())
    /// ```
    pub fn run(
        &mut self,
        inputs: ArrayView2<'_, usize>,
        state: Option<&C::State>,
    ) -> Result<(Array2<A>, C::State)> {
        self.try_forward(inputs, state)?;
        Ok((self.pipeline.logits().to_owned(), self.rnn.final_state()))
    }

    fn try_forward(
        &mut self,
        inputs: ArrayView2<'_, usize>,
        state: Option<&C::State>,
    ) -> Result<()> {
        self.rnn.load_indices(inputs.t())?; // (num_steps, batch): time-major
        if let Some(st) = state {
            self.rnn.check_state(st, false)?;
        }
        let (steps, n) = self.rnn.steps_batch();
        let mut parts = self.parts(state);
        parts.engine.forward(steps, n, &mut parts.rec, parts.out);
        Ok(())
    }

    /// The model as the engine sees it: the layers (from `state`) as the
    /// recurrence, the dense layer as the output layer, and its gradients.
    fn parts<'a>(&'a mut self, state: Option<&'a C::State>) -> Parts<'a, A, LayerSteps<'a, C, A>> {
        let RNNModel {
            params,
            grads,
            rnn,
            pipeline,
        } = self;
        Parts {
            rec: LayerSteps {
                engine: rnn,
                p: &params.rnn,
                g: LayerGrads::Torch(&mut grads.rnn),
                book: None,
                state,
            },
            out: params.dense.output(),
            engine: pipeline,
            d_weight: grads.dense.weight.view_mut(),
            d_bias: grads.dense.bias.view_mut(),
        }
    }
}

impl<C: Cell<A>, A: FastReal> RecurrentModel for RNNModel<C, A> {
    type Elem = A;
    type State = C::State;
    type Params = RNNModelParams<A>;

    fn vocab_size(&self) -> usize {
        self.params.dense.out_features()
    }

    fn begin_state(&self, batch_size: usize) -> C::State {
        C::State::zeros(self.rnn.cfg.state_shape(batch_size))
    }

    /// # Panics
    /// On an index outside the vocabulary or a state of the wrong shape,
    /// with the message [`RNNModel::run`] would return as an error.
    fn forward(
        &mut self,
        inputs: ArrayView2<'_, usize>,
        state: &mut C::State,
    ) -> ArrayView2<'_, A> {
        if let Err(e) = self.try_forward(inputs, Some(state)) {
            panic!("RNNModel::forward: {e}");
        }
        self.rnn.write_final_state(state);
        self.pipeline.logits()
    }

    fn backward(&mut self, d_logits: ArrayView2<'_, A>) {
        assert!(
            self.rnn.is_ready() && d_logits.dim() == self.pipeline.logits().dim(),
            "RNNModel::backward: d_logits {:?} must follow a forward pass with logits {:?}",
            d_logits.dim(),
            self.pipeline.logits().dim()
        );
        self.parts(None).backward(d_logits);
    }

    fn params(&self) -> &RNNModelParams<A> {
        &self.params
    }

    fn params_and_grads(&mut self) -> (&mut RNNModelParams<A>, &mut RNNModelParams<A>) {
        (&mut self.params, &mut self.grads)
    }
}

impl<C: Cell<A>, A: FastReal> RecurrentModelExt for RNNModel<C, A> {
    /// The recurrent layer alone: the dense layer is skipped. A stacked or
    /// bidirectional model goes one step per pass, as separate `forward` calls
    /// would (a backward direction must not see later characters), so the state
    /// is the same to the last bit either way.
    ///
    /// # Panics
    /// As [`RecurrentModel::forward`].
    fn advance(&mut self, inputs: ArrayView2<'_, usize>, state: &mut C::State) {
        let cfg = &self.rnn.cfg;
        let steps = inputs.ncols();
        let width = if cfg.num_layers == 1 && !cfg.bidirectional {
            steps.max(1)
        } else {
            1
        };
        for start in (0..steps).step_by(width) {
            let part = inputs.slice(s![.., start..(start + width).min(steps)]);
            let loaded = self.rnn.load_indices(part.t());
            if let Err(e) = loaded.and_then(|()| self.rnn.check_state(state, false)) {
                panic!("RNNModel::advance: {e}");
            }
            self.rnn.run_forward(&self.params.rnn, None, Some(state));
            self.rnn.write_final_state(state);
        }
    }

    fn state_grad(&self) -> C::State {
        self.rnn.initial_state_grad()
    }
}

impl<C: Cell<A>, A: FastReal> fmt::Display for RNNModel<C, A> {
    /// PyTorch's repr of the section's model.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "RNNModel(\n  (rnn): {}\n  (dense): Linear(in_features={}, out_features={}, bias=True)\n)",
            torch_repr(C::KIND, &self.rnn.cfg),
            self.params.dense.in_features(),
            self.params.dense.out_features()
        )
    }
}

impl<C: Cell<A>, A: FastReal> fmt::Debug for RNNModel<C, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
