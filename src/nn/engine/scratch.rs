//! The book's weight layout on the same engine: a from-scratch model keeps,
//! for each gate, \\(W_x\\) `(V, H)`, \\(W_h\\) `(H, H)` and one bias \\(b\\)
//! (\\(A = X W_x + H W_h + b\\)), where PyTorch keeps \\(W_{ih} = W_x^\top\\),
//! \\(W_{hh} = W_h^\top\\) and two biases.
//!
//! Forwards the difference is only where the weights come from: the
//! one-hot table the engine gathers rows from is \\(W_x\\) itself, side by
//! side for the gates ([`Engine::give_table`]). Backwards the weight
//! gradients are summed in the book's orientation, chunk by chunk as the
//! walk back finishes each one ([`Engine::scratch_grads_chunk`]), gate by gate:
//! \\(\partial W_h \mathrel{+}= H_{prev}^\top\, \partial A\\) (the GRU's candidate:
//! \\((R \odot H_{prev})^\top \partial A\\)),
//! \\(\partial b \mathrel{+}= \sum_{rows} \partial A\\),
//! \\(\partial W_x[x] \mathrel{+}= \partial A\\) row by row.

use super::Engine;
use crate::fast::kernels::math::vectorized;
use crate::fast::kernels::pipeline::chain_matmul;
use crate::fast::kernels::rows::accumulate;
use crate::fast::kernels::transpose::row_padding;
use crate::fast::FastReal;
use crate::nn::cell::Cell;
use crate::scratch::Gate;
use ndarray::{s, Array2, ArrayView2};
use std::ops::Range;

impl<C: Cell<A>, A: FastReal> Engine<C, A> {
    /// The one-hot table from the gates' \\(W_x\\) `(V, H)` each, in the
    /// cell's gate order: block `k` of the table's columns is `blocks[k]`.
    pub(crate) fn give_table(&mut self, blocks: &[ArrayView2<'_, A>]) {
        let (v, h) = (self.cfg.input_size, self.cfg.hidden_size);
        let gh = C::GATES * h;
        let ld = gh + row_padding::<A>(gh);
        if self.w_ih_t.dim() != (v, ld) {
            self.w_ih_t = Array2::zeros((v, ld));
        }
        for (k, block) in blocks.iter().enumerate() {
            self.w_ih_t
                .slice_mut(s![.., k * h..(k + 1) * h])
                .assign(block);
        }
        self.table_given = true;
    }

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
        let h_prev = buf.h.slice(s![rows.clone(), ..]);
        // A gated last block multiplied the gated state (the cache's last H columns).
        let cache = buf.cache.slice(s![rows.clone(), ..]);
        let gated = cache.slice(s![.., cache.ncols().saturating_sub(h)..]);
        let last = gates.len() - 1;
        for (k, g) in gates.iter_mut().enumerate() {
            let d_a = d_hw.slice(s![.., k * h..(k + 1) * h]);
            let state = if k == last && self.cell.gated_hidden() {
                gated
            } else {
                h_prev
            };
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
}
