//! A from-scratch parameter set on the crate's one recurrence engine: the
//! book's weights, the concise layers' cells and walk through time.

use super::engine::{Parts, Pipeline};
use super::kernels::transpose::transpose_into;
use crate::fast::FastReal;
use crate::model::{Parameters, RecurrentModel, RecurrentModelExt};
use crate::nn::engine::{BookWeights, Engine, LayerGrads, LayerSteps};
use crate::nn::{Cell, LayerState, RecurrentParams, RnnConfig};
use crate::scratch::{Gate, GatedParams};
use ndarray::{s, Array2, Array3, ArrayView2, Axis};
use std::fmt;

/// A from-scratch parameter set ([`crate::scratch::RnnParams`],
/// [`crate::scratch::GruParams`], [`crate::scratch::LstmParams`]) as the
/// engine runs it: which [`Cell`] computes its step, in which order the
/// cell stacks its gates, and its state in the book's shape.
///
/// The LSTM's cell stacks PyTorch's i, f, g, o; the book's gates are I, F,
/// O, C̃:
///
/// ```
/// use d2l_rnn::fast::FastLayout;
/// use d2l_rnn::scratch::{GruParams, LstmParams};
/// assert_eq!(<LstmParams<f32> as FastLayout<f32>>::CELL_ORDER, &[0, 1, 3, 2]);
/// assert_eq!(<GruParams<f32> as FastLayout<f32>>::CELL_ORDER, &[1, 0, 2]); // r, z, n from Z, R, H̃
/// ```
pub trait FastLayout<A: FastReal>: GatedParams<A> + Parameters<A> + Clone + fmt::Debug {
    /// The step the engine runs.
    type Cell: Cell<A>;
    /// The book's state: \\(H\\) `(n, h)`, or \\((H, C)\\) for the LSTM.
    type State: BookState<A, Layer = <Self::Cell as Cell<A>>::State>;
    /// Gate block `k` of the cell is gate `CELL_ORDER[k]` of [`GatedParams::gates`].
    const CELL_ORDER: &'static [usize];
    /// The cell, configured for the book's model.
    fn cell() -> Self::Cell;
    /// Whether the weight gradients are summed chunk by chunk during the
    /// walk back (small products that fit between its steps: the RNN's one
    /// gate) or once it ends, one product a gate, beside the output layer's
    /// gradients on the other core (GRU, LSTM).
    const SUM_PER_CHUNK: bool = false;
}

/// A from-scratch model's state, \\(H\\) `(n, h)` or \\((H, C)\\), beside a
/// one-layer state of the concise layers, `(1, n, h)` each.
///
/// ```
/// use d2l_rnn::fast::BookState;
/// use ndarray::{array, Array2};
/// let h = array![[1.0f32, 2.0]];
/// let layer = h.to_layer();
/// assert_eq!(layer.shape(), &[1, 1, 2]);
/// let mut back = <Array2<f32> as BookState<f32>>::zeros(1, 2);
/// back.set_from_layer(&layer);
/// assert_eq!(back, h);
/// ```
pub trait BookState<A>: Clone + Parameters<A> {
    /// The layer's state.
    type Layer;
    /// Zeros for `batch` sequences and `hidden` units.
    fn zeros(batch: usize, hidden: usize) -> Self;
    /// As the layer's state.
    fn to_layer(&self) -> Self::Layer;
    /// Takes the layer's state.
    fn set_from_layer(&mut self, layer: &Self::Layer);
}

impl<A: FastReal> BookState<A> for Array2<A> {
    type Layer = Array3<A>;
    fn zeros(batch: usize, hidden: usize) -> Self {
        Array2::zeros((batch, hidden))
    }
    fn to_layer(&self) -> Array3<A> {
        self.clone().insert_axis(Axis(0))
    }
    fn set_from_layer(&mut self, layer: &Array3<A>) {
        *self = layer.index_axis(Axis(0), 0).to_owned();
    }
}

impl<A: FastReal> BookState<A> for (Array2<A>, Array2<A>) {
    type Layer = (Array3<A>, Array3<A>);
    fn zeros(batch: usize, hidden: usize) -> Self {
        (
            Array2::zeros((batch, hidden)),
            Array2::zeros((batch, hidden)),
        )
    }
    fn to_layer(&self) -> Self::Layer {
        (self.0.to_layer(), self.1.to_layer())
    }
    fn set_from_layer(&mut self, (h, c): &Self::Layer) {
        self.0.set_from_layer(h);
        self.1.set_from_layer(c);
    }
}

/// A from-scratch model run fast: the parameters of a readable model
/// ([`crate::scratch`]) stepped through time by the engine the concise
/// layers use, with the dense output layer overlapped on two cores
/// (`src/fast/engine.rs`). The numbers are the readable model's (a test
/// compares every logit and gradient in f64).
///
/// The weights stay in the book's layout: the engine gathers rows of every
/// gate's \\(W_x\\) (row `x` of \\(W_x\\) is \\(X W_x\\) for the one-hot \\(X\\) of
/// character `x`), multiplies by the gates' \\(W_h\\) side by side, walks back
/// with a copy of \\(W_h^\top\\) made before each pass, and sums the weight
/// gradients in the book's orientation.
///
/// The same numbers as the readable model:
///
/// ```
/// use d2l_rnn::fast::FastModel;
/// use d2l_rnn::model::RecurrentModel;
/// use d2l_rnn::scratch::{get_params, RnnScratch};
/// use ndarray::array;
/// let params = get_params(5, 3, 0);
/// let (mut fast, mut readable) = (FastModel::new(params.clone()), RnnScratch::new(params));
/// let x = array![[1usize, 4, 2]]; // one sequence, three steps
/// let (mut h_fast, mut h_readable) = (fast.begin_state(1), readable.begin_state(1));
/// let a = fast.forward(x.view(), &mut h_fast).to_owned();
/// let b = readable.forward(x.view(), &mut h_readable).to_owned();
/// assert_eq!(a.dim(), (3, 5));
/// assert!(a.iter().zip(&b).all(|(a, b)| (a - b).abs() < 1e-7));
/// assert!(h_fast.iter().zip(&h_readable).all(|(a, b)| (a - b).abs() < 1e-7));
/// ```
#[derive(Clone)]
pub struct FastModel<P: FastLayout<A>, A: FastReal = f32> {
    /// The weights.
    pub params: P,
    /// Their gradients after the last [`RecurrentModel::backward`].
    pub grads: P,
    /// \\(W_h^\top\\) and \\(b\\) of every gate in PyTorch's layout, for the
    /// walk back and the gather (`weight_ih` is empty: the engine gathers
    /// from the gates' \\(W_x\\)).
    torch: RecurrentParams<A>,
    layer: Engine<P::Cell, A>,
    /// The state before the pass, as the layer takes it.
    start: <P::Cell as Cell<A>>::State,
    pipeline: Pipeline<A>,
}

impl<P: FastLayout<A>, A: FastReal> fmt::Debug for FastModel<P, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FastModel")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl<P: FastLayout<A>, A: FastReal> FastModel<P, A> {
    /// Wraps parameters (from `get_params`, `get_gru_params`,
    /// `get_lstm_params` or a checkpoint) into a model.
    pub fn new(params: P) -> Self {
        let (v, h) = (params.vocab_size(), params.num_hiddens());
        let grads = P::zeros(v, h);
        // One bias, added with the gather; no `b_hh` to add at every step.
        let cfg = RnnConfig {
            bias: false,
            ..RnnConfig::new(v, h)
        };
        let mut torch = RecurrentParams::zeros(<P::Cell as Cell<A>>::KIND, &cfg);
        torch.cells[0].weight_ih = Array2::zeros((P::CELL_ORDER.len() * h, 0));
        let start = <P::Cell as Cell<A>>::State::zeros((1, 0, h));
        FastModel {
            params,
            grads,
            torch,
            layer: Engine::new(cfg, P::cell()),
            start,
            pipeline: Pipeline::default(),
        }
    }

    /// The same model with steps split in halves from `split` on (tests).
    #[cfg(test)]
    pub(crate) fn split_at(mut self, split: super::kernels::halves::MinSplitWork) -> Self {
        self.layer.split = split;
        self
    }

    /// The gates' \\(W_x\\) and \\(W_h\\) in the cell's order, as the engine reads them.
    fn book(params: &P) -> BookWeights<'_, A> {
        let gates = params.gates();
        let order = P::CELL_ORDER.iter().map(|&i| gates[i]);
        BookWeights {
            w_x: order.clone().map(|g| g.w_x.view()).collect(),
            w_h: order.map(|g| g.w_h.view()).collect(),
        }
    }

    /// Hands the engine the biases as they are now, and the mini-batch
    /// `(batch_size, num_steps)` with its initial state (the engine reads
    /// \\(W_x\\) and \\(W_h\\) where they are).
    fn load(&mut self, inputs: ArrayView2<'_, usize>, state: &P::State) {
        let h = self.params.num_hiddens();
        let gates = self.params.gates();
        let bias = &mut self.torch.cells[0].bias_ih;
        for (k, &i) in P::CELL_ORDER.iter().enumerate() {
            bias.slice_mut(s![k * h..(k + 1) * h]).assign(&gates[i].b);
        }
        if let Err(e) = self.layer.load_indices(inputs.t()) {
            panic!("FastModel: {e}");
        }
        self.start = state.to_layer();
    }

    /// \\(W_h^\top\\) of every gate in PyTorch's place, for the walk back
    /// (writing text never needs it).
    fn load_transposes(&mut self) {
        let h = self.params.num_hiddens();
        let gates = self.params.gates();
        let w_hh = &mut self.torch.cells[0].weight_hh;
        for (k, &i) in P::CELL_ORDER.iter().enumerate() {
            transpose_into(
                gates[i].w_h.view(),
                w_hh.slice_mut(s![k * h..(k + 1) * h, ..]),
            );
        }
    }

    /// The model as the engine sees it.
    fn parts(&mut self) -> Parts<'_, A, LayerSteps<'_, P::Cell, A>> {
        let FastModel {
            params,
            grads,
            torch,
            layer,
            start,
            pipeline,
        } = self;
        let (gates, d_w_hq, d_b_q) = grads.parts_mut();
        let mut slots: Vec<Option<&mut Gate<A>>> = gates.into_iter().map(Some).collect();
        let in_cell_order = P::CELL_ORDER
            .iter()
            .map(|&i| slots[i].take().expect("each gate once"))
            .collect();
        let (w_hq, b_q) = params.output();
        Parts {
            rec: LayerSteps {
                engine: layer,
                p: torch,
                g: LayerGrads::Scratch {
                    gates: in_cell_order,
                    per_chunk: P::SUM_PER_CHUNK,
                },
                state: Some(start),
                book: Some(Self::book(params)),
            },
            out: super::engine::Output {
                weight: w_hq.view(),
                bias: b_q.view(),
            },
            engine: pipeline,
            d_weight: d_w_hq.view_mut().reversed_axes(),
            d_bias: d_b_q.view_mut(),
        }
    }
}

impl<P: FastLayout<A>, A: FastReal> RecurrentModel for FastModel<P, A> {
    type Elem = A;
    type State = P::State;
    type Params = P;

    fn vocab_size(&self) -> usize {
        self.params.vocab_size()
    }

    fn begin_state(&self, batch_size: usize) -> P::State {
        P::State::zeros(batch_size, self.params.num_hiddens())
    }

    /// # Panics
    /// On an index outside the vocabulary.
    fn forward(
        &mut self,
        inputs: ArrayView2<'_, usize>,
        state: &mut P::State,
    ) -> ArrayView2<'_, A> {
        let (n, steps) = inputs.dim();
        self.load(inputs, state);
        let mut parts = self.parts();
        parts.engine.forward(steps, n, &mut parts.rec, parts.out);
        state.set_from_layer(&self.layer.final_state());
        self.pipeline.logits()
    }

    fn backward(&mut self, d_logits: ArrayView2<'_, A>) {
        self.load_transposes();
        self.parts().backward(d_logits);
    }

    fn params(&self) -> &P {
        &self.params
    }

    fn params_and_grads(&mut self) -> (&mut P, &mut P) {
        (&mut self.params, &mut self.grads)
    }
}

impl<P: FastLayout<A>, A: FastReal> RecurrentModelExt for FastModel<P, A> {
    fn advance(&mut self, inputs: ArrayView2<'_, usize>, state: &mut P::State) {
        self.load(inputs, state);
        let book = Self::book(&self.params);
        self.layer
            .run_forward(&self.torch, Some(&book), Some(&self.start));
        state.set_from_layer(&self.layer.final_state());
    }

    fn state_grad(&self) -> P::State {
        let mut state = P::State::zeros(self.layer.steps_batch().1, self.params.num_hiddens());
        state.set_from_layer(&self.layer.initial_state_grad());
        state
    }
}
