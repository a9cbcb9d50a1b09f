//! The pass back through time and the weight gradients.

use super::back_step::{BackRows, BackWeights};
use super::{take_state, Engine, LayerBuffers};
use crate::nn::cell::Cell;
use crate::nn::layer_params::{CellWeights, RecurrentParams};
use crate::nn::state::LayerState;

use crate::fast::kernels::halves::{split_point, walk_halves};
use crate::fast::kernels::linalg::matmul;
use crate::fast::kernels::rows::{add_rows_at, sum_rows_into};
use crate::fast::kernels::transpose::transpose_padded_into;
use crate::fast::FastReal;
use ndarray::{s, Array2, Axis};
use std::ops::Range;

impl<C: Cell<A>, A: FastReal> Engine<C, A> {
    /// Gradient of the initial state after [`Engine::run_backward`].
    pub(crate) fn initial_state_grad(&self) -> C::State {
        let mut st = C::State::zeros(self.cfg.state_shape(self.batch));
        let dirs = self.cfg.num_directions();
        for (l, layer) in self.layers.iter().enumerate() {
            for (d, buf) in layer.dirs.iter().enumerate() {
                for (part, src) in [&buf.carry_h, &buf.carry_c]
                    .into_iter()
                    .enumerate()
                    .take(Self::parts())
                {
                    st.part_mut(part)
                        .index_axis_mut(Axis(0), l * dirs + d)
                        .assign(src);
                }
            }
        }
        st
    }

    /// Backpropagation through time and through the layers, from the
    /// gradient already in [`Engine::d_output_mut`] and `d_state_n`
    /// (gradient of the final state; zeros when `None`). Overwrites `g`.
    /// Computes the dense input's gradient when `want_d_input`.
    pub(crate) fn run_backward(
        &mut self,
        p: &RecurrentParams<A>,
        g: &mut RecurrentParams<A>,
        d_state_n: Option<&C::State>,
        want_d_input: bool,
    ) {
        for l in (0..self.cfg.num_layers).rev() {
            self.backward_layer(p, g, l, d_state_n, want_d_input);
        }
    }

    /// Every direction of layer `l` back through all its steps.
    pub(crate) fn backward_layer(
        &mut self,
        p: &RecurrentParams<A>,
        g: &mut RecurrentParams<A>,
        l: usize,
        d_state_n: Option<&C::State>,
        want_d_input: bool,
    ) {
        for d in 0..self.cfg.num_directions() {
            self.begin_back(l, d, d_state_n);
            self.backward_steps(p, l, d, 0..self.steps);
            self.finish_back(p, g, l, d, want_d_input);
        }
    }

    /// Layer `l`, direction `d`: the gradient arriving at the final state.
    pub(crate) fn begin_back(&mut self, l: usize, d: usize, d_state_n: Option<&C::State>) {
        let j = l * self.cfg.num_directions() + d;
        let buf = &mut self.layers[l].dirs[d];
        let carries = [buf.carry_h.view_mut(), buf.carry_c.view_mut()];
        take_state::<C, A>(carries, d_state_n, j);
    }

    /// Layer `l`, direction `d`, back through processing steps `ks`, last first.
    pub(crate) fn backward_steps(
        &mut self,
        p: &RecurrentParams<A>,
        l: usize,
        d: usize,
        ks: Range<usize>,
    ) {
        let (steps, n, hs, dirs, gh, cw, lstm) = self.dims();
        let LayerBuffers {
            dirs: bufs, d_y, ..
        } = &mut self.layers[l];
        let buf = &mut bufs[d];
        let w = &p.cells[l * dirs + d];
        let back = BackWeights {
            cell: &self.cell,
            w_hh: &w.weight_hh,
            hidden: hs,
        };
        let half = split_point(n, gh * hs, self.split);
        for k in ks.rev() {
            let t = if d == 0 { k } else { steps - 1 - k };
            let h_all = buf.h.as_slice().expect("standard layout");
            let c_prev: &[A] = if lstm {
                &buf.c.as_slice().expect("standard layout")[k * n * hs..(k + 1) * n * hs]
            } else {
                &[]
            };
            let rows = BackRows {
                widths: (gh, hs, cw),
                arriving: d_y.slice(s![t * n..(t + 1) * n, d * hs..(d + 1) * hs]),
                carry_h: buf.carry_h.as_slice().expect("standard layout"),
                h_prev: &h_all[k * n * hs..(k + 1) * n * hs],
                h: &h_all[(k + 1) * n * hs..(k + 2) * n * hs],
                c_prev,
                cache: &buf.cache.as_slice().expect("standard layout")
                    [k * n * cw..(k + 1) * n * cw],
                dh: buf.d_h.as_slice_mut().expect("standard layout"),
                d_gated: buf.d_gated.as_slice_mut().expect("standard layout"),
                dc: buf.carry_c.as_slice_mut().expect("standard layout"),
                d_xw: &mut buf.d_xw.as_slice_mut().expect("standard layout")
                    [t * n * gh..(t + 1) * n * gh],
                d_hw: if Self::d_hw_is_d_xw(d) {
                    &mut []
                } else {
                    &mut buf.d_hw.as_slice_mut().expect("standard layout")
                        [k * n * gh..(k + 1) * n * gh]
                },
            };
            walk_halves(rows, n, half, |r| back.step(r));
            std::mem::swap(&mut buf.d_h, &mut buf.carry_h);
        }
    }

    /// Layer `l`, direction `d`, after its walk back: the gradient of its
    /// input ([`Engine::input_grad`]), then its weights' ([`Engine::weight_grads`]).
    pub(crate) fn finish_back(
        &mut self,
        p: &RecurrentParams<A>,
        g: &mut RecurrentParams<A>,
        l: usize,
        d: usize,
        want_d_input: bool,
    ) {
        self.input_grad(p, l, d, want_d_input);
        self.weight_grads(g, l, d);
    }

    /// Layer `l`, direction `d`, after its walk back: the gradient of the
    /// layer's input (the layer below's output, or the dense input when
    /// `want_d_input`), all steps in one product.
    pub(crate) fn input_grad(
        &mut self,
        p: &RecurrentParams<A>,
        l: usize,
        d: usize,
        want_d_input: bool,
    ) {
        let j = l * self.cfg.num_directions() + d;
        let w = &p.cells[j];
        let want_d_x0 = want_d_input && !self.one_hot;
        if want_d_x0 && self.d_x0.dim() != self.x0.dim() {
            self.d_x0 = Array2::zeros(self.x0.dim());
        }
        let (below, rest) = self.layers.split_at_mut(l);
        let buf = &rest[0].dirs[d];
        let beta = if d == 0 { A::zero() } else { A::one() };
        if l > 0 {
            matmul(
                A::one(),
                &buf.d_xw,
                &w.weight_ih,
                beta,
                &mut below[l - 1].d_y,
            );
        } else if want_d_x0 {
            matmul(A::one(), &buf.d_xw, &w.weight_ih, beta, &mut self.d_x0);
        }
    }

    /// Layer `l`, direction `d`, after its walk back: the weight and bias
    /// gradients, all steps in one product each (a scatter for a one-hot
    /// input); \\(\partial W_{hh}\\) beside the rest, on the thread pool.
    ///
    /// # Panics
    /// For a cell with [`Cell::gated_hidden`]: its weights are only kept in
    /// the book's layout, whose gradients [`Engine::scratch_grads_chunk`] sums.
    pub(crate) fn weight_grads(&mut self, g: &mut RecurrentParams<A>, l: usize, d: usize) {
        assert!(
            !self.cell.gated_hidden(),
            "a gated hidden product has gradients in the book's layout only"
        );
        let (steps, n) = (self.steps, self.batch);
        let j = l * self.cfg.num_directions() + d;
        let CellWeights {
            weight_ih,
            weight_hh,
            bias_ih,
            bias_hh,
        } = &mut g.cells[j];
        let (below, rest) = self.layers.split_at_mut(l);
        let buf = &rest[0].dirs[d];
        let h_prev_all = buf.h.slice(s![..steps * n, ..]); // [T n, H], processing order
        let (bias, one_hot) = (self.cfg.bias, l == 0 && self.one_hot);
        let (d_t, idx0, x0) = (&mut self.w_ih_t, &self.idx0, &self.x0);
        // The RNN's and LSTM's cells give the same gradient to both
        // products, and direction 0 walks in time order: `d_xw` serves as
        // `d_hw`, and one bias sum serves both.
        let same_rows = Self::d_hw_is_d_xw(d);
        // Two halves of dW_hh's rows, so that whichever core is free takes one.
        let hidden_part = || {
            let half = weight_hh.nrows() / 2;
            let (top, bottom) = weight_hh.view_mut().split_at(Axis(0), half);
            let d_hw = if same_rows { &buf.d_xw } else { &buf.d_hw };
            let (d_top, d_bottom) = d_hw.view().split_at(Axis(1), half);
            rayon::join(
                || matmul(A::one(), &d_top.t(), &h_prev_all, A::zero(), &mut { top }),
                || {
                    matmul(A::one(), &d_bottom.t(), &h_prev_all, A::zero(), &mut {
                        bottom
                    })
                },
            );
        };
        let input_part = || {
            if one_hot {
                // Scatter: column idx[r] of dW_ih gains row r of d(xw); summed
                // as rows of dW_ihᵀ (with the bias in the same pass), then
                // transposed tile by tile.
                let d_bias = bias.then(|| bias_ih.view_mut());
                let gh = weight_ih.nrows();
                add_rows_at(d_t.slice_mut(s![.., ..gh]), d_bias, buf.d_xw.view(), idx0);
                transpose_padded_into(d_t, gh, weight_ih.view_mut());
            } else {
                if bias {
                    sum_rows_into(bias_ih, buf.d_xw.view());
                }
                let x = if l == 0 {
                    x0.view()
                } else {
                    below[l - 1].y.view()
                };
                matmul(A::one(), &buf.d_xw.t(), &x, A::zero(), weight_ih);
            }
            if bias {
                if same_rows {
                    bias_hh.assign(bias_ih);
                } else {
                    sum_rows_into(bias_hh, buf.d_hw.view());
                }
            }
        };
        rayon::join(hidden_part, input_part);
    }
}
