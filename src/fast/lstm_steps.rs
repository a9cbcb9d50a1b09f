//! The from-scratch LSTM's walk through time, forwards and backwards, for
//! the engine ([`super::engine::Recurrence`]); [`super::LstmFast`] holds the buffers.

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

/// [`super::LstmFast`] taken apart: the gates of [`crate::scratch::LstmScratch`]
/// step by step forwards; backwards each step's \\(\partial A^i, \partial A^f,
/// \partial A^o, \partial A^c\\), and after the first step every gate's weight
/// gradient in one product. Gate arrays are in the order input, forget,
/// output, candidate.
pub(super) struct LstmSteps<'a, A> {
    pub(super) p: [&'a Gate<A>; 4],
    pub(super) g: [&'a mut Gate<A>; 4],
    /// Inputs, time-major `(T, n)`.
    pub(super) inputs: &'a Array2<usize>,
    /// `[H_0; …; H_T]` and `[C_0; …; C_T]`, `((T + 1) n, h)`.
    pub(super) hiddens: &'a mut Array2<A>,
    pub(super) cells: &'a mut Array2<A>,
    /// `I, F, O, C̃` of every step, `(T n, h)` each: the gathered input
    /// products before the walk, the gate values after it.
    pub(super) gates: [&'a mut Array2<A>; 4],
    /// `tanh(C_t)`, `(T n, h)`.
    pub(super) tanh_cells: &'a mut Array2<A>,
    /// The total `dH_t` of one step, `(n, h)`.
    pub(super) d_hidden: &'a mut Array2<A>,
    /// `dA^i, dA^f, dA^o, dA^c` of every step, `(T n, h)` each.
    pub(super) d_gates: [&'a mut Array2<A>; 4],
    /// `dC_t` of one step, `(n, h)`.
    pub(super) d_cell: &'a mut Array2<A>,
    /// `dH^next_{t-1}` and `dC^next_{t-1}`, ending as `dH_0`, `dC_0`, `(n, h)`.
    pub(super) carry_h: &'a mut Array2<A>,
    pub(super) carry_c: &'a mut Array2<A>,
    /// Each gate's \\(W_h^\top\\) row-major, copied before the walk back.
    pub(super) w_h_t: &'a mut Vec<Array2<A>>,
}

impl<A: Real> Recurrence<A> for LstmSteps<'_, A> {
    fn forward_chunk(&mut self, steps: Range<usize>, out: ArrayViewMut2<'_, A>) {
        let n = self.inputs.ncols();
        let [p_i, p_f, p_o, p_c] = self.p;
        for t in steps.clone() {
            let now = s![t * n..(t + 1) * n, ..];
            let (h_done, mut h_rest) = self.hiddens.view_mut().split_at(Axis(0), (t + 1) * n);
            let (c_done, mut c_rest) = self.cells.view_mut().split_at(Axis(0), (t + 1) * n);
            let h_prev = h_done.slice(s![t * n.., ..]); // [n, h]
            let c_prev = c_done.slice(s![t * n.., ..]); // [n, h]
            let [gi, gf, go, gc] = &mut self.gates;
            let mut i = gi.slice_mut(now); // [n, h]
            let mut f = gf.slice_mut(now); // [n, h]
            let mut o = go.slice_mut(now); // [n, h]
            let mut c_tilda = gc.slice_mut(now); // [n, h]
            let mut tanh_c = self.tanh_cells.slice_mut(now); // [n, h]
            matmul_serial(A::one(), &h_prev, &p_i.w_h, A::one(), &mut i);
            matmul_serial(A::one(), &h_prev, &p_f.w_h, A::one(), &mut f);
            matmul_serial(A::one(), &h_prev, &p_o.w_h, A::one(), &mut o);
            matmul_serial(A::one(), &h_prev, &p_c.w_h, A::one(), &mut c_tilda);
            let (i, f) = (flat_mut(&mut i), flat_mut(&mut f));
            let (o, c_tilda) = (flat_mut(&mut o), flat_mut(&mut c_tilda));
            let tanh_c = flat_mut(&mut tanh_c);
            let c_prev = c_prev.as_slice().expect("rows of a standard-layout buffer");
            let mut c_new = c_rest.slice_mut(s![..n, ..]);
            let mut h_new = h_rest.slice_mut(s![..n, ..]);
            let (c_new, h_new) = (flat_mut(&mut c_new), flat_mut(&mut h_new));
            // Plain loops over slices, one formula each: inlined into the
            // vectorised function (ndarray's `Zip` kept its loops apart and
            // compiled them without AVX).
            vectorized(
                #[inline(always)]
                || {
                    i.iter_mut().for_each(|v| *v = v.sigmoid_fast());
                    f.iter_mut().for_each(|v| *v = v.sigmoid_fast());
                    o.iter_mut().for_each(|v| *v = v.sigmoid_fast());
                    c_tilda.iter_mut().for_each(|v| *v = v.tanh_fast());
                    for ((((c, tc), &f), &cp), (&i, &ct)) in c_new
                        .iter_mut()
                        .zip(tanh_c.iter_mut())
                        .zip(&*f)
                        .zip(c_prev)
                        .zip(i.iter().zip(&*c_tilda))
                    {
                        *c = f * cp + i * ct;
                        *tc = c.tanh_fast();
                    }
                    for ((h, &o), &tc) in h_new.iter_mut().zip(&*o).zip(&*tanh_c) {
                        *h = o * tc;
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
            self.carry_h.fill(A::zero());
            self.carry_c.fill(A::zero());
            transposed_recurrent_weights(&self.p, self.w_h_t);
        }
        let c_prev_all = self.cells.slice(s![..total * n, ..]); // [T n, h]
        for t in steps.clone().rev() {
            let now = s![t * n..(t + 1) * n, ..];
            let [gi, gf, go, gc] = &self.gates;
            let (i, f) = (gi.slice(now), gf.slice(now));
            let (o, c_tilda) = (go.slice(now), gc.slice(now));
            let tanh_c = self.tanh_cells.slice(now);
            let c_prev = c_prev_all.slice(now);
            let [di, df, d_o, dc] = &mut self.d_gates;
            let mut d_ai = di.slice_mut(now); // [n, h]
            let mut d_af = df.slice_mut(now); // [n, h]
            let mut d_ao = d_o.slice_mut(now); // [n, h]
            let mut d_ac = dc.slice_mut(now); // [n, h]
            let j = t - steps.start;
            let d_h = flat_mut(&mut *self.d_hidden); // [n, h], the total dH_t
            let d_out_t = d_out.slice(s![j * n..(j + 1) * n, ..]);
            let d_out_t = d_out_t
                .as_slice()
                .expect("rows of a standard-layout buffer");
            let (carry_h, carry_c) = (flat(&*self.carry_h), flat_mut(&mut *self.carry_c));
            let d_cell = flat_mut(&mut *self.d_cell);
            let (i, f, o) = (flat(&i), flat(&f), flat(&o));
            let (c_tilda, tanh_c, c_prev) = (flat(&c_tilda), flat(&tanh_c), flat(&c_prev));
            let (da_i, da_f) = (flat_mut(&mut d_ai), flat_mut(&mut d_af));
            let (da_o, da_c) = (flat_mut(&mut d_ao), flat_mut(&mut d_ac));
            vectorized(
                #[inline(always)]
                || {
                    for ((d, &o), &c) in d_h.iter_mut().zip(d_out_t).zip(carry_h) {
                        *d = o + c;
                    }
                    for ((((dc, d_ao), &cc), &dh), (&o, &tc)) in d_cell
                        .iter_mut()
                        .zip(da_o.iter_mut())
                        .zip(&*carry_c)
                        .zip(&*d_h)
                        .zip(o.iter().zip(tanh_c))
                    {
                        *dc = cc + dh * o * (A::one() - tc * tc);
                        *d_ao = dh * tc * o * (A::one() - o);
                    }
                    for ((((d_ai, d_ac), &dc), &i), &ct) in da_i
                        .iter_mut()
                        .zip(da_c.iter_mut())
                        .zip(&*d_cell)
                        .zip(i)
                        .zip(c_tilda)
                    {
                        *d_ai = dc * ct * i * (A::one() - i);
                        *d_ac = dc * i * (A::one() - ct * ct);
                    }
                    for ((((d_af, cc), &dc), &cp), &f) in da_f
                        .iter_mut()
                        .zip(carry_c.iter_mut())
                        .zip(&*d_cell)
                        .zip(c_prev)
                        .zip(f)
                    {
                        *d_af = dc * cp * f * (A::one() - f);
                        *cc = dc * f;
                    }
                },
            );
            let carry = &mut *self.carry_h;
            let [t_i, t_f, t_o, t_c] = &self.w_h_t[..] else {
                unreachable!("four gates")
            };
            matmul_serial(A::one(), &d_ai, t_i, A::zero(), carry);
            matmul_serial(A::one(), &d_af, t_f, A::one(), carry);
            matmul_serial(A::one(), &d_ao, t_o, A::one(), carry);
            matmul_serial(A::one(), &d_ac, t_c, A::one(), carry);
        }
    }

    fn finish_backward(&mut self) {
        let (total, n) = self.inputs.dim();
        // Gate weights, all time steps at once.
        let h_prev_all = self.hiddens.slice(s![..total * n, ..]); // [T n, h]
        let rows = self.inputs.as_slice().expect("standard layout");
        for (g, d_a) in self.g.iter_mut().zip(&self.d_gates) {
            matmul(A::one(), &h_prev_all.t(), &**d_a, A::zero(), &mut g.w_h);
            scatter_rows(&mut g.w_x, &mut g.b, d_a.view(), rows);
        }
    }
}
