//! The recurrent layers as the pipeline's [`Recurrence`]: how an
//! [`super::super::RNNModel`] or a [`crate::fast::FastModel`] runs through
//! the two cores (`src/fast/engine.rs`).
//!
//! With one direction, the last layer's walk is cut into the engine's
//! chunks (the layers below it run whole on the first chunk, since the last
//! layer's input product needs all their steps); a bidirectional last layer
//! needs every step before its first output row, so it runs whole on the
//! first chunk and the others only hand out rows. Backwards, the last layer
//! walks back chunk by chunk in the same way, and the layers below follow
//! whole after the last chunk; its weight gradients (in PyTorch's layout)
//! wait until the output layer's are done, when both cores are free, or (in
//! the book's, [`LayerGrads::Scratch`]) are summed during the walk or as it ends. Every product is the one
//! [`super::Engine::run_forward`] and [`super::Engine::run_backward`] compute.

use super::{BookWeights, Engine};
use crate::fast::engine::Recurrence;
use crate::fast::FastReal;
use crate::nn::cell::Cell;
use crate::nn::layer_params::RecurrentParams;
use crate::scratch::Gate;
use ndarray::{s, ArrayView2, ArrayViewMut2};
use std::ops::Range;

/// Where a layer stack's weight gradients go.
pub(crate) enum LayerGrads<'a, A> {
    /// PyTorch's layout, written after the walk back.
    Torch(&'a mut RecurrentParams<A>),
    /// The book's (one layer, one direction, one-hot input), each gate's
    /// in the cell's gate order ([`super::scratch`]): summed chunk by chunk
    /// during the walk back when `per_chunk`, else as soon as it ends (while
    /// the other core works on the output layer's gradients).
    Scratch {
        gates: Vec<&'a mut Gate<A>>,
        per_chunk: bool,
    },
}

impl<A> LayerGrads<'_, A> {
    /// The gradients in PyTorch's layout: a stack in the book's layout has
    /// one layer and one direction, which always walk back chunk by chunk.
    fn torch(&mut self) -> &mut RecurrentParams<A> {
        match self {
            LayerGrads::Torch(g) => g,
            LayerGrads::Scratch { .. } => {
                unreachable!("the book's layout has one layer, one direction")
            }
        }
    }
}

/// A layer stack with its weights, gradients and initial state, for one
/// forward and backward pass through the engine.
pub(crate) struct LayerSteps<'a, C: Cell<A>, A: FastReal> {
    pub(crate) engine: &'a mut Engine<C, A>,
    pub(crate) p: &'a RecurrentParams<A>,
    pub(crate) g: LayerGrads<'a, A>,
    /// The weights in the book's layout, read forwards instead of
    /// `weight_ih` and `weight_hh`.
    pub(crate) book: Option<BookWeights<'a, A>>,
    /// The initial state (zeros when `None`).
    pub(crate) state: Option<&'a C::State>,
}

impl<C: Cell<A>, A: FastReal> LayerSteps<'_, C, A> {
    /// Whether the last layer's steps come in time order (one direction).
    fn chunked(&self) -> bool {
        !self.engine.cfg.bidirectional
    }
}

impl<C: Cell<A>, A: FastReal> Recurrence<A> for LayerSteps<'_, C, A> {
    fn forward_chunk(&mut self, steps: Range<usize>, mut out: ArrayViewMut2<'_, A>) {
        let (total, n) = self.engine.steps_batch();
        let last = self.engine.cfg.num_layers - 1;
        let dirs = self.engine.cfg.num_directions();
        if steps.start == 0 {
            for l in 0..last {
                for d in 0..dirs {
                    self.engine
                        .begin_dir(self.p, self.book.as_ref(), l, d, self.state);
                    self.engine
                        .forward_steps(self.p, self.book.as_ref(), l, d, 0..total);
                }
            }
            for d in 0..dirs {
                self.engine
                    .begin_dir(self.p, self.book.as_ref(), last, d, self.state);
                if !self.chunked() {
                    self.engine
                        .forward_steps(self.p, self.book.as_ref(), last, d, 0..total);
                }
            }
        }
        if self.chunked() {
            self.engine
                .forward_steps(self.p, self.book.as_ref(), last, 0, steps.clone());
        }
        if steps.end == total {
            self.engine.ready = true;
        }
        let y = self.engine.output();
        out.assign(&y.slice(s![steps.start * n..steps.end * n, ..]));
    }

    fn backward_chunk(&mut self, steps: Range<usize>, d_out: ArrayView2<'_, A>) {
        let (total, n) = self.engine.steps_batch();
        let last = self.engine.cfg.num_layers - 1;
        self.engine
            .d_output_mut()
            .slice_mut(s![steps.start * n..steps.end * n, ..])
            .assign(&d_out);
        if self.chunked() {
            if steps.end == total {
                self.engine.begin_back(last, 0, None);
            }
            self.engine.backward_steps(self.p, last, 0, steps.clone());
            match &mut self.g {
                LayerGrads::Scratch {
                    gates,
                    per_chunk: true,
                } => self.engine.scratch_grads_chunk(steps.clone(), gates),
                LayerGrads::Scratch { gates, .. } if steps.start == 0 => {
                    self.engine.scratch_grads_whole(gates)
                }
                _ => {}
            }
            if steps.start == 0 {
                // The layer below needs its input's gradient now; the
                // weights' wait for `finish_backward`.
                self.engine.input_grad(self.p, last, 0, false);
            }
        } else if steps.start == 0 {
            self.engine
                .backward_layer(self.p, self.g.torch(), last, None, false);
        }
        if steps.start == 0 {
            for l in (0..last).rev() {
                self.engine
                    .backward_layer(self.p, self.g.torch(), l, None, false);
            }
        }
    }

    fn finish_backward(&mut self) {
        if self.chunked() {
            match &mut self.g {
                LayerGrads::Torch(g) => {
                    let last = self.engine.cfg.num_layers - 1;
                    self.engine.weight_grads(g, last, 0);
                }
                LayerGrads::Scratch { .. } => {}
            }
        }
    }
}
