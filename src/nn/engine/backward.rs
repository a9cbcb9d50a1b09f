//! The pass back through time and the weight gradients.

use super::{Engine, LayerBuffers};
use crate::nn::cell::{Cell, CellBackward};
use crate::nn::layer_params::{CellWeights, RecurrentParams};
use crate::nn::state::LayerState;

use crate::fast::kernels::halves::{cut, cut_mut, split_point, walk_halves, Halves};
use crate::fast::kernels::linalg::{matmul, matmul_serial};
use crate::fast::kernels::math::vectorized;
use crate::fast::kernels::rows::{add_rows, add_rows_at, sum_rows_into};
use crate::fast::kernels::transpose::transpose_padded_into;
use crate::fast::FastReal;
use ndarray::{s, Array2, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis};
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
        let lstm = Self::parts() == 2;
        let buf = &mut self.layers[l].dirs[d];
        for (part, carry) in [&mut buf.carry_h, &mut buf.carry_c].into_iter().enumerate() {
            if part == 1 && !lstm {
                break;
            }
            match d_state_n {
                Some(st) => carry.assign(&st.part(part).index_axis(Axis(0), j)),
                None => carry.fill(A::zero()),
            }
        }
    }

    /// Layer `l`, direction `d`, back through processing steps `ks`, last first.
    pub(crate) fn backward_steps(
        &mut self,
        p: &RecurrentParams<A>,
        l: usize,
        d: usize,
        ks: Range<usize>,
    ) {
        let (steps, n, hs) = (self.steps, self.batch, self.cfg.hidden_size);
        let dirs = self.cfg.num_directions();
        let (gh, cw) = (C::GATES * hs, C::CACHE * hs);
        let lstm = Self::parts() == 2;
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
    pub(crate) fn weight_grads(&mut self, g: &mut RecurrentParams<A>, l: usize, d: usize) {
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

/// What every row of a step backward shares: the cell and \\(W_{hh}\\) `(G H, H)`.
struct BackWeights<'a, C, A> {
    cell: &'a C,
    w_hh: &'a Array2<A>,
    hidden: usize,
}

/// Some rows of one step backward: the gradient arriving from the layer's
/// output (`arriving`) and from the next step (`carry_h`), and the slices
/// [`CellBackward`] names; `dh` ends as \\(\partial h_{t-1}\\).
struct BackRows<'a, A> {
    /// `(G H, H, CACHE H)`: the widths of the gate, hidden and cache rows.
    widths: (usize, usize, usize),
    arriving: ArrayView2<'a, A>,
    carry_h: &'a [A],
    h_prev: &'a [A],
    h: &'a [A],
    c_prev: &'a [A],
    cache: &'a [A],
    dh: &'a mut [A],
    dc: &'a mut [A],
    d_xw: &'a mut [A],
    d_hw: &'a mut [A],
}

impl<A: Send + Sync> Halves for BackRows<'_, A> {
    fn split(self, at: usize) -> (Self, Self) {
        let (gh, hs, cw) = self.widths;
        let widths = self.widths;
        let (arriving, arriving2) = self.arriving.split_at(Axis(0), at);
        let (carry_h, carry_h2) = cut(self.carry_h, at, hs);
        let (h_prev, h_prev2) = cut(self.h_prev, at, hs);
        let (h, h2) = cut(self.h, at, hs);
        let (c_prev, c_prev2) = cut(self.c_prev, at, hs);
        let (cache, cache2) = cut(self.cache, at, cw);
        let (dh, dh2) = cut_mut(self.dh, at, hs);
        let (dc, dc2) = cut_mut(self.dc, at, hs);
        let (d_xw, d_xw2) = cut_mut(self.d_xw, at, gh);
        let (d_hw, d_hw2) = cut_mut(self.d_hw, at, gh);
        let first = BackRows {
            widths,
            arriving,
            carry_h,
            h_prev,
            h,
            c_prev,
            cache,
            dh,
            dc,
            d_xw,
            d_hw,
        };
        let second = BackRows {
            widths,
            arriving: arriving2,
            carry_h: carry_h2,
            h_prev: h_prev2,
            h: h2,
            c_prev: c_prev2,
            cache: cache2,
            dh: dh2,
            dc: dc2,
            d_xw: d_xw2,
            d_hw: d_hw2,
        };
        (first, second)
    }
}

impl<C: Cell<A>, A: FastReal> BackWeights<'_, C, A> {
    /// \\(\partial h_t\\) = arriving + carried, the cell backward, then
    /// \\(\partial h_{t-1}\\) = the cell's direct part + \\(\partial(hw)\, W_{hh}\\).
    fn step(&self, s: BackRows<'_, A>) {
        let hs = self.hidden;
        let rows = s.arriving.nrows();
        let (dh, carry_h, arriving) = (s.dh, s.carry_h, s.arriving);
        vectorized(
            #[inline(always)]
            || {
                let rows = dh.chunks_exact_mut(hs).zip(carry_h.chunks_exact(hs));
                for ((o, c), a) in rows.zip(arriving.outer_iter()) {
                    add_rows(ArrayViewMut1::from(o), a, ArrayView1::from(c));
                }
            },
        );
        let step = CellBackward {
            hidden: hs,
            h_prev: s.h_prev,
            h: s.h,
            c_prev: s.c_prev,
            cache: s.cache,
            dh: &mut *dh,
            dc: s.dc,
            d_xw: &mut *s.d_xw,
            d_hw: &mut *s.d_hw,
        };
        vectorized(
            #[inline(always)]
            || self.cell.backward_step(step),
        );
        let gh = C::GATES * hs;
        // An empty `d_hw`: the cell left its gradient in `d_xw` alone.
        let d_hw: &[A] = if s.d_hw.is_empty() { s.d_xw } else { s.d_hw };
        let d_hw = ArrayView2::from_shape((rows, gh), d_hw).expect("rows of G H values");
        let mut d_h = ArrayViewMut2::from_shape((rows, hs), dh).expect("rows of H values");
        matmul_serial(A::one(), &d_hw, self.w_hh, A::one(), &mut d_h);
    }
}
