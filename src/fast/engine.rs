//! The one engine every trainable model runs through: a recurrence and a
//! dense output layer, shared between two cores.
//!
//! # Design
//!
//! A training step of any of the crate's models (the from-scratch RNN, GRU
//! and LSTM, and the concise `RNNModel` over any layer) is
//!
//! 1. a **recurrence** that walks through time and writes the hidden
//!    states \\(H = [H_1; \dots; H_T]\\) `(T n, width)`, time-major;
//! 2. a **dense output layer** \\(O = H W + b\\) `(T n, q)`;
//! 3. backwards, \\(\partial H = \partial O\, W^\top\\) and
//!    \\(\partial W = H^\top \partial O\\), \\(\partial b = \sum_{rows} \partial O\\);
//! 4. the walk **back through time** from \\(\partial H\\).
//!
//! Steps 1 and 4 are a short sequential chain; 2 and 3 are large products,
//! independent across time steps. The engine ([`Pipeline`]) cuts the time
//! axis into chunks of [`chunk_steps`] steps (5 at batch 32) and lets them
//! overlap:
//!
//! - **forward**: one thread runs the recurrence chunk by chunk and marks
//!   each chunk done ([`Flags`]); both threads claim ([`Queue`]) the output
//!   products \\(O_c = H_c W + b\\) of finished chunks; the recurrence's
//!   thread joins in when the chain ends, and the last chunk is split in
//!   two halves of rows. Before its first chunk, the other thread copies
//!   whichever of \\(W\\) and \\(W^\top\\) is not row-major (gemm reads a
//!   row-major right operand about 12 % faster), once the walk's start
//!   offers it no work to share; both passes use the copy;
//! - **backward**: both threads claim the chunks of \\(\partial H_c = \partial O_c W^\top\\),
//!   last chunk first; one thread walks back through each chunk as soon as
//!   it is ready, and when the walk is done both share the blocks of
//!   \\(\partial W\\) ([`DenseGradBlocks`]); then the recurrence finishes its own
//!   weight gradients with both threads free.
//!
//! Whenever a thread waits for a chunk, it runs work the other offers: a
//! walk cuts a large step's sequences into two halves ([`super::kernels::halves`]),
//! and the waiting thread takes one.
//!
//! What differs between models is only the recurrence, given to the engine
//! as a [`Recurrence`]: `forward_chunk` (run these steps, write their rows of
//! \\(H\\)), `backward_chunk` (go back through these steps given their rows
//! of \\(\partial H\\)) and `finish_backward`. Each product is computed whole by
//! one thread in a fixed order, and each row of a step the same way split or
//! not, so the numbers do not depend on which thread ran what, nor on the
//! number of threads.

use super::kernels::linalg::matmul_serial;
use super::kernels::pipeline::{chunk_steps, lock, DenseGradBlocks, Flags, Queue};
use super::kernels::rows::add_to_rows;
pub use super::output::Output;
use crate::fast::FastReal;
use ndarray::{s, Array2, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis};
use std::ops::Range;
use std::sync::{Mutex, Once, RwLock};

/// The part of a model that differs: its walk through time, chunk by chunk.
///
/// The engine calls `forward_chunk` for consecutive ranges of steps in time
/// order (the first starts at 0, the last ends at `T`), then, after the
/// loss, `backward_chunk` for the same ranges, last first. Rows are
/// time-major: row `(t - steps.start) n + i` is sequence `i` at time `t`.
pub trait Recurrence<A>: Send {
    /// Runs time steps `steps` and writes their hidden rows,
    /// `(steps.len() n, width)`, into `out`.
    fn forward_chunk(&mut self, steps: Range<usize>, out: ArrayViewMut2<'_, A>);
    /// Goes back through `steps`, given \\(\partial L / \partial H\\) from the
    /// output layer for their rows, `d_out` `(steps.len() n, width)`. The
    /// call with `steps.start == 0` is the last of the walk.
    fn backward_chunk(&mut self, steps: Range<usize>, d_out: ArrayView2<'_, A>);
    /// After the walk back and the output layer's gradients, with every core
    /// free: what is left of the recurrence's own gradients (the products of
    /// its weight gradients over all steps, say). By default nothing.
    fn finish_backward(&mut self) {}
}

/// The engine's buffers, kept between calls: \\(H\\), \\(O\\) and \\(\partial H\\).
/// See the [module docs](self) for the design and a whole forward and
/// backward pass of a toy recurrence.
#[derive(Clone, Debug, Default)]
pub struct Pipeline<A> {
    /// \\(H\\), `(T n, width)`.
    hidden: Array2<A>,
    /// \\(O\\), `(T n, q)`.
    logits: Array2<A>,
    /// \\(\partial H\\), `(T n, width)`.
    d_hidden: Array2<A>,
    /// The output weight's other orientation, row-major: [`Pipeline::forward`]
    /// copies whichever of \\(W\\) and \\(W^\top\\) is not (gemm runs about
    /// 12 % faster on a row-major right operand).
    weight_copy: Array2<A>,
    /// The weight `weight_copy` was made from: its address and shape.
    copy_of: Option<(usize, (usize, usize))>,
    /// Sequences per mini-batch of the last forward pass.
    batch: usize,
}

impl<A: FastReal> Pipeline<A> {
    fn ensure(&mut self, steps: usize, batch: usize, width: usize, q: usize) {
        let rows = steps * batch;
        if self.hidden.dim() != (rows, width) {
            self.hidden = Array2::zeros((rows, width));
            self.d_hidden = Array2::zeros((rows, width));
        }
        if self.logits.dim() != (rows, q) {
            self.logits = Array2::zeros((rows, q));
        }
        self.batch = batch;
    }

    /// \\(O\\) of the last [`Pipeline::forward`], `(T n, q)`.
    pub fn logits(&self) -> ArrayView2<'_, A> {
        self.logits.view()
    }

    /// The forward pass: the recurrence over `steps` steps of `batch`
    /// sequences, overlapped with the output layer; returns \\(O\\) `(T n, q)`.
    pub fn forward(
        &mut self,
        steps: usize,
        batch: usize,
        rec: &mut impl Recurrence<A>,
        out: Output<'_, A>,
    ) -> ArrayView2<'_, A> {
        let (width, q) = out.weight.dim();
        self.ensure(steps, batch, width, q);
        let k = chunk_steps(batch);
        self.copy_of = None;
        let Pipeline { hidden, logits, .. } = self;
        if steps <= k {
            // One chunk, nothing to overlap (writing text, say).
            rec.forward_chunk(0..steps, hidden.view_mut());
            matmul_serial(A::one(), &*hidden, &out.weight, A::zero(), logits);
            add_to_rows(logits.view_mut(), out.bias.view());
            return self.logits.view();
        }
        let rows = k * batch;
        self.copy_of = Some(out.key());
        let Pipeline {
            hidden,
            logits,
            weight_copy,
            ..
        } = self;
        let h_chunks: Vec<_> = hidden
            .axis_chunks_iter_mut(Axis(0), rows)
            .map(Mutex::new)
            .collect();
        let o_chunks: Vec<_> = logits
            .axis_chunks_iter_mut(Axis(0), rows)
            .map(Mutex::new)
            .collect();
        let (filled, queue) = (Flags::new(h_chunks.len()), Queue::new(h_chunks.len()));
        // The thread that does not walk makes the copy while it waits for
        // the first chunk, at the first moment the walk offers it no work
        // (the walk's own start, its transposes and gather, comes first);
        // or the walking one, if it gets there first.
        let (copied, copy) = (Once::new(), RwLock::new(weight_copy));
        let make_copy = || {
            copied.call_once(|| {
                out.copy_other_orientation(&mut copy.write().unwrap_or_else(|e| e.into_inner()))
            })
        };
        let walked = std::sync::atomic::AtomicBool::new(false);
        let outputs = || {
            while let Some(c) = queue.claim() {
                filled.wait_idle_first(c, make_copy);
                make_copy();
                let copy = copy.read().unwrap_or_else(|e| e.into_inner());
                let out = out.row_major(&copy);
                let h = lock(&h_chunks[c]);
                let mut o = lock(&o_chunks[c]);
                let last = c + 1 == h_chunks.len();
                if !(last && walked.load(std::sync::atomic::Ordering::Acquire)) {
                    out.logits_into(h.view(), o.view_mut());
                    continue;
                }
                // The last chunk, with the walk done: two halves of rows, so
                // that the other core takes one when it is free.
                let half = h.nrows() / 2;
                let (h1, h2) = h.view().split_at(Axis(0), half);
                let (o1, o2) = o.view_mut().split_at(Axis(0), half);
                rayon::join(|| out.logits_into(h1, o1), || out.logits_into(h2, o2));
            }
        };
        let recurrence = || {
            for (c, chunk) in h_chunks.iter().enumerate() {
                let start = c * k;
                rec.forward_chunk(start..(start + k).min(steps), lock(chunk).view_mut());
                filled.set(c);
            }
            walked.store(true, std::sync::atomic::Ordering::Release);
            outputs();
        };
        rayon::join(recurrence, outputs);
        self.logits.view()
    }

    /// The backward pass from \\(\partial L / \partial O\\) `d_logits` `(T n, q)`
    /// of the last [`Pipeline::forward`]: the walk back through time
    /// (`rec.backward_chunk`) overlapped with \\(\partial H = \partial O\, W^\top\\),
    /// then \\(\partial W\\) written into `d_weight` `(q, width)` (the dense
    /// layer's `(out, in)`; pass a transposed view for a `(width, q)` weight)
    /// and \\(\partial b\\) into `d_bias`. `out` must be the forward pass's
    /// layer, unchanged: the row-major copy of its weight made then is reused.
    pub fn backward(
        &mut self,
        d_logits: ArrayView2<'_, A>,
        rec: &mut impl Recurrence<A>,
        out: Output<'_, A>,
        d_weight: ArrayViewMut2<'_, A>,
        d_bias: ArrayViewMut1<'_, A>,
    ) {
        assert_eq!(
            d_logits.dim(),
            self.logits.dim(),
            "Pipeline::backward: d_logits must have the forward pass's shape"
        );
        let n = self.batch;
        let steps = self.hidden.nrows() / n.max(1);
        let k = chunk_steps(n);
        let rows = k * n;
        let Pipeline {
            hidden,
            d_hidden,
            weight_copy,
            copy_of,
            ..
        } = self;
        let w_t = out.transposed_row_major(weight_copy, *copy_of);
        // Chunks of dH = dO W^T, computed last chunk first by whichever
        // thread claims them.
        let d_chunks: Vec<_> = d_hidden
            .axis_chunks_iter_mut(Axis(0), rows)
            .map(Mutex::new)
            .collect();
        let m = d_chunks.len();
        let (d_ready, d_queue) = (Flags::new(m), Queue::new(m));
        let d_hidden_chunk = |i: usize| {
            let c = m - 1 - i;
            let mut d = lock(&d_chunks[c]);
            let o = d_logits.slice(s![c * rows..c * rows + d.nrows(), ..]);
            matmul_serial(A::one(), &o, &w_t, A::zero(), &mut *d);
            drop(d);
            d_ready.set(c);
        };
        let output_grads = DenseGradBlocks::new(d_weight, d_bias, hidden.view(), d_logits);
        rayon::join(
            || {
                for c in (0..m).rev() {
                    // Help with dH while the chunk needed next is not ready.
                    while !d_ready.is_set(c) {
                        match d_queue.claim() {
                            Some(i) => d_hidden_chunk(i),
                            None => d_ready.wait(c),
                        }
                    }
                    let start = c * k;
                    let d = lock(&d_chunks[c]);
                    rec.backward_chunk(start..(start + k).min(steps), d.view());
                }
                output_grads.work();
            },
            || {
                while let Some(i) = d_queue.claim() {
                    d_hidden_chunk(i);
                }
                output_grads.work();
            },
        );
        rec.finish_backward();
    }
}

/// A model taken apart for the engine: its recurrence, its output layer,
/// the engine's buffers and where the output layer's gradients go
/// (`d_weight` `(q, width)`, `d_bias` `(q,)`).
pub(crate) struct Parts<'a, A, R> {
    pub(crate) rec: R,
    pub(crate) out: Output<'a, A>,
    pub(crate) engine: &'a mut Pipeline<A>,
    pub(crate) d_weight: ArrayViewMut2<'a, A>,
    pub(crate) d_bias: ArrayViewMut1<'a, A>,
}

impl<A: FastReal, R: Recurrence<A>> Parts<'_, A, R> {
    /// [`Pipeline::backward`] with these parts.
    pub(crate) fn backward(mut self, d_logits: ArrayView2<'_, A>) {
        self.engine.backward(
            d_logits,
            &mut self.rec,
            self.out,
            self.d_weight,
            self.d_bias,
        );
    }
}

#[cfg(test)]
mod examples {
    #[test]
    fn module_example() {
        use crate::fast::engine::{Output, Pipeline, Recurrence};
        use ndarray::{array, Array2, ArrayView2, ArrayViewMut2};
        use std::ops::Range;

        /// A toy recurrence h_t = h_{t-1} + x_t, one row, one unit.
        struct Sum {
            xs: Vec<f64>,
            h: f64,
            dxs: Vec<f64>,
        }
        impl Recurrence<f64> for Sum {
            fn forward_chunk(&mut self, steps: Range<usize>, mut out: ArrayViewMut2<'_, f64>) {
                for (row, t) in steps.enumerate() {
                    self.h += self.xs[t];
                    out[[row, 0]] = self.h;
                }
            }
            fn backward_chunk(&mut self, steps: Range<usize>, d_out: ArrayView2<'_, f64>) {
                // dL/dx_t = sum of dL/dh_s for s >= t: `h` carries it.
                for (row, t) in steps.clone().enumerate().rev() {
                    self.h += d_out[[row, 0]];
                    self.dxs[t] = self.h;
                }
            }
        }
        let mut rec = Sum {
            xs: vec![1.0, 2.0, 3.0],
            h: 0.0,
            dxs: vec![0.0; 3],
        };
        let (w, b) = (array![[2.0]], array![0.5]); // O = 2 H + 0.5
        let mut engine = Pipeline::default();
        let logits = engine.forward(
            3,
            1,
            &mut rec,
            Output {
                weight: w.view(),
                bias: b.view(),
            },
        );
        assert_eq!(logits, array![[2.5], [6.5], [12.5]]);
        let (mut dw, mut db) = (Array2::zeros((1, 1)), ndarray::Array1::zeros(1));
        rec.h = 0.0;
        let d_logits = Array2::from_elem((3, 1), 1.0);
        engine.backward(
            d_logits.view(),
            &mut rec,
            Output {
                weight: w.view(),
                bias: b.view(),
            },
            dw.view_mut(),
            db.view_mut(),
        );
        assert_eq!(rec.dxs, vec![6.0, 4.0, 2.0]); // dO W^T = 2 per step, summed from t on
        assert_eq!((dw[[0, 0]], db[0]), (1.0 + 3.0 + 6.0, 3.0));
    }

    #[test]
    fn pipeline_example() {
        let engine = crate::fast::engine::Pipeline::<f32>::default();
        assert_eq!(
            (engine.hidden.dim(), engine.logits().dim()),
            ((0, 0), (0, 0))
        ); // sized by the first pass
    }
}
