//! The pass forward through time, layer by layer and direction by direction.

use super::{prev_next, take_state, BookWeights, Engine, LayerBuffers};
use crate::nn::cell::{Cell, CellForward};
use crate::nn::layer_params::RecurrentParams;
use crate::nn::state::LayerState;

use crate::fast::kernels::halves::{cut, cut_mut, split_point, walk_halves, Halves};
use crate::fast::kernels::linalg::{matmul, matmul_serial};
use crate::fast::kernels::math::vectorized;
use crate::fast::kernels::rows::{add_to_rows, gather_rows};
use crate::fast::kernels::transpose::transposed_copy_padded;
use crate::fast::FastReal;
use ndarray::{s, Array1, ArrayView2, ArrayViewMut2, Axis};
use std::ops::Range;

impl<C: Cell<A>, A: FastReal> Engine<C, A> {
    /// Runs every layer over the loaded input from `state` (zeros when `None`).
    /// `book`: the weights in the book's layout, read instead of
    /// `weight_ih` and `weight_hh` ([`BookWeights`]).
    pub(crate) fn run_forward(
        &mut self,
        p: &RecurrentParams<A>,
        book: Option<&BookWeights<'_, A>>,
        state: Option<&C::State>,
    ) {
        for l in 0..self.cfg.num_layers {
            for d in 0..self.cfg.num_directions() {
                self.begin_dir(p, book, l, d, state);
                self.forward_steps(p, book, l, d, 0..self.steps);
            }
        }
        self.ready = true;
    }

    /// Layer `l`, direction `d`, before its walk: the input's part of every
    /// gate for all steps in one product, and the initial state.
    pub(crate) fn begin_dir(
        &mut self,
        p: &RecurrentParams<A>,
        book: Option<&BookWeights<'_, A>>,
        l: usize,
        d: usize,
        state: Option<&C::State>,
    ) {
        let n = self.batch;
        let dirs = self.cfg.num_directions();
        let (below, rest) = self.layers.split_at_mut(l);
        let buf = &mut rest[0].dirs[d];
        let w = &p.cells[l * dirs + d];
        // One-hot input: row r of X W_ihᵀ is column idx[r] of W_ih (a gather),
        // read as a row of W_ihᵀ (transposed once, tile by tile, into rows
        // padded off 4 KiB strides, whose rows would otherwise share cache
        // sets), or of each gate's table when the weights come that way round.
        let hs = self.cfg.hidden_size;
        if let (0, true, Some(book)) = (l, self.one_hot, book) {
            for (k, table) in book.w_x.iter().enumerate() {
                let block = k * hs..(k + 1) * hs;
                let xw = buf.xw.slice_mut(s![.., block.clone()]);
                gather_rows(xw, table.view(), w.bias_ih.slice(s![block]), &self.idx0);
            }
        } else if l == 0 && self.one_hot {
            let w_t = transposed_copy_padded(&w.weight_ih, &mut self.w_ih_t);
            gather_rows(buf.xw.view_mut(), w_t, w.bias_ih.view(), &self.idx0);
        } else {
            let x = if l == 0 {
                self.x0.view()
            } else {
                below[l - 1].y.view()
            }; // [T n, I_l]
            matmul(A::one(), &x, &w.weight_ih.t(), A::zero(), &mut buf.xw);
            if self.cfg.bias {
                add_to_rows(buf.xw.view_mut(), w.bias_ih.view());
            }
        }
        // W_hhᵀ row-major for the steps' products, rows padded off 4 KiB
        // strides (see `row_padding`): the book's W_h side by side.
        match book {
            Some(book) => book.hidden_side_by_side(&mut buf.w_hh_t, hs),
            None => {
                transposed_copy_padded(&w.weight_hh, &mut buf.w_hh_t);
            }
        }
        // The first n rows hold the state before step 0 (`c` is empty unless LSTM).
        let (h, c) = (&mut buf.h, &mut buf.c);
        let c_rows = n.min(c.nrows());
        let firsts = [h.slice_mut(s![..n, ..]), c.slice_mut(s![..c_rows, ..])];
        take_state::<C, A>(firsts, state, l * dirs + d);
    }

    /// Layer `l`, direction `d`, processing steps `ks` (step `k` reads time
    /// `k`, or `T - 1 - k` for direction 1), after [`Engine::begin_dir`].
    /// A large step's rows run as two halves ([`crate::fast::kernels::halves`]).
    pub(crate) fn forward_steps(
        &mut self,
        p: &RecurrentParams<A>,
        book: Option<&BookWeights<'_, A>>,
        l: usize,
        d: usize,
        ks: Range<usize>,
    ) {
        let (steps, n, hs, dirs, gh, cw, lstm) = self.dims();
        let LayerBuffers { dirs: bufs, y, .. } = &mut self.layers[l];
        let buf = &mut bufs[d];
        let w = &p.cells[l * dirs + d];
        let step = StepWeights {
            cell: &self.cell,
            w_hh_t: match book {
                Some(book) => book.hidden_operand(&buf.w_hh_t),
                None => buf.w_hh_t.slice(s![.., ..gh]),
            },
            bias_hh: self.cfg.bias.then_some(&w.bias_hh),
            hidden: hs,
        };
        let half = split_point(n, gh * hs, self.split);
        for k in ks {
            let t = if d == 0 { k } else { steps - 1 - k };
            let xw = &buf.xw.as_slice().expect("standard layout")[t * n * gh..(t + 1) * n * gh];
            let (h_prev, h) = prev_next(buf.h.as_slice_mut().expect("standard layout"), k, n * hs);
            let (c_prev, c): (&[A], &mut [A]) = if lstm {
                prev_next(buf.c.as_slice_mut().expect("standard layout"), k, n * hs)
            } else {
                (&[], &mut [])
            };
            let cache = &mut buf.cache.as_slice_mut().expect("standard layout")
                [k * n * cw..(k + 1) * n * cw];
            let hw = buf.hw.as_slice_mut().expect("standard layout");
            let rows = StepRows {
                widths: (gh, hs, cw),
                xw,
                hw,
                h_prev,
                h,
                c_prev,
                c,
                cache,
            };
            walk_halves(rows, n, half, |r| step.forward(r));
            y.slice_mut(s![t * n..(t + 1) * n, d * hs..(d + 1) * hs])
                .assign(&buf.h.slice(s![(k + 1) * n..(k + 2) * n, ..]));
        }
    }

    /// Copies the state after the last step (\\(h_n\\), and \\(c_n\\)) into `state`.
    pub(crate) fn write_final_state(&self, state: &mut C::State) {
        let (steps, n) = (self.steps, self.batch);
        let dirs = self.cfg.num_directions();
        for (l, layer) in self.layers.iter().enumerate() {
            for (d, buf) in layer.dirs.iter().enumerate() {
                for (part, src) in [&buf.h, &buf.c].into_iter().enumerate().take(Self::parts()) {
                    state
                        .part_mut(part)
                        .index_axis_mut(Axis(0), l * dirs + d)
                        .assign(&src.slice(s![steps * n.., ..]));
                }
            }
        }
    }

    pub(crate) fn final_state(&self) -> C::State {
        let mut st = C::State::zeros(self.cfg.state_shape(self.batch));
        self.write_final_state(&mut st);
        st
    }
}

/// What every row of a step forward shares: the cell, \(W_{hh}^\top\)
/// `(H, G H)` and \(b_{hh}\) (`None` without biases).
struct StepWeights<'a, C, A> {
    cell: &'a C,
    w_hh_t: ArrayView2<'a, A>,
    bias_hh: Option<&'a Array1<A>>,
    hidden: usize,
}

/// Some rows of one step forward, as [`CellForward`] names them; `hw` is
/// scratch. Each slice holds the same rows (`c_prev`, `c` are empty unless LSTM).
struct StepRows<'a, A> {
    /// `(G H, H, CACHE H)`: the widths of the gate, hidden and cache rows.
    widths: (usize, usize, usize),
    xw: &'a [A],
    hw: &'a mut [A],
    h_prev: &'a [A],
    h: &'a mut [A],
    c_prev: &'a [A],
    c: &'a mut [A],
    cache: &'a mut [A],
}

impl<A: Send + Sync> Halves for StepRows<'_, A> {
    fn split(self, at: usize) -> (Self, Self) {
        let (gh, hs, cw) = self.widths;
        let (xw, xw2) = cut(self.xw, at, gh);
        let (hw, hw2) = cut_mut(self.hw, at, gh);
        let (h_prev, h_prev2) = cut(self.h_prev, at, hs);
        let (h, h2) = cut_mut(self.h, at, hs);
        let (c_prev, c_prev2) = cut(self.c_prev, at, hs);
        let (c, c2) = cut_mut(self.c, at, hs);
        let (cache, cache2) = cut_mut(self.cache, at, cw);
        let widths = self.widths;
        let first = StepRows {
            widths,
            xw,
            hw,
            h_prev,
            h,
            c_prev,
            c,
            cache,
        };
        let second = StepRows {
            widths,
            xw: xw2,
            hw: hw2,
            h_prev: h_prev2,
            h: h2,
            c_prev: c_prev2,
            c: c2,
            cache: cache2,
        };
        (first, second)
    }
}

impl<C: Cell<A>, A: FastReal> StepWeights<'_, C, A> {
    /// \(h_{t-1} W_{hh}^\top + b_{hh}\) for these rows, then the cell.
    fn forward(&self, s: StepRows<'_, A>) {
        let (hs, gh) = (self.hidden, C::GATES * self.hidden);
        let rows = s.h_prev.len() / hs;
        let mut hw = ArrayViewMut2::from_shape((rows, gh), s.hw).expect("rows of G H values");
        let beta = match self.bias_hh {
            Some(b) => {
                hw.assign(b);
                A::one()
            }
            None => A::zero(),
        };
        let h_prev = ArrayView2::from_shape((rows, hs), s.h_prev).expect("rows of H values");
        let (xw, h_prev, c_prev, h, c, cache) = (s.xw, h_prev, s.c_prev, s.h, s.c, s.cache);
        // Small products (a few rows): one thread, threads would cost more.
        if !self.cell.gated_hidden() {
            matmul_serial(A::one(), &h_prev, &self.w_hh_t, beta, &mut hw);
        } else {
            // The last block reads the gated state the cell computes from the others.
            let (w, last) = (self.w_hh_t.view(), gh - hs);
            let mut first = hw.slice_mut(s![.., ..last]);
            matmul_serial(
                A::one(),
                &h_prev,
                &w.slice(s![.., ..last]),
                beta,
                &mut first,
            );
            let step = CellForward {
                hidden: hs,
                xw,
                hw: hw.as_slice().expect("standard layout"),
                h_prev: h_prev.as_slice().expect("standard layout"),
                c_prev,
                h: &mut [],
                c: &mut [],
                cache: &mut *cache,
            };
            vectorized(
                #[inline(always)]
                || self.cell.gate_hidden(step),
            );
            let cached = ArrayView2::from_shape((rows, cache.len() / rows), &*cache)
                .expect("rows of the cache");
            let gated_state = cached.slice(s![.., cached.ncols() - hs..]);
            let mut gated = hw.slice_mut(s![.., last..]);
            matmul_serial(
                A::one(),
                &gated_state,
                &w.slice(s![.., last..]),
                beta,
                &mut gated,
            );
        }
        let hw = hw.into_slice().expect("standard layout");
        let h_prev = h_prev.as_slice().expect("standard layout");
        vectorized(
            #[inline(always)]
            || {
                self.cell.forward_step(CellForward {
                    hidden: hs,
                    xw,
                    hw,
                    h_prev,
                    c_prev,
                    h,
                    c,
                    cache,
                })
            },
        );
    }
}
