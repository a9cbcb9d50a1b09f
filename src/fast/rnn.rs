//! The from-scratch RNN's fast twin: the same network and the same numbers
//! as [`crate::scratch::RnnScratch`] (a test compares them in f64), computed
//! by the two-core engine (`src/fast/engine.rs`).

use super::engine::{copy_rows, Output, Parts, Pipeline, Recurrence};
use super::kernels::math::{tanh_inplace, vectorized};
use super::kernels::pipeline::chain_matmul;
use super::kernels::rows::{accumulate, add_rows, flat, flat_mut};
use super::kernels::transpose::transposed_copy;
use crate::fast::FastReal;
use crate::model::{RecurrentModel, RecurrentModelExt};
use crate::scratch::{GatedParams, RnnParams};
use ndarray::{s, Array2, ArrayView1, ArrayView2, ArrayViewMut2, Axis};
use std::ops::Range;

/// The section's RNN as a fast trainable model: what [`crate::scratch::RnnScratch`]
/// computes, pipelined over two cores by engine (`src/fast/engine.rs`).
///
/// **Forward**, for inputs \\(x\\) `(batch_size n, num_steps T)` of indices:
/// \\(A_t = W_{xh}\[x_{:,t}\] + H_{t-1} W_{hh} + b_h\\) (the one-hot product is a
/// row gather), \\(H_t = \tanh A_t\\), and one product for all steps at once,
/// \\(O = \[H_1; \dots; H_T\] W_{hq} + b_q\\) `(T n, q)`.
///
/// **Backward**, given \\(\partial L / \partial O\\):
/// - \\(\partial W_{hq} = H^\top \partial O\\), \\(\partial b_q = \sum_{rows} \partial O\\),
///   \\(\partial H = \partial O\, W_{hq}^\top\\) (all steps in one product);
/// - for \\(t = T, \dots, 1\\): \\(\partial A_t = (\partial H_t + \partial A_{t+1} W_{hh}^\top) \odot (1 - H_t^2)\\);
/// - \\(\partial W_{hh} = \[H_0; \dots; H_{T-1}\]^\top \[\partial A_1; \dots; \partial A_T\]\\),
///   \\(\partial b_h = \sum \partial A_t\\), \\(\partial W_{xh}\[x_{i,t}\] \mathrel{+}= \partial A_t\[i\]\\);
/// - \\(\partial H_0 = \partial A_1 W_{hh}^\top\\) ([`RecurrentModel::state_grad`]); training
///   drops it (the state is detached).
///
/// Buffers are kept between calls, so a training step allocates nothing per time step.
///
/// ```
/// use d2l_rnn::model::RecurrentModel;
/// use d2l_rnn::fast::RnnFast;
/// use d2l_rnn::scratch::get_params;
/// use ndarray::Array2;
/// let mut model = RnnFast::new(get_params(1027, 256, 0));
/// let x = Array2::from_shape_vec((2, 5), (0..10).collect()).unwrap();
/// let mut state = model.begin_state(2);
/// let logits = model.forward(x.view(), &mut state);
/// assert_eq!(logits.dim(), (10, 1027)); // (num_steps * batch_size, vocab_size)
/// assert_eq!(state.dim(), (2, 256));
/// ```
#[derive(Clone, Debug)]
pub struct RnnFast<A = f32> {
    /// The weights.
    pub params: RnnParams<A>,
    /// Their gradients after the last [`RecurrentModel::backward`].
    pub grads: RnnParams<A>,
    /// Inputs of the last forward pass, time-major `(num_steps, batch_size)`.
    inputs: Array2<usize>,
    /// `[H_0; H_1; ...; H_T]`, `((num_steps + 1) * batch_size, num_hiddens)`.
    hiddens: Array2<A>,
    /// `dA`, `(num_steps * batch_size, num_hiddens)`.
    d_pre: Array2<A>,
    /// `dA_{t+1} W_hh^T`, ends as `dH_0`, `(batch_size, num_hiddens)`.
    carry: Array2<A>,
    /// `W_hhᵀ`, row-major, for the walk back.
    w_h_t: Array2<A>,
    /// The output layer and the overlap of the two cores.
    engine: Pipeline<A>,
}

impl<A: FastReal> RnnFast<A> {
    /// Wraps parameters (from [`crate::scratch::get_params`] or a checkpoint) into a model.
    pub fn new(params: RnnParams<A>) -> Self {
        let grads = RnnParams::zeros(params.vocab_size(), params.num_hiddens());
        RnnFast {
            params,
            grads,
            inputs: Array2::zeros((0, 0)),
            hiddens: Array2::zeros((0, 0)),
            d_pre: Array2::zeros((0, 0)),
            carry: Array2::zeros((0, 0)),
            w_h_t: Array2::zeros((0, 0)),
            engine: Pipeline::default(),
        }
    }

    /// Takes a mini-batch `(batch_size, num_steps)` of indices: resizes the
    /// buffers when the shape changes (training and prediction use
    /// different shapes) and stores the inputs time-major with `H_0`.
    fn load(&mut self, inputs: ArrayView2<'_, usize>, state: &Array2<A>) {
        let (n, steps) = inputs.dim();
        let h = self.params.num_hiddens();
        let rows = n * steps;
        if self.hiddens.dim() != (rows + n, h) || self.inputs.dim() != (steps, n) {
            self.inputs = Array2::zeros((steps, n));
            self.hiddens = Array2::zeros((rows + n, h));
            self.d_pre = Array2::zeros((rows, h));
            self.carry = Array2::zeros((n, h));
        }
        self.inputs.assign(&inputs.t());
        self.hiddens.slice_mut(s![..n, ..]).assign(state);
    }

    /// The model as the engine sees it: the recurrence (with the hidden
    /// layer's weights and gradients), the output layer, the engine, and
    /// the output layer's gradients (`W_hq` is stored `(in, out)`: its
    /// transpose is the dense layer's weight).
    fn parts(&mut self) -> Parts<'_, A, RnnSteps<'_, A>> {
        let RnnFast {
            params,
            grads,
            inputs,
            hiddens,
            d_pre,
            carry,
            w_h_t,
            engine,
        } = self;
        let steps = RnnSteps {
            p: &params.hidden,
            g: &mut grads.hidden,
            inputs,
            hiddens,
            d_pre,
            carry,
            w_h_t,
        };
        let out = Output {
            weight: params.w_hq.view(),
            bias: params.b_q.view(),
        };
        Parts {
            rec: steps,
            out,
            engine,
            d_weight: grads.w_hq.view_mut().reversed_axes(),
            d_bias: grads.b_q.view_mut(),
        }
    }
}

/// The RNN's walk through time, for [`Pipeline`]: \(H_t = \tanh(W_{xh}[x_t] + b_h + H_{t-1} W_{hh})\)
/// forwards, \(\partial A_t = (\partial H_t + \partial A_{t+1} W_{hh}^\top) \odot (1 - H_t^2)\) backwards,
/// with each chunk's share of \(\partial W_{hh}\), \(\partial b_h\) and \(\partial W_{xh}\).
struct RnnSteps<'a, A> {
    p: &'a crate::scratch::Gate<A>,
    g: &'a mut crate::scratch::Gate<A>,
    inputs: &'a Array2<usize>,
    hiddens: &'a mut Array2<A>,
    d_pre: &'a mut Array2<A>,
    carry: &'a mut Array2<A>,
    /// \\(W_{hh}^\top\\) row-major, copied before the walk back.
    w_h_t: &'a mut Array2<A>,
}

impl<A: FastReal> Recurrence<A> for RnnSteps<'_, A> {
    fn forward_chunk(&mut self, steps: Range<usize>, out: ArrayViewMut2<'_, A>) {
        let n = self.inputs.ncols();
        for t in steps.clone() {
            let (done, mut rest) = self.hiddens.view_mut().split_at(Axis(0), (t + 1) * n);
            let h_prev = done.slice(s![t * n.., ..]);
            recurrence_step(
                self.p,
                self.inputs.row(t),
                &h_prev,
                rest.slice_mut(s![..n, ..]),
            );
        }
        copy_rows(
            self.hiddens,
            (steps.start + 1) * n..(steps.end + 1) * n,
            out,
        );
    }

    fn backward_chunk(&mut self, steps: Range<usize>, d_out: ArrayView2<'_, A>) {
        let n = self.inputs.ncols();
        let g = &mut *self.g;
        if steps.end * n == self.d_pre.nrows() {
            // The last chunk comes first: start every sum at zero.
            self.carry.fill(A::zero());
            // The walk multiplies by W_hhᵀ once a step: a row-major copy packs
            // faster than the transposed view (same numbers).
            transposed_copy(&self.p.w_h, self.w_h_t);
            g.w_h.fill(A::zero());
            g.b.fill(A::zero());
            g.w_x.fill(A::zero());
        }
        let rows = steps.start * n..steps.end * n;
        // Last step first: dA_t = (dH_t + dA_{t+1} W_hh^T) ⊙ (1 - H_t²).
        for t in steps.clone().rev() {
            let now = t * n..(t + 1) * n;
            let mut d_a = self.d_pre.slice_mut(s![now.clone(), ..]); // [n, h]
            let d_h = d_out.slice(s![(t - steps.start) * n..(t + 1 - steps.start) * n, ..]);
            let h_t = self.hiddens.slice(s![now.start + n..now.end + n, ..]);
            let (d, o, c, h) = (
                flat_mut(&mut d_a),
                flat(&d_h),
                flat(&*self.carry),
                flat(&h_t),
            );
            vectorized(
                #[inline(always)]
                || {
                    for (((d, &o), &c), &h) in d.iter_mut().zip(o).zip(c).zip(h) {
                        *d = (o + c) * (A::one() - h * h);
                    }
                },
            );
            chain_matmul(
                A::one(),
                &d_a.view(),
                &self.w_h_t.view(),
                A::zero(),
                &mut self.carry.view_mut(),
            );
        }
        // This chunk's share of dW_hh, db_h and dW_xh.
        let d_chunk = self.d_pre.slice(s![rows.clone(), ..]);
        let h_prev = self.hiddens.slice(s![rows, ..]);
        chain_matmul(
            A::one(),
            &h_prev.t(),
            &d_chunk,
            A::one(),
            &mut g.w_h.view_mut(),
        );
        let xs = self.inputs.slice(s![steps, ..]);
        vectorized(
            #[inline(always)]
            || {
                for (row, &x) in d_chunk.outer_iter().zip(xs.iter()) {
                    accumulate(g.b.view_mut(), row);
                    accumulate(g.w_x.row_mut(x), row);
                }
            },
        );
    }
}

/// One time step, \(H_t = \tanh(W_{xh}[x_t] + b_h + H_{t-1} W_{hh})\), written
/// into `a` `(n, h)`; `xs` holds the `n` input indices, `h_prev` is `(n, h)`.
fn recurrence_step<A: FastReal>(
    p: &crate::scratch::Gate<A>,
    xs: ArrayView1<'_, usize>,
    h_prev: &ArrayView2<'_, A>,
    mut a: ArrayViewMut2<'_, A>,
) {
    vectorized(
        #[inline(always)]
        || {
            for (row, &x) in a.outer_iter_mut().zip(xs) {
                add_rows(row, p.w_x.row(x), p.b.view());
            }
        },
    );
    chain_matmul(A::one(), h_prev, &p.w_h.view(), A::one(), &mut a);
    match a.as_slice_mut() {
        Some(a) => tanh_inplace(a),
        None => a.mapv_inplace(A::tanh_fast),
    }
}

impl RnnFast<f32> {
    /// The model with the book's initialisation [`crate::scratch::get_params`]:
    /// the builder [`crate::train::train_and_predict_rnn`] takes.
    ///
    /// ```
    /// use d2l_rnn::model::RecurrentModel;
    /// assert_eq!(d2l_rnn::fast::RnnFast::init(7, 5, 0).vocab_size(), 7);
    /// ```
    pub fn init(vocab_size: usize, num_hiddens: usize, seed: u64) -> Self {
        RnnFast::new(crate::scratch::get_params(vocab_size, num_hiddens, seed))
    }
}

impl<A: FastReal> RecurrentModel for RnnFast<A> {
    type Elem = A;
    type State = Array2<A>;
    type Params = RnnParams<A>;

    fn vocab_size(&self) -> usize {
        self.params.vocab_size()
    }

    fn begin_state(&self, batch_size: usize) -> Array2<A> {
        Array2::zeros((batch_size, self.params.num_hiddens()))
    }

    fn forward(
        &mut self,
        inputs: ArrayView2<'_, usize>,
        state: &mut Array2<A>,
    ) -> ArrayView2<'_, A> {
        let (n, steps) = inputs.dim();
        self.load(inputs, state);
        let mut parts = self.parts();
        parts.engine.forward(steps, n, &mut parts.rec, parts.out);
        state.assign(&self.hiddens.slice(s![steps * n.., ..]));
        self.engine.logits()
    }

    fn backward(&mut self, d_logits: ArrayView2<'_, A>) {
        self.parts().backward(d_logits);
    }

    fn params(&self) -> &RnnParams<A> {
        &self.params
    }

    fn params_and_grads(&mut self) -> (&mut RnnParams<A>, &mut RnnParams<A>) {
        (&mut self.params, &mut self.grads)
    }
}

impl<A: FastReal> RecurrentModelExt for RnnFast<A> {
    fn advance(&mut self, inputs: ArrayView2<'_, usize>, state: &mut Array2<A>) {
        let (n, steps) = inputs.dim();
        self.load(inputs, state);
        let width = self.params.num_hiddens();
        let mut parts = self.parts();
        parts.engine.advance(steps, n, width, &mut parts.rec);
        state.assign(&self.hiddens.slice(s![steps * n.., ..]));
    }

    fn state_grad(&self) -> Array2<A> {
        self.carry.clone()
    }
}
