//! One step of the walk back, for some rows of the batch: the cell's
//! backward step and the products with \\(W_{hh}\\) around it.

use crate::fast::kernels::halves::{cut, cut_mut, Halves};
use crate::fast::kernels::linalg::matmul_serial;
use crate::fast::kernels::math::vectorized;
use crate::fast::kernels::rows::add_rows;
use crate::fast::FastReal;
use crate::nn::cell::{Cell, CellBackward};
use ndarray::{s, Array2, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis};

/// What every row of a step backward shares: the cell and \\(W_{hh}\\) `(G H, H)`.
pub(super) struct BackWeights<'a, C, A> {
    pub(super) cell: &'a C,
    pub(super) w_hh: &'a Array2<A>,
    pub(super) hidden: usize,
}

/// Some rows of one step backward: the gradient arriving from the layer's
/// output (`arriving`) and from the next step (`carry_h`), and the slices
/// [`CellBackward`] names; `dh` ends as \\(\partial h_{t-1}\\).
pub(super) struct BackRows<'a, A> {
    /// `(G H, H, CACHE H)`: the widths of the gate, hidden and cache rows.
    pub(super) widths: (usize, usize, usize),
    pub(super) arriving: ArrayView2<'a, A>,
    pub(super) carry_h: &'a [A],
    pub(super) h_prev: &'a [A],
    pub(super) h: &'a [A],
    pub(super) c_prev: &'a [A],
    pub(super) cache: &'a [A],
    pub(super) dh: &'a mut [A],
    pub(super) dc: &'a mut [A],
    pub(super) d_xw: &'a mut [A],
    pub(super) d_hw: &'a mut [A],
    /// Gradient of the gated state ([`Cell::gated_hidden`]; empty otherwise).
    pub(super) d_gated: &'a mut [A],
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
        let (d_gated, d_gated2) = cut_mut(self.d_gated, at, hs);
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
            d_gated,
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
            d_gated: d_gated2,
        };
        (first, second)
    }
}

impl<C: Cell<A>, A: FastReal> BackWeights<'_, C, A> {
    /// \\(\partial h_t\\) = arriving + carried, the cell backward, then
    /// \\(\partial h_{t-1}\\) = the cell's direct part + \\(\partial(hw)\, W_{hh}\\).
    pub(super) fn step(&self, s: BackRows<'_, A>) {
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
        let (h_prev, h, c_prev, cache) = (s.h_prev, s.h, s.c_prev, s.cache);
        let (d_xw, d_hw, dc) = (s.d_xw, s.d_hw, s.dc);
        vectorized(
            #[inline(always)]
            || {
                self.cell.backward_step(CellBackward {
                    hidden: hs,
                    h_prev,
                    h,
                    c_prev,
                    cache,
                    dh: &mut *dh,
                    dc: &mut *dc,
                    d_xw: &mut *d_xw,
                    d_hw: &mut *d_hw,
                })
            },
        );
        let gh = C::GATES * hs;
        let w_hh = self.w_hh.view();
        let mut first_blocks = gh;
        if self.cell.gated_hidden() {
            // The gated state's gradient first: the gate's own gradients need it.
            first_blocks = gh - hs;
            let d_hw_rows = ArrayView2::from_shape((rows, gh), &*d_hw).expect("rows of G H values");
            let mut d_gated =
                ArrayViewMut2::from_shape((rows, hs), &mut *s.d_gated).expect("rows of H values");
            let (d_last, w_last) = (
                d_hw_rows.slice(s![.., first_blocks..]),
                w_hh.slice(s![first_blocks.., ..]),
            );
            matmul_serial(A::one(), &d_last, &w_last, A::zero(), &mut d_gated);
            let d_gated = d_gated.into_slice().expect("standard layout");
            vectorized(
                #[inline(always)]
                || {
                    let step = CellBackward {
                        hidden: hs,
                        h_prev,
                        h,
                        c_prev,
                        cache,
                        dh: &mut *dh,
                        dc: &mut [],
                        d_xw: &mut *d_xw,
                        d_hw: &mut *d_hw,
                    };
                    self.cell.backward_gated(step, d_gated)
                },
            );
        }
        // An empty `d_hw`: the cell left its gradient in `d_xw` alone.
        let d_hw: &[A] = if d_hw.is_empty() { d_xw } else { d_hw };
        let d_hw = ArrayView2::from_shape((rows, gh), d_hw).expect("rows of G H values");
        let mut d_h = ArrayViewMut2::from_shape((rows, hs), dh).expect("rows of H values");
        matmul_serial(
            A::one(),
            &d_hw.slice(s![.., ..first_blocks]),
            &w_hh.slice(s![..first_blocks, ..]),
            A::one(),
            &mut d_h,
        );
    }
}
