//! The one walk through time: the loops over time, forwards and backwards,
//! for stacked layers, two directions and either layout, shared by every
//! [`Cell`] and every trainable model (the concise layers, and the
//! from-scratch models through [`crate::fast::FastModel`]). The buffers and
//! shapes are here; feeding inputs in [`input`], the pass forward in
//! [`forward`], the pass back in [`backward`] (one step of it in
//! [`back_step`]); the book's weight layout in [`scratch`]; how a model's
//! layers run through the two-core pipeline (`src/fast/engine.rs`) in
//! [`chunks`].

mod back_step;
mod backward;
mod chunks;
mod forward;
mod input;
mod scratch;

pub(crate) use chunks::{LayerGrads, LayerSteps};
pub(crate) use scratch::BookWeights;

use super::cell::Cell;
use super::state::LayerState;
use super::RnnConfig;

use crate::error::Error;
use crate::fast::kernels::halves::MinSplitWork;
use crate::fast::FastReal;
use ndarray::{Array2, ArrayView2, ArrayViewMut2, Axis};

/// Buffers of one direction of one layer, kept between calls.
#[derive(Clone, Debug)]
pub(crate) struct DirBuffers<A> {
    /// \\(X W_{ih}^\top + b_{ih}\\) for all steps, time order, `(T n, G H)`.
    xw: Array2<A>,
    /// \\(h_{k} W_{hh}^\top + b_{hh}\\) of the current step, `(n, G H)`.
    hw: Array2<A>,
    /// \\(h\\) before step \\(k\\) at rows `k n..(k+1) n`, processing order, `((T+1) n, H)`.
    h: Array2<A>,
    /// \\(c\\) likewise (LSTM; `(0, 0)` otherwise).
    c: Array2<A>,
    /// The cell's per-step cache, processing order, `(T n, CACHE H)`.
    cache: Array2<A>,
    /// Gradient of `xw`, time order, `(T n, G H)`.
    d_xw: Array2<A>,
    /// Gradient of each step's `hw`, processing order, `(T n, G H)`; `(0, 0)`
    /// where it would equal `d_xw` ([`Cell::SAME_PRE_ACTIVATION_GRADS`], direction 0).
    d_hw: Array2<A>,
    /// Gradient flowing to the previous step's \\(h\\) (ends as \\(\partial h_0\\)), `(n, H)`.
    carry_h: Array2<A>,
    /// The same for \\(c\\) (LSTM; `(0, 0)` otherwise).
    carry_c: Array2<A>,
    /// Scratch `(n, H)`.
    d_h: Array2<A>,
    /// Gradient of the gated state, `(n, H)` ([`Cell::gated_hidden`]; `(0, 0)` otherwise).
    d_gated: Array2<A>,
    /// \\(W_{hh}^\top\\) row-major, `(H, G H + pad)`, copied before each walk
    /// forward; the first `G H` columns are used ([`crate::fast::kernels::transpose::row_padding`]).
    w_hh_t: Array2<A>,
}

/// Buffers of one layer.
#[derive(Clone, Debug)]
pub(crate) struct LayerBuffers<A> {
    dirs: Vec<DirBuffers<A>>,
    /// Outputs \\([h^{fwd}_t, h^{bwd}_t]\\), time-major, `(T n, D H)`.
    y: Array2<A>,
    /// Gradient of `y`.
    d_y: Array2<A>,
}

/// The layer without its parameters: options, cell and buffers. A
/// [`Recurrent`] owns one with its weights; an [`super::RNNModel`] owns one
/// and keeps the weights beside the dense layer's.
#[derive(Clone, Debug)]
pub(crate) struct Engine<C, A> {
    pub(crate) cfg: RnnConfig,
    pub(crate) cell: C,
    pub(crate) steps: usize,
    pub(crate) batch: usize,
    pub(crate) one_hot: bool,
    /// A forward pass filled the buffers for the current shapes.
    pub(crate) ready: bool,
    /// Dense input, time-major, `(T n, input_size)`.
    pub(crate) x0: Array2<A>,
    /// One-hot input as indices, time-major, `T n`.
    pub(crate) idx0: Vec<usize>,
    /// Gradient of the dense input.
    pub(crate) d_x0: Array2<A>,
    /// The one-hot layer's `weight_ih` transposed, `(input_size, G H + pad)`
    /// (the first `G H` columns; rows padded as `w_hh_t`'s), for the gather;
    /// its gradient's rows before the scatter's transpose.
    pub(crate) w_ih_t: Array2<A>,
    pub(crate) layers: Vec<LayerBuffers<A>>,
    /// From which size a step's sequences walk as two halves.
    pub(crate) split: MinSplitWork,
}

pub(crate) fn invalid(name: &'static str, value: String, hint: String) -> Error {
    Error::InvalidArgument { name, value, hint }
}

pub(super) fn empty<A>() -> Array2<A> {
    Array2::from_shape_vec((0, 0), Vec::new()).expect("an empty array")
}

/// Each part of a layer's state (`targets`: \\(h\\), and \\(c\\) for the LSTM)
/// from entry `j` of `state`, or zeros when there is none.
pub(super) fn take_state<C: Cell<A>, A: FastReal>(
    targets: [ArrayViewMut2<'_, A>; 2],
    state: Option<&C::State>,
    j: usize,
) {
    let parts = <C::State as LayerState<A>>::NAMES.len();
    for (part, mut target) in targets.into_iter().enumerate().take(parts) {
        match state {
            Some(st) => target.assign(&st.part(part).index_axis(Axis(0), j)),
            None => target.fill(A::zero()),
        }
    }
}

/// `(&s[k len..(k+1) len], &mut s[(k+1) len..(k+2) len])`.
pub(super) fn prev_next<A>(s: &mut [A], k: usize, len: usize) -> (&[A], &mut [A]) {
    let (before, after) = s.split_at_mut((k + 1) * len);
    (&before[k * len..], &mut after[..len])
}

impl<C: Cell<A>, A: FastReal> Engine<C, A> {
    /// The sizes a walk through time works with: time steps \\(T\\),
    /// sequences \\(n\\), hidden size \\(H\\), directions, gate width \\(G H\\),
    /// cache width, and whether the state has a memory cell.
    pub(super) fn dims(&self) -> (usize, usize, usize, usize, usize, usize, bool) {
        let hs = self.cfg.hidden_size;
        let dirs = self.cfg.num_directions();
        let (gh, cw) = (C::GATES * hs, C::CACHE * hs);
        (self.steps, self.batch, hs, dirs, gh, cw, Self::parts() == 2)
    }

    pub(crate) fn new(cfg: RnnConfig, cell: C) -> Self {
        Engine {
            cfg,
            cell,
            steps: 0,
            batch: 0,
            one_hot: false,
            ready: false,
            x0: empty(),
            idx0: Vec::new(),
            d_x0: empty(),
            w_ih_t: empty(),
            layers: Vec::new(),
            split: MinSplitWork::default(),
        }
    }

    fn parts() -> usize {
        <C::State as LayerState<A>>::NAMES.len()
    }

    /// Sizes the buffers for `steps` time steps of `batch` sequences.
    fn ensure(&mut self, steps: usize, batch: usize) {
        self.ready = false;
        if (steps, batch) == (self.steps, self.batch) && !self.layers.is_empty() {
            return;
        }
        let (h, dirs) = (self.cfg.hidden_size, self.cfg.num_directions());
        let (rows, gh) = (steps * batch, C::GATES * h);
        let lstm = Self::parts() == 2;
        let gated = self.cell.gated_hidden();
        let dir = |d: usize| DirBuffers {
            xw: Array2::zeros((rows, gh)),
            hw: Array2::zeros((batch, gh)),
            h: Array2::zeros((rows + batch, h)),
            c: if lstm {
                Array2::zeros((rows + batch, h))
            } else {
                empty()
            },
            cache: Array2::zeros((rows, C::CACHE * h)),
            d_xw: Array2::zeros((rows, gh)),
            d_hw: if Self::d_hw_is_d_xw(d) {
                empty()
            } else {
                Array2::zeros((rows, gh))
            },
            carry_h: Array2::zeros((batch, h)),
            carry_c: if lstm {
                Array2::zeros((batch, h))
            } else {
                empty()
            },
            d_h: Array2::zeros((batch, h)),
            d_gated: if gated {
                Array2::zeros((batch, h))
            } else {
                empty()
            },
            w_hh_t: empty(),
        };
        self.layers = (0..self.cfg.num_layers)
            .map(|_| LayerBuffers {
                dirs: (0..dirs).map(dir).collect(),
                y: Array2::zeros((rows, dirs * h)),
                d_y: Array2::zeros((rows, dirs * h)),
            })
            .collect();
        self.steps = steps;
        self.batch = batch;
    }

    /// Whether direction `d`'s gradient of `hw` is its gradient of `xw`, row
    /// for row: the cell gives both products the same gradient and the
    /// direction walks in time order (direction 0). The walk back then keeps
    /// one buffer, `d_xw`, for both.
    pub(crate) fn d_hw_is_d_xw(d: usize) -> bool {
        C::SAME_PRE_ACTIVATION_GRADS && d == 0
    }

    pub(crate) fn is_ready(&self) -> bool {
        self.ready
    }

    pub(crate) fn steps_batch(&self) -> (usize, usize) {
        (self.steps, self.batch)
    }

    /// Outputs of the last layer, time-major `(T n, D H)`.
    pub(crate) fn output(&self) -> ArrayView2<'_, A> {
        self.layers
            .last()
            .map(|l| l.y.view())
            .expect("a layer after a forward pass")
    }

    /// Where the gradient of [`Engine::output`] goes before [`Engine::run_backward`].
    pub(crate) fn d_output_mut(&mut self) -> ArrayViewMut2<'_, A> {
        self.layers
            .last_mut()
            .map(|l| l.d_y.view_mut())
            .expect("a layer after a forward pass")
    }
}
