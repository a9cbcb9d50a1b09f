//! The from-scratch GRU's walk through time, forwards and backwards, for the
//! engine ([`super::engine::Recurrence`]); [`super::GruFast`] holds the buffers.

use super::engine::{copy_rows, Recurrence};
use super::linalg::{matmul, matmul_serial};
use super::math::vectorized;
use super::rows::scatter_rows;
use super::rows::{flat, flat_mut};
use super::transpose::transposed_recurrent_weights;
use crate::real::Real;
use crate::scratch::Gate;
use ndarray::{s, Array2, ArrayView2, ArrayViewMut2, Axis};
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
    /// Each gate's \\(W_h^\top\\) row-major, copied before the walk back.
    pub(super) w_h_t: &'a mut Vec<Array2<A>>,
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
            let h_prev = flat(&h_prev);
            let (z, r, r_h) = (flat_mut(&mut z), flat_mut(&mut r), flat_mut(&mut r_h));
            // Plain loops over slices, inlined into the vectorised function
            // (ndarray's `Zip` kept its loops apart, compiled without AVX).
            vectorized(
                #[inline(always)]
                || {
                    z.iter_mut().for_each(|v| *v = v.sigmoid_fast());
                    for ((rh, r), &h) in r_h.iter_mut().zip(r.iter_mut()).zip(h_prev) {
                        *r = r.sigmoid_fast();
                        *rh = *r * h;
                    }
                },
            );
            let r_h = self.reset_hidden.slice(now);
            matmul_serial(A::one(), &r_h, &p_candidate.w_h, A::one(), &mut h_tilda);
            let h_tilda = flat_mut(&mut h_tilda);
            let mut h_new = rest.slice_mut(s![..n, ..]);
            let h_new = flat_mut(&mut h_new);
            vectorized(
                #[inline(always)]
                || {
                    h_tilda.iter_mut().for_each(|v| *v = v.tanh_fast());
                    for (((h, &z), &hp), &ht) in
                        h_new.iter_mut().zip(&*z).zip(h_prev).zip(&*h_tilda)
                    {
                        *h = z * hp + (A::one() - z) * ht;
                    }
                },
            );
        }
        copy_rows(
            self.hiddens,
            (steps.start + 1) * n..(steps.end + 1) * n,
            out,
        );
    }

    fn backward_chunk(&mut self, steps: Range<usize>, d_out: ArrayView2<'_, A>) {
        let (total, n) = self.inputs.dim();
        if steps.end == total {
            self.carry.fill(A::zero());
            transposed_recurrent_weights(&self.p, self.w_h_t);
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
            let d_out_t = d_out.slice(s![j * n..(j + 1) * n, ..]);
            let (d_out_t, carry) = (flat(&d_out_t), flat(&*self.carry));
            let (z, r, h_tilda, h_prev) = (flat(&z), flat(&r), flat(&h_tilda), flat(&h_prev));
            let (d_h, da_h, da_z) = (flat_mut(d_h), flat_mut(&mut d_ah), flat_mut(&mut d_az));
            vectorized(
                #[inline(always)]
                || {
                    for ((d, &o), &c) in d_h.iter_mut().zip(d_out_t).zip(carry) {
                        *d = o + c;
                    }
                    for ((((d_ah, d_az), &dh), &z), (&ht, &hp)) in da_h
                        .iter_mut()
                        .zip(da_z.iter_mut())
                        .zip(&*d_h)
                        .zip(z)
                        .zip(h_tilda.iter().zip(h_prev))
                    {
                        *d_ah = dh * (A::one() - z) * (A::one() - ht * ht);
                        *d_az = dh * (hp - ht) * z * (A::one() - z);
                    }
                },
            );
            // d(R ⊙ H_prev) = dA^h W_hhᵀ
            let [t_update, t_reset, t_candidate] = &self.w_h_t[..] else {
                unreachable!("three gates")
            };
            let d_rh = &mut *self.d_reset_hidden;
            matmul_serial(A::one(), &d_ah, t_candidate, A::zero(), d_rh);
            let (d_rh, da_r) = (flat(d_rh), flat_mut(&mut d_ar));
            let carry = flat_mut(&mut *self.carry);
            vectorized(
                #[inline(always)]
                || {
                    for (((d_ar, &d_rh), &hp), &r) in da_r.iter_mut().zip(d_rh).zip(h_prev).zip(r) {
                        *d_ar = d_rh * hp * r * (A::one() - r);
                    }
                    for ((((c, &dh), &z), &d_rh), &r) in
                        carry.iter_mut().zip(&*d_h).zip(z).zip(d_rh).zip(r)
                    {
                        *c = dh * z + d_rh * r;
                    }
                },
            );
            matmul_serial(A::one(), &d_az, t_update, A::one(), self.carry);
            matmul_serial(A::one(), &d_ar, t_reset, A::one(), self.carry);
        }
    }

    fn finish_backward(&mut self) {
        let (total, n) = self.inputs.dim();
        let h_prev_all = self.hiddens.slice(s![..total * n, ..]); // [T n, h]
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
        let rows = self.inputs.as_slice().expect("standard layout");
        for (g, d_a) in [
            (g_update, &*self.d_update),
            (g_reset, &*self.d_reset),
            (g_candidate, d_candidate),
        ] {
            scatter_rows(&mut g.w_x, &mut g.b, d_a.view(), rows);
        }
    }
}
