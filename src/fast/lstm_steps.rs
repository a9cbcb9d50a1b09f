//! The from-scratch LSTM's walk through time, forwards and backwards, for
//! the engine ([`super::engine::Recurrence`]); [`super::LstmFast`] holds the buffers.

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

/// [`super::LstmFast`] taken apart: the gates of [`crate::scratch::LstmScratch`]
/// step by step forwards; backwards each step's \\(\partial A^i, \partial A^f,
/// \partial A^o, \partial A^c\\), and after the first step every gate's weight
/// gradient in one product. Gate arrays are in the order input, forget,
/// output, candidate.
pub(super) struct LstmSteps<'a, A> {
    /// From which size a step's sequences walk as two halves.
    pub(super) split: MinSplitWork,
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

/// One half of the sequences (or all of them) of every buffer the walk
/// forward writes, by step: `(steps, rows, h)`.
struct ForwardRows<'a, A> {
    hiddens: ArrayViewMut3<'a, A>,
    cells: ArrayViewMut3<'a, A>,
    gates: [ArrayViewMut3<'a, A>; 4],
    tanh_cells: ArrayViewMut3<'a, A>,
}

impl<A: Send> Halves for ForwardRows<'_, A> {
    fn split(self, at: usize) -> (Self, Self) {
        let (hiddens, hiddens2) = self.hiddens.split_at(Axis(1), at);
        let (cells, cells2) = self.cells.split_at(Axis(1), at);
        let (tanh_cells, tanh_cells2) = self.tanh_cells.split_at(Axis(1), at);
        let [g0, g1, g2, g3] = self.gates.map(|g| g.split_at(Axis(1), at));
        let first = ForwardRows {
            hiddens,
            cells,
            gates: [g0.0, g1.0, g2.0, g3.0],
            tanh_cells,
        };
        let second = ForwardRows {
            hiddens: hiddens2,
            cells: cells2,
            gates: [g0.1, g1.1, g2.1, g3.1],
            tanh_cells: tanh_cells2,
        };
        (first, second)
    }
}

/// One half of the sequences (or all) of what the walk back reads and writes.
struct BackwardRows<'a, A> {
    gates: [ArrayView3<'a, A>; 4],
    tanh_cells: ArrayView3<'a, A>,
    cells: ArrayView3<'a, A>,
    /// The chunk's `dH` from the output layer, `(chunk steps, rows, h)`.
    d_out: ArrayView3<'a, A>,
    d_gates: [ArrayViewMut3<'a, A>; 4],
    d_hidden: ArrayViewMut2<'a, A>,
    d_cell: ArrayViewMut2<'a, A>,
    carry_h: ArrayViewMut2<'a, A>,
    carry_c: ArrayViewMut2<'a, A>,
}

impl<A: Send + Sync> Halves for BackwardRows<'_, A> {
    fn split(self, at: usize) -> (Self, Self) {
        let [g0, g1, g2, g3] = self.gates.map(|g| g.split_at(Axis(1), at));
        let [d0, d1, d2, d3] = self.d_gates.map(|g| g.split_at(Axis(1), at));
        let (tanh_cells, tanh_cells2) = self.tanh_cells.split_at(Axis(1), at);
        let (cells, cells2) = self.cells.split_at(Axis(1), at);
        let (d_out, d_out2) = self.d_out.split_at(Axis(1), at);
        let (d_hidden, d_hidden2) = self.d_hidden.split_at(Axis(0), at);
        let (d_cell, d_cell2) = self.d_cell.split_at(Axis(0), at);
        let (carry_h, carry_h2) = self.carry_h.split_at(Axis(0), at);
        let (carry_c, carry_c2) = self.carry_c.split_at(Axis(0), at);
        let first = BackwardRows {
            gates: [g0.0, g1.0, g2.0, g3.0],
            tanh_cells,
            cells,
            d_out,
            d_gates: [d0.0, d1.0, d2.0, d3.0],
            d_hidden,
            d_cell,
            carry_h,
            carry_c,
        };
        let second = BackwardRows {
            gates: [g0.1, g1.1, g2.1, g3.1],
            tanh_cells: tanh_cells2,
            cells: cells2,
            d_out: d_out2,
            d_gates: [d0.1, d1.1, d2.1, d3.1],
            d_hidden: d_hidden2,
            d_cell: d_cell2,
            carry_h: carry_h2,
            carry_c: carry_c2,
        };
        (first, second)
    }
}

impl<A: FastReal> Recurrence<A> for LstmSteps<'_, A> {
    /// The sequences are independent: a large batch walks as two halves,
    /// side by side when the other core is free ([`super::kernels::halves`]).
    fn forward_chunk(&mut self, steps: Range<usize>, out: ArrayViewMut2<'_, A>) {
        let n = self.inputs.ncols();
        let h = self.hiddens.ncols();
        let rows = ForwardRows {
            hiddens: by_step(self.hiddens.view_mut(), n),
            cells: by_step(self.cells.view_mut(), n),
            gates: self.gates.each_mut().map(|g| by_step(g.view_mut(), n)),
            tanh_cells: by_step(self.tanh_cells.view_mut(), n),
        };
        let p = self.p;
        walk_halves(rows, n, split_point(n, 4 * h * h, self.split), |r| {
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
            self.carry_h.fill(A::zero());
            self.carry_c.fill(A::zero());
            transposed_recurrent_weights(&self.p, self.w_h_t);
        }
        let rows = BackwardRows {
            gates: self.gates.each_ref().map(|g| by_step_ro(g.view(), n)),
            tanh_cells: by_step_ro(self.tanh_cells.view(), n),
            cells: by_step_ro(self.cells.view(), n),
            d_out: by_step_ro(d_out, n),
            d_gates: self.d_gates.each_mut().map(|g| by_step(g.view_mut(), n)),
            d_hidden: self.d_hidden.view_mut(),
            d_cell: self.d_cell.view_mut(),
            carry_h: self.carry_h.view_mut(),
            carry_c: self.carry_c.view_mut(),
        };
        let w_h_t = &self.w_h_t[..];
        walk_halves(rows, n, split_point(n, 4 * h * h, self.split), |r| {
            walk_backward(w_h_t, steps.clone(), r)
        });
        if steps.start == 0 {
            self.gate_weight_grads();
        }
    }
}

/// Steps `steps` forward for the sequences of `r`.
fn walk_forward<A: FastReal>(p: [&Gate<A>; 4], steps: Range<usize>, mut r: ForwardRows<'_, A>) {
    let [p_i, p_f, p_o, p_c] = p;
    for t in steps {
        let (h_done, mut h_rest) = r.hiddens.view_mut().split_at(Axis(0), t + 1);
        let (c_done, mut c_rest) = r.cells.view_mut().split_at(Axis(0), t + 1);
        let h_prev = h_done.index_axis(Axis(0), t); // [rows, h]
        let c_prev = c_done.index_axis(Axis(0), t); // [rows, h]
        let [gi, gf, go, gc] = &mut r.gates;
        let mut i = gi.index_axis_mut(Axis(0), t); // [rows, h]
        let mut f = gf.index_axis_mut(Axis(0), t);
        let mut o = go.index_axis_mut(Axis(0), t);
        let mut c_tilda = gc.index_axis_mut(Axis(0), t);
        let mut tanh_c = r.tanh_cells.index_axis_mut(Axis(0), t);
        matmul_serial(A::one(), &h_prev, &p_i.w_h, A::one(), &mut i);
        matmul_serial(A::one(), &h_prev, &p_f.w_h, A::one(), &mut f);
        matmul_serial(A::one(), &h_prev, &p_o.w_h, A::one(), &mut o);
        matmul_serial(A::one(), &h_prev, &p_c.w_h, A::one(), &mut c_tilda);
        let (i, f) = (flat_mut(&mut i), flat_mut(&mut f));
        let (o, c_tilda) = (flat_mut(&mut o), flat_mut(&mut c_tilda));
        let tanh_c = flat_mut(&mut tanh_c);
        let c_prev = flat(&c_prev);
        let mut c_new = c_rest.index_axis_mut(Axis(0), 0);
        let mut h_new = h_rest.index_axis_mut(Axis(0), 0);
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
}

/// Steps `steps` back, last first, for the sequences of `r`.
fn walk_backward<A: FastReal>(
    w_h_t: &[Array2<A>],
    steps: Range<usize>,
    mut r: BackwardRows<'_, A>,
) {
    let [t_i, t_f, t_o, t_c] = w_h_t else {
        unreachable!("four gates")
    };
    for t in steps.clone().rev() {
        let [gi, gf, go, gc] = &r.gates;
        let (i, f) = (gi.index_axis(Axis(0), t), gf.index_axis(Axis(0), t));
        let (o, c_tilda) = (go.index_axis(Axis(0), t), gc.index_axis(Axis(0), t));
        let tanh_c = r.tanh_cells.index_axis(Axis(0), t);
        let c_prev = r.cells.index_axis(Axis(0), t);
        let [di, df, d_o, dc] = &mut r.d_gates;
        let mut d_ai = di.index_axis_mut(Axis(0), t); // [rows, h]
        let mut d_af = df.index_axis_mut(Axis(0), t);
        let mut d_ao = d_o.index_axis_mut(Axis(0), t);
        let mut d_ac = dc.index_axis_mut(Axis(0), t);
        let d_out_t = r.d_out.index_axis(Axis(0), t - steps.start);
        let d_h = flat_mut(&mut r.d_hidden); // [rows, h], the total dH_t
        let d_out_t = flat(&d_out_t);
        let (carry_h, carry_c) = (flat(&r.carry_h), flat_mut(&mut r.carry_c));
        let d_cell = flat_mut(&mut r.d_cell);
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
        let carry = &mut r.carry_h;
        matmul_serial(A::one(), &d_ai, t_i, A::zero(), carry);
        matmul_serial(A::one(), &d_af, t_f, A::one(), carry);
        matmul_serial(A::one(), &d_ao, t_o, A::one(), carry);
        matmul_serial(A::one(), &d_ac, t_c, A::one(), carry);
    }
}

impl<A: FastReal> LstmSteps<'_, A> {
    /// After the walk back (the call with `steps.start == 0`): every gate's
    /// weight gradients, all time steps at once, while the other core works
    /// on the output layer's.
    fn gate_weight_grads(&mut self) {
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
