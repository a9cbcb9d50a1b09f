//! The from-scratch GRU's walk through time, forwards and backwards, for the
//! engine ([`super::engine::Recurrence`]); [`super::GruFast`] holds the buffers.

use super::engine::{copy_rows, Recurrence};
use super::kernels::halves::{by_step, by_step_ro, split_point, walk_halves, Halves, MinSplitWork};
use super::kernels::linalg::{matmul, matmul_serial};
use super::kernels::math::vectorized;
use super::kernels::rows::scatter_rows;
use super::kernels::rows::{flat, flat_mut};
use super::kernels::transpose::transposed_recurrent_weights;
use crate::fast::FastReal;
use crate::scratch::Gate;
use ndarray::{s, Array2, ArrayView2, ArrayView3, ArrayViewMut2, ArrayViewMut3, Axis};
use std::ops::Range;

/// [`super::GruFast`] taken apart for the engine: the gates of
/// [`crate::scratch::GruScratch`] step by step forwards; backwards each
/// step's \\(\partial A^z, \partial A^r, \partial A^h\\), and after the first
/// step every gate's weight gradient in one product.
pub(super) struct GruSteps<'a, A> {
    /// From which size a step's sequences walk as two halves.
    pub(super) split: MinSplitWork,
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

/// One half of the sequences (or all) of every buffer the walk forward
/// writes, by step: `(steps, rows, h)`.
struct ForwardRows<'a, A> {
    hiddens: ArrayViewMut3<'a, A>,
    update: ArrayViewMut3<'a, A>,
    reset: ArrayViewMut3<'a, A>,
    candidate: ArrayViewMut3<'a, A>,
    reset_hidden: ArrayViewMut3<'a, A>,
}

impl<A: Send> Halves for ForwardRows<'_, A> {
    fn split(self, at: usize) -> (Self, Self) {
        let (hiddens, hiddens2) = self.hiddens.split_at(Axis(1), at);
        let (update, update2) = self.update.split_at(Axis(1), at);
        let (reset, reset2) = self.reset.split_at(Axis(1), at);
        let (candidate, candidate2) = self.candidate.split_at(Axis(1), at);
        let (reset_hidden, reset_hidden2) = self.reset_hidden.split_at(Axis(1), at);
        let first = ForwardRows {
            hiddens,
            update,
            reset,
            candidate,
            reset_hidden,
        };
        let second = ForwardRows {
            hiddens: hiddens2,
            update: update2,
            reset: reset2,
            candidate: candidate2,
            reset_hidden: reset_hidden2,
        };
        (first, second)
    }
}

/// One half of the sequences (or all) of what the walk back reads and writes.
struct BackwardRows<'a, A> {
    hiddens: ArrayView3<'a, A>,
    update: ArrayView3<'a, A>,
    reset: ArrayView3<'a, A>,
    candidate: ArrayView3<'a, A>,
    /// The chunk's `dH` from the output layer, `(chunk steps, rows, h)`.
    d_out: ArrayView3<'a, A>,
    d_update: ArrayViewMut3<'a, A>,
    d_reset: ArrayViewMut3<'a, A>,
    d_candidate: ArrayViewMut3<'a, A>,
    d_hidden: ArrayViewMut2<'a, A>,
    d_reset_hidden: ArrayViewMut2<'a, A>,
    carry: ArrayViewMut2<'a, A>,
}

impl<A: Send + Sync> Halves for BackwardRows<'_, A> {
    fn split(self, at: usize) -> (Self, Self) {
        let (hiddens, hiddens2) = self.hiddens.split_at(Axis(1), at);
        let (update, update2) = self.update.split_at(Axis(1), at);
        let (reset, reset2) = self.reset.split_at(Axis(1), at);
        let (candidate, candidate2) = self.candidate.split_at(Axis(1), at);
        let (d_out, d_out2) = self.d_out.split_at(Axis(1), at);
        let (d_update, d_update2) = self.d_update.split_at(Axis(1), at);
        let (d_reset, d_reset2) = self.d_reset.split_at(Axis(1), at);
        let (d_candidate, d_candidate2) = self.d_candidate.split_at(Axis(1), at);
        let (d_hidden, d_hidden2) = self.d_hidden.split_at(Axis(0), at);
        let (d_reset_hidden, d_reset_hidden2) = self.d_reset_hidden.split_at(Axis(0), at);
        let (carry, carry2) = self.carry.split_at(Axis(0), at);
        let first = BackwardRows {
            hiddens,
            update,
            reset,
            candidate,
            d_out,
            d_update,
            d_reset,
            d_candidate,
            d_hidden,
            d_reset_hidden,
            carry,
        };
        let second = BackwardRows {
            hiddens: hiddens2,
            update: update2,
            reset: reset2,
            candidate: candidate2,
            d_out: d_out2,
            d_update: d_update2,
            d_reset: d_reset2,
            d_candidate: d_candidate2,
            d_hidden: d_hidden2,
            d_reset_hidden: d_reset_hidden2,
            carry: carry2,
        };
        (first, second)
    }
}

impl<A: FastReal> Recurrence<A> for GruSteps<'_, A> {
    /// The sequences are independent: a large batch walks as two halves,
    /// side by side when the other core is free ([`super::kernels::halves`]).
    fn forward_chunk(&mut self, steps: Range<usize>, out: ArrayViewMut2<'_, A>) {
        let n = self.inputs.ncols();
        let h = self.hiddens.ncols();
        let rows = ForwardRows {
            hiddens: by_step(self.hiddens.view_mut(), n),
            update: by_step(self.update.view_mut(), n),
            reset: by_step(self.reset.view_mut(), n),
            candidate: by_step(self.candidate.view_mut(), n),
            reset_hidden: by_step(self.reset_hidden.view_mut(), n),
        };
        let p = self.p;
        walk_halves(rows, n, split_point(n, 3 * h * h, self.split), |r| {
            walk_forward(p, steps.clone(), r)
        });
        copy_rows(
            self.hiddens,
            (steps.start + 1) * n..(steps.end + 1) * n,
            out,
        );
    }

    fn backward_chunk(&mut self, steps: Range<usize>, d_out: ArrayView2<'_, A>) {
        let (total, n) = self.inputs.dim();
        let h = self.hiddens.ncols();
        if steps.end == total {
            self.carry.fill(A::zero());
            transposed_recurrent_weights(&self.p, self.w_h_t);
        }
        let rows = BackwardRows {
            hiddens: by_step_ro(self.hiddens.view(), n),
            update: by_step_ro(self.update.view(), n),
            reset: by_step_ro(self.reset.view(), n),
            candidate: by_step_ro(self.candidate.view(), n),
            d_out: by_step_ro(d_out, n),
            d_update: by_step(self.d_update.view_mut(), n),
            d_reset: by_step(self.d_reset.view_mut(), n),
            d_candidate: by_step(self.d_candidate.view_mut(), n),
            d_hidden: self.d_hidden.view_mut(),
            d_reset_hidden: self.d_reset_hidden.view_mut(),
            carry: self.carry.view_mut(),
        };
        let w_h_t = &self.w_h_t[..];
        walk_halves(rows, n, split_point(n, 3 * h * h, self.split), |r| {
            walk_backward(w_h_t, steps.clone(), r)
        });
        if steps.start == 0 {
            self.gate_weight_grads();
        }
    }
}

/// Steps `steps` forward for the sequences of `r`.
fn walk_forward<A: FastReal>(p: [&Gate<A>; 3], steps: Range<usize>, mut rows: ForwardRows<'_, A>) {
    let [p_update, p_reset, p_candidate] = p;
    for t in steps {
        let (done, mut rest) = rows.hiddens.view_mut().split_at(Axis(0), t + 1);
        let h_prev = done.index_axis(Axis(0), t); // [rows, h]
        let mut z = rows.update.index_axis_mut(Axis(0), t); // [rows, h]
        let mut r = rows.reset.index_axis_mut(Axis(0), t);
        let mut h_tilda = rows.candidate.index_axis_mut(Axis(0), t);
        let mut r_h = rows.reset_hidden.index_axis_mut(Axis(0), t);
        matmul_serial(A::one(), &h_prev, &p_update.w_h, A::one(), &mut z);
        matmul_serial(A::one(), &h_prev, &p_reset.w_h, A::one(), &mut r);
        let h_prev = flat(&h_prev);
        let (z, r, r_h_values) = (flat_mut(&mut z), flat_mut(&mut r), flat_mut(&mut r_h));
        // Plain loops over slices, inlined into the vectorised function
        // (ndarray's `Zip` kept its loops apart, compiled without AVX).
        vectorized(
            #[inline(always)]
            || {
                z.iter_mut().for_each(|v| *v = v.sigmoid_fast());
                for ((rh, r), &h) in r_h_values.iter_mut().zip(r.iter_mut()).zip(h_prev) {
                    *r = r.sigmoid_fast();
                    *rh = *r * h;
                }
            },
        );
        matmul_serial(A::one(), &r_h, &p_candidate.w_h, A::one(), &mut h_tilda);
        let h_tilda = flat_mut(&mut h_tilda);
        let mut h_new = rest.index_axis_mut(Axis(0), 0);
        let h_new = flat_mut(&mut h_new);
        vectorized(
            #[inline(always)]
            || {
                h_tilda.iter_mut().for_each(|v| *v = v.tanh_fast());
                for (((h, &z), &hp), &ht) in h_new.iter_mut().zip(&*z).zip(h_prev).zip(&*h_tilda) {
                    *h = z * hp + (A::one() - z) * ht;
                }
            },
        );
    }
}

/// Steps `steps` back, last first, for the sequences of `rows`.
fn walk_backward<A: FastReal>(
    w_h_t: &[Array2<A>],
    steps: Range<usize>,
    mut rows: BackwardRows<'_, A>,
) {
    let [t_update, t_reset, t_candidate] = w_h_t else {
        unreachable!("three gates")
    };
    for t in steps.clone().rev() {
        let mut d_az = rows.d_update.index_axis_mut(Axis(0), t); // [rows, h]
        let mut d_ar = rows.d_reset.index_axis_mut(Axis(0), t);
        let mut d_ah = rows.d_candidate.index_axis_mut(Axis(0), t);
        let (z, r) = (
            rows.update.index_axis(Axis(0), t),
            rows.reset.index_axis(Axis(0), t),
        );
        let h_tilda = rows.candidate.index_axis(Axis(0), t);
        let h_prev = rows.hiddens.index_axis(Axis(0), t);
        let d_out_t = rows.d_out.index_axis(Axis(0), t - steps.start);
        let (d_out_t, carry) = (flat(&d_out_t), flat(&rows.carry));
        let (z, r, h_tilda, h_prev) = (flat(&z), flat(&r), flat(&h_tilda), flat(&h_prev));
        let d_h = flat_mut(&mut rows.d_hidden); // [rows, h], the total dH_t
        let (da_h, da_z) = (flat_mut(&mut d_ah), flat_mut(&mut d_az));
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
        let d_rh = &mut rows.d_reset_hidden;
        matmul_serial(A::one(), &d_ah, t_candidate, A::zero(), d_rh);
        let (d_rh, da_r) = (flat(d_rh), flat_mut(&mut d_ar));
        let d_h = flat(&rows.d_hidden);
        let carry = flat_mut(&mut rows.carry);
        vectorized(
            #[inline(always)]
            || {
                for (((d_ar, &d_rh), &hp), &r) in da_r.iter_mut().zip(d_rh).zip(h_prev).zip(r) {
                    *d_ar = d_rh * hp * r * (A::one() - r);
                }
                for ((((c, &dh), &z), &d_rh), &r) in
                    carry.iter_mut().zip(d_h).zip(z).zip(d_rh).zip(r)
                {
                    *c = dh * z + d_rh * r;
                }
            },
        );
        matmul_serial(A::one(), &d_az, t_update, A::one(), &mut rows.carry);
        matmul_serial(A::one(), &d_ar, t_reset, A::one(), &mut rows.carry);
    }
}

impl<A: FastReal> GruSteps<'_, A> {
    /// After the walk back (the call with `steps.start == 0`): every gate's
    /// weight gradients, all time steps at once, while the other core works
    /// on the output layer's.
    fn gate_weight_grads(&mut self) {
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
