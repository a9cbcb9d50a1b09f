//! The book's weight layout on the same engine: a from-scratch model keeps,
//! for each gate, \\(W_x\\) `(V, H)`, \\(W_h\\) `(H, H)` and one bias \\(b\\)
//! (\\(A = X W_x + H W_h + b\\)), where PyTorch keeps \\(W_{ih} = W_x^\top\\),
//! \\(W_{hh} = W_h^\top\\) and two biases.
//!
//! Forwards the difference is only where the weights come from: the
//! one-hot tables the engine gathers rows from are the gates' \\(W_x\\)
//! themselves, and the right operand of each step's product is their
//! \\(W_h\\) side by side ([`BookWeights`]). Backwards the weight
//! gradients are summed in the book's orientation, chunk by chunk as the
//! walk back finishes each one ([`Engine::scratch_grads_chunk`]), gate by gate:
//! \\(\partial W_h \mathrel{+}= H_{prev}^\top\, \partial A\\) (the GRU's candidate:
//! \\((R \odot H_{prev})^\top \partial A\\)),
//! \\(\partial b \mathrel{+}= \sum_{rows} \partial A\\),
//! \\(\partial W_x[x] \mathrel{+}= \partial A\\) row by row.

use super::Engine;
use crate::fast::kernels::linalg::matmul;
use crate::fast::kernels::math::vectorized;
use crate::fast::kernels::pipeline::chain_matmul;
use crate::fast::kernels::rows::{accumulate, add_rows_at};
use crate::fast::kernels::transpose::row_padding;
use crate::fast::FastReal;
use crate::nn::cell::Cell;
use crate::scratch::Gate;
use ndarray::{s, Array2, ArrayView2};
use std::ops::Range;

/// A one-layer model's weights in the book's layout, each gate's in the
/// cell's gate order: \\(W_x\\) `(V, H)`, the one-hot tables, and
/// \\(W_h\\) `(H, H)`, side by side the right operand of a step's product.
pub(crate) struct BookWeights<'a, A> {
    pub(crate) w_x: Vec<ArrayView2<'a, A>>,
    pub(crate) w_h: Vec<ArrayView2<'a, A>>,
}

impl<A: FastReal> BookWeights<'_, A> {
    /// `[W_h^(0), W_h^(1), …]` `(H, G H)` into `out`, rows padded as
    /// [`crate::fast::kernels::transpose::transposed_copy_padded`] pads them;
    /// nothing for one gate, whose \\(W_h\\) is read where it is.
    pub(crate) fn hidden_side_by_side(&self, out: &mut Array2<A>, hidden: usize) {
        if self.w_h.len() == 1 {
            return;
        }
        let gh = self.w_h.len() * hidden;
        let ld = gh + row_padding::<A>(gh);
        if out.dim() != (hidden, ld) {
            *out = Array2::zeros((hidden, ld));
        }
        for (k, w_h) in self.w_h.iter().enumerate() {
            out.slice_mut(s![.., k * hidden..(k + 1) * hidden])
                .assign(w_h);
        }
    }

    /// The right operand of a step's product, `(H, G H)`: the one gate's
    /// \\(W_h\\), or what [`BookWeights::hidden_side_by_side`] wrote into `side_by_side`.
    pub(crate) fn hidden_operand<'b>(&'b self, side_by_side: &'b Array2<A>) -> ArrayView2<'b, A> {
        match self.w_h.as_slice() {
            [w_h] => w_h.view(),
            many => side_by_side.slice(s![.., ..many.iter().map(|w| w.ncols()).sum::<usize>()]),
        }
    }
}

impl<C: Cell<A>, A: FastReal> Engine<C, A> {
    /// After the walk back through `steps` of the only layer (one
    /// direction, one-hot input): adds their share of each gate's weight
    /// gradients to `gates` (in the cell's gate order), which the chunk
    /// holding the last step first sets to zero.
    pub(crate) fn scratch_grads_chunk(&self, steps: Range<usize>, gates: &mut [&mut Gate<A>]) {
        let (n, h) = (self.batch, self.cfg.hidden_size);
        let buf = &self.layers[0].dirs[0];
        if steps.end == self.steps {
            for g in gates.iter_mut() {
                g.w_h.fill(A::zero());
                g.b.fill(A::zero());
                g.w_x.fill(A::zero());
            }
        }
        let rows = steps.start * n..steps.end * n;
        let d_xw = buf.d_xw.slice(s![rows.clone(), ..]);
        let d_hw = if Self::d_hw_is_d_xw(0) {
            d_xw
        } else {
            buf.d_hw.slice(s![rows.clone(), ..])
        };
        for (k, g) in gates.iter_mut().enumerate() {
            let d_a = d_hw.slice(s![.., k * h..(k + 1) * h]);
            let state = self.hidden_input(k, rows.clone());
            chain_matmul(A::one(), &state.t(), &d_a, A::one(), &mut g.w_h.view_mut());
        }
        let xs = &self.idx0[rows];
        vectorized(
            #[inline(always)]
            || {
                for (row, &x) in d_xw.outer_iter().zip(xs) {
                    for (k, g) in gates.iter_mut().enumerate() {
                        let d_a = row.slice(s![k * h..(k + 1) * h]);
                        accumulate(g.b.view_mut(), d_a);
                        accumulate(g.w_x.row_mut(x), d_a);
                    }
                }
            },
        );
    }

    /// When the walk back ends: each gate's weight gradients in one product
    /// over all steps (\\(\partial W_h\\)) and one scatter (\\(\partial W_x\\),
    /// \\(\partial b\\)), the products beside the scatters on the thread pool
    /// (whichever core the output layer's gradients leave free).
    pub(crate) fn scratch_grads_whole(&self, gates: &mut [&mut Gate<A>]) {
        let (h, rows) = (self.cfg.hidden_size, 0..self.steps * self.batch);
        let buf = &self.layers[0].dirs[0];
        let d_xw = buf.d_xw.view();
        let d_hw = if Self::d_hw_is_d_xw(0) {
            d_xw
        } else {
            buf.d_hw.view()
        };
        let mut parts: Vec<_> = gates
            .iter_mut()
            .map(|g| (&mut g.w_h, &mut g.w_x, &mut g.b))
            .collect();
        let (hidden, input): (Vec<_>, Vec<_>) = parts
            .iter_mut()
            .map(|(w_h, w_x, b)| (w_h, (w_x, b)))
            .unzip();
        rayon::join(
            || {
                for (k, w_h) in hidden.into_iter().enumerate() {
                    let d_a = d_hw.slice(s![.., k * h..(k + 1) * h]);
                    let state = self.hidden_input(k, rows.clone());
                    matmul(A::one(), &state.t(), &d_a, A::zero(), &mut **w_h);
                }
            },
            || {
                for (k, (w_x, b)) in input.into_iter().enumerate() {
                    let d_a = d_xw.slice(s![.., k * h..(k + 1) * h]);
                    add_rows_at(w_x.view_mut(), Some(b.view_mut()), d_a, &self.idx0);
                }
            },
        );
    }

    /// What gate block `k`'s hidden product read at rows `rows`:
    /// \\(H_{t-1}\\), or for a gated last block the gated state (the
    /// cache's last `H` columns, [`Cell::gated_hidden`]).
    fn hidden_input(&self, k: usize, rows: Range<usize>) -> ArrayView2<'_, A> {
        let (h, buf) = (self.cfg.hidden_size, &self.layers[0].dirs[0]);
        if self.cell.gated_hidden() && k + 1 == C::GATES {
            let cache = buf.cache.slice(s![rows, ..]);
            let width = cache.ncols();
            cache.slice_move(s![.., width - h..])
        } else {
            buf.h.slice(s![rows, ..])
        }
    }
}
