//! The from-scratch GRU's walk through time, forwards and backwards, for the
//! engine ([`super::engine::Recurrence`]); [`super::GruFast`] holds the buffers.

use super::engine::{copy_rows, Recurrence};
use super::linalg::{matmul, matmul_serial};
use super::math::vectorized;
use super::rows::scatter_rows;
use crate::real::Real;
use crate::scratch::Gate;
use ndarray::{s, Array2, ArrayView2, ArrayViewMut2, Axis, Zip};
use std::ops::Range;

/// [`super::GruFast`] taken apart for the engine: the gates of
/// [`crate::scratch::GruScratch`] step by step forwards; backwards each
/// step's \\(\partial A^z, \partial A^r, \partial A^h\\), and after the first
/// step every gate's weight gradient in one product.
pub(super) struct GruSteps<'a, A> {
    /// The update, reset and candidate gates' weights, and their gradients.
    pub(super) p: [&'a Gate<A>; 3],
    pub(super) g: [&'a mut Gate<A>; 3],
    pub(super) inputs: &'a Array2<usize>,
    pub(super) hiddens: &'a mut Array2<A>,
    pub(super) update: &'a mut Array2<A>,
    pub(super) reset: &'a mut Array2<A>,
    pub(super) candidate: &'a mut Array2<A>,
    pub(super) reset_hidden: &'a mut Array2<A>,
    pub(super) d_hidden: &'a mut Array2<A>,
    pub(super) d_update: &'a mut Array2<A>,
    pub(super) d_reset: &'a mut Array2<A>,
    pub(super) d_candidate: &'a mut Array2<A>,
    pub(super) d_reset_hidden: &'a mut Array2<A>,
    pub(super) carry: &'a mut Array2<A>,
}

impl<A: Real> Recurrence<A> for GruSteps<'_, A> {
    fn forward_chunk(&mut self, steps: Range<usize>, out: ArrayViewMut2<'_, A>) {
        let n = self.inputs.ncols();
        let [p_update, p_reset, p_candidate] = self.p;
        for t in steps.clone() {
            let now = s![t * n..(t + 1) * n, ..];
            let (done, mut rest) = self.hiddens.view_mut().split_at(Axis(0), (t + 1) * n);
            let h_prev = done.slice(s![t * n.., ..]); // [n, h]
            let mut z = self.update.slice_mut(now); // [n, h]
            let mut r = self.reset.slice_mut(now); // [n, h]
            let mut h_tilda = self.candidate.slice_mut(now); // [n, h]
            let mut r_h = self.reset_hidden.slice_mut(now); // [n, h]
            matmul_serial(A::one(), &h_prev, &p_update.w_h, A::one(), &mut z);
            matmul_serial(A::one(), &h_prev, &p_reset.w_h, A::one(), &mut r);
            vectorized(
                #[inline(always)]
                || {
                    z.mapv_inplace(A::sigmoid_fast);
                    Zip::from(&mut r_h)
                        .and(&mut r)
                        .and(&h_prev)
                        .for_each(|rh, r, &h| {
                            *r = r.sigmoid_fast();
                            *rh = *r * h;
                        });
                },
            );
            matmul_serial(A::one(), &r_h, &p_candidate.w_h, A::one(), &mut h_tilda);
            vectorized(
                #[inline(always)]
                || h_tilda.mapv_inplace(A::tanh_fast),
            );
            Zip::from(rest.slice_mut(s![..n, ..]))
                .and(&z)
                .and(&h_prev)
                .and(&h_tilda)
                .for_each(|h, &z, &hp, &ht| *h = z * hp + (A::one() - z) * ht);
        }
        copy_rows(
            self.hiddens,
            (steps.start + 1) * n..(steps.end + 1) * n,
            out,
        );
    }

    fn backward_chunk(&mut self, steps: Range<usize>, d_out: ArrayView2<'_, A>) {
        let (total, n) = self.inputs.dim();
        let [p_update, p_reset, p_candidate] = self.p;
        if steps.end == total {
            self.carry.fill(A::zero());
        }
        let h_prev_all = self.hiddens.slice(s![..total * n, ..]); // [T n, h]
        for t in steps.clone().rev() {
            let now = s![t * n..(t + 1) * n, ..];
            let d_h = &mut *self.d_hidden; // [n, h], the total dH_t
            let mut d_az = self.d_update.slice_mut(now); // [n, h]
            let mut d_ar = self.d_reset.slice_mut(now); // [n, h]
            let mut d_ah = self.d_candidate.slice_mut(now); // [n, h]
            let (z, r) = (self.update.slice(now), self.reset.slice(now));
            let h_tilda = self.candidate.slice(now);
            let h_prev = h_prev_all.slice(now);
            let j = t - steps.start;
            Zip::from(&mut *d_h)
                .and(&d_out.slice(s![j * n..(j + 1) * n, ..]))
                .and(&*self.carry)
                .for_each(|d, &o, &c| *d = o + c);
            Zip::from(&mut d_ah)
                .and(&mut d_az)
                .and(&*d_h)
                .and(&z)
                .and(&h_tilda)
                .and(&h_prev)
                .for_each(|d_ah, d_az, &dh, &z, &ht, &hp| {
                    *d_ah = dh * (A::one() - z) * (A::one() - ht * ht);
                    *d_az = dh * (hp - ht) * z * (A::one() - z);
                });
            // d(R ⊙ H_prev) = dA^h W_hhᵀ
            let d_rh = &mut *self.d_reset_hidden;
            matmul_serial(A::one(), &d_ah, &p_candidate.w_h.t(), A::zero(), d_rh);
            Zip::from(&mut d_ar)
                .and(&*d_rh)
                .and(&h_prev)
                .and(&r)
                .for_each(|d_ar, &d_rh, &hp, &r| *d_ar = d_rh * hp * r * (A::one() - r));
            Zip::from(&mut *self.carry)
                .and(&*d_h)
                .and(&z)
                .and(&*d_rh)
                .and(&r)
                .for_each(|c, &dh, &z, &d_rh, &r| *c = dh * z + d_rh * r);
            matmul_serial(A::one(), &d_az, &p_update.w_h.t(), A::one(), self.carry);
            matmul_serial(A::one(), &d_ar, &p_reset.w_h.t(), A::one(), self.carry);
        }
        if steps.start > 0 {
            return;
        }
        // Gate weights, all time steps at once.
        let [g_update, g_reset, g_candidate] = &mut self.g;
        let d_candidate = &*self.d_candidate;
        matmul(
            A::one(),
            &h_prev_all.t(),
            &*self.d_update,
            A::zero(),
            &mut g_update.w_h,
        );
        matmul(
            A::one(),
            &h_prev_all.t(),
            &*self.d_reset,
            A::zero(),
            &mut g_reset.w_h,
        );
        matmul(
            A::one(),
            &self.reset_hidden.t(),
            d_candidate,
            A::zero(),
            &mut g_candidate.w_h,
        );
        let rows = self.inputs.iter().copied();
        for (g, d_a) in [
            (g_update, &*self.d_update),
            (g_reset, &*self.d_reset),
            (g_candidate, d_candidate),
        ] {
            scatter_rows(&mut g.w_x, &mut g.b, d_a.view(), rows.clone());
        }
    }
}
