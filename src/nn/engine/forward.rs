//! The pass forward through time, layer by layer and direction by direction.

use super::{prev_next, Engine, LayerBuffers};
use crate::nn::cell::{Cell, CellForward};
use crate::nn::layer_params::RecurrentParams;
use crate::nn::state::LayerState;

use crate::fast::linalg::{matmul, matmul_serial};
use crate::fast::math::vectorized;
use crate::fast::rows::gather_rows;
use crate::fast::transpose::transposed_copy;
use crate::model::Real;
use ndarray::{s, Axis};
use std::ops::Range;

impl<C: Cell<A>, A: Real> Engine<C, A> {
    /// Runs every layer over the loaded input from `state` (zeros when `None`).
    pub(crate) fn run_forward(&mut self, p: &RecurrentParams<A>, state: Option<&C::State>) {
        for l in 0..self.cfg.num_layers {
            for d in 0..self.cfg.num_directions() {
                self.begin_dir(p, l, d, state);
                self.forward_steps(p, l, d, 0..self.steps);
            }
        }
        self.ready = true;
    }

    /// Layer `l`, direction `d`, before its walk: the input's part of every
    /// gate for all steps in one product, and the initial state.
    pub(crate) fn begin_dir(
        &mut self,
        p: &RecurrentParams<A>,
        l: usize,
        d: usize,
        state: Option<&C::State>,
    ) {
        let n = self.batch;
        let dirs = self.cfg.num_directions();
        let lstm = Self::parts() == 2;
        let (below, rest) = self.layers.split_at_mut(l);
        let buf = &mut rest[0].dirs[d];
        let w = &p.cells[l * dirs + d];
        // One-hot input: row r of X W_ihᵀ is column idx[r] of W_ih (a gather),
        // read as a row of W_ihᵀ (transposed once, tile by tile).
        if l == 0 && self.one_hot {
            let w_t = &mut self.w_ih_t;
            transposed_copy(&w.weight_ih, w_t);
            gather_rows(
                buf.xw.view_mut(),
                w_t,
                &w.bias_ih,
                self.idx0.iter().copied(),
            );
        } else {
            let x = if l == 0 {
                self.x0.view()
            } else {
                below[l - 1].y.view()
            }; // [T n, I_l]
            matmul(A::one(), &x, &w.weight_ih.t(), A::zero(), &mut buf.xw);
            if self.cfg.bias {
                buf.xw += &w.bias_ih;
            }
        }
        // W_hhᵀ row-major for the steps' products (each packs it again).
        transposed_copy(&w.weight_hh, &mut buf.w_hh_t);
        let j = l * dirs + d;
        for (part, target) in [&mut buf.h, &mut buf.c].into_iter().enumerate() {
            if part == 1 && !lstm {
                break;
            }
            let mut first = target.slice_mut(s![..n, ..]);
            match state {
                Some(st) => first.assign(&st.part(part).index_axis(Axis(0), j)),
                None => first.fill(A::zero()),
            }
        }
    }

    /// Layer `l`, direction `d`, processing steps `ks` (step `k` reads time
    /// `k`, or `T - 1 - k` for direction 1), after [`Engine::begin_dir`].
    pub(crate) fn forward_steps(
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
        let hw_beta = if self.cfg.bias { A::one() } else { A::zero() };
        let LayerBuffers { dirs: bufs, y, .. } = &mut self.layers[l];
        let buf = &mut bufs[d];
        let w = &p.cells[l * dirs + d];
        for k in ks {
            let t = if d == 0 { k } else { steps - 1 - k };
            if self.cfg.bias {
                buf.hw.assign(&w.bias_hh);
            }
            // A small product (n rows): one thread, threads would cost more.
            let h_prev = buf.h.slice(s![k * n..(k + 1) * n, ..]); // [n, H]
            matmul_serial(A::one(), &h_prev, &buf.w_hh_t, hw_beta, &mut buf.hw);
            let xw = &buf.xw.as_slice().expect("standard layout")[t * n * gh..(t + 1) * n * gh];
            let (h_prev, h) = prev_next(buf.h.as_slice_mut().expect("standard layout"), k, n * hs);
            let (c_prev, c): (&[A], &mut [A]) = if lstm {
                prev_next(buf.c.as_slice_mut().expect("standard layout"), k, n * hs)
            } else {
                (&[], &mut [])
            };
            let cache = &mut buf.cache.as_slice_mut().expect("standard layout")
                [k * n * cw..(k + 1) * n * cw];
            let hw = buf.hw.as_slice().expect("standard layout");
            let cell = &self.cell;
            vectorized(
                #[inline(always)]
                || {
                    cell.forward_step(CellForward {
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
