//! The from-scratch RNN's fast twin: the same network and the same numbers
//! as [`crate::scratch::RnnScratch`] (a test compares them in f64), computed
//! by the two-core pipeline of [`super::pipeline`].

use super::linalg::matmul_serial;
use super::math::tanh_inplace;
use super::pipeline::{chain_matmul, chunk_steps, lock, DenseGradBlocks, Flags, Queue};
use crate::model::RecurrentModel;
use crate::real::Real;
use crate::scratch::{GatedParams, RnnParams};
use ndarray::{s, Array2, ArrayView1, ArrayView2, ArrayViewMut2, Axis, Zip};
use std::sync::Mutex;

/// The section's RNN as a fast trainable model: what [`crate::scratch::RnnScratch`]
/// computes, pipelined over two cores (see [`super::pipeline`]).
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
    /// `O`, `(num_steps * batch_size, vocab_size)`.
    logits: Array2<A>,
    /// `dH`, then `dA`, `(num_steps * batch_size, num_hiddens)`.
    d_hiddens: Array2<A>,
    /// `dA_{t+1} W_hh^T`, ends as `dH_0`, `(batch_size, num_hiddens)`.
    carry: Array2<A>,
}

impl<A: Real> RnnFast<A> {
    /// Wraps parameters (from [`crate::scratch::get_params`] or a checkpoint) into a model.
    pub fn new(params: RnnParams<A>) -> Self {
        let grads = RnnParams::zeros(params.vocab_size(), params.num_hiddens());
        RnnFast {
            params,
            grads,
            inputs: Array2::zeros((0, 0)),
            hiddens: Array2::zeros((0, 0)),
            logits: Array2::zeros((0, 0)),
            d_hiddens: Array2::zeros((0, 0)),
            carry: Array2::zeros((0, 0)),
        }
    }

    /// Resizes the buffers when the batch shape changes (training and
    /// prediction use different shapes); a no-op otherwise.
    fn ensure_buffers(&mut self, batch_size: usize, num_steps: usize) {
        let (h, q) = (self.params.num_hiddens(), self.params.vocab_size());
        let rows = batch_size * num_steps;
        if self.logits.dim() != (rows, q) || self.hiddens.dim() != (rows + batch_size, h) {
            self.inputs = Array2::zeros((num_steps, batch_size));
            self.hiddens = Array2::zeros((rows + batch_size, h));
            self.logits = Array2::zeros((rows, q));
            self.d_hiddens = Array2::zeros((rows, h));
            self.carry = Array2::zeros((batch_size, h));
        }
    }
}

/// The recurrence alone, one step after another on this thread: fills
/// `[H_0; H_1; …; H_T]` of `hiddens` from `state` and leaves `H_T` in `state`.
fn recur_serial<A: Real>(
    p: &RnnParams<A>,
    inputs: &Array2<usize>,
    hiddens: &mut Array2<A>,
    state: &mut Array2<A>,
) {
    let (steps, n) = inputs.dim();
    hiddens.slice_mut(s![..n, ..]).assign(state);
    for t in 0..steps {
        let (done, mut rest) = hiddens.view_mut().split_at(Axis(0), (t + 1) * n);
        let h_prev = done.slice(s![t * n.., ..]);
        recurrence_step(p, inputs.row(t), &h_prev, rest.slice_mut(s![..n, ..]));
    }
    state.assign(&hiddens.slice(s![steps * n.., ..]));
}

/// One time step, \\(H_t = \tanh(W_{xh}[x_t] + b_h + H_{t-1} W_{hh})\\), written
/// into `a` `(n, h)`; `xs` holds the `n` input indices, `h_prev` is `(n, h)`.
fn recurrence_step<A: Real>(
    p: &RnnParams<A>,
    xs: ArrayView1<'_, usize>,
    h_prev: &ArrayView2<'_, A>,
    mut a: ArrayViewMut2<'_, A>,
) {
    for (mut row, &x) in a.outer_iter_mut().zip(xs) {
        Zip::from(&mut row)
            .and(&p.hidden.w_x.row(x))
            .and(&p.hidden.b)
            .for_each(|a, &w, &b| *a = w + b);
    }
    chain_matmul(A::one(), h_prev, &p.hidden.w_h.view(), A::one(), &mut a);
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

impl<A: Real> RecurrentModel for RnnFast<A> {
    type Elem = A;
    type State = Array2<A>;
    type Params = RnnParams<A>;

    fn vocab_size(&self) -> usize {
        self.params.vocab_size()
    }

    fn begin_state(&self, batch_size: usize) -> Array2<A> {
        Array2::zeros((batch_size, self.params.num_hiddens()))
    }

    fn state_grad(&self) -> Array2<A> {
        self.carry.clone()
    }

    fn forward(
        &mut self,
        inputs: ArrayView2<'_, usize>,
        state: &mut Array2<A>,
    ) -> ArrayView2<'_, A> {
        let (n, steps) = inputs.dim();
        self.ensure_buffers(n, steps);
        self.inputs.assign(&inputs.t());
        let RnnFast {
            params: p,
            inputs,
            hiddens,
            logits,
            ..
        } = self;
        let k = chunk_steps(n);
        if steps <= k {
            // One chunk, nothing to overlap (writing text one character at
            // a time, say): step through time, then one output product.
            recur_serial(p, inputs, hiddens, state);
            matmul_serial(
                A::one(),
                &hiddens.slice(s![n.., ..]),
                &p.w_hq,
                A::zero(),
                logits,
            );
            *logits += &p.b_q;
            return self.logits.view();
        }
        let (mut h0, mut h_rest) = hiddens.view_mut().split_at(Axis(0), n);
        h0.assign(state);
        // Chunks of `k` time steps: the recurrence fills one chunk of H at a
        // time on one thread, while both threads compute O = H W_hq + b_q
        // for the chunks already filled.
        let rows = k * n;
        let h_chunks: Vec<_> = h_rest
            .axis_chunks_iter_mut(Axis(0), rows)
            .map(Mutex::new)
            .collect();
        let o_chunks: Vec<_> = logits
            .axis_chunks_iter_mut(Axis(0), rows)
            .map(Mutex::new)
            .collect();
        let (filled, queue) = (Flags::new(h_chunks.len()), Queue::new(h_chunks.len()));
        let outputs = || {
            while let Some(c) = queue.claim() {
                filled.wait(c);
                let h = lock(&h_chunks[c]);
                let mut o = lock(&o_chunks[c]);
                matmul_serial(A::one(), &*h, &p.w_hq, A::zero(), &mut *o);
                *o += &p.b_q;
            }
        };
        let recurrence = || {
            // H_t = tanh(W_xh[x_t] + b_h + H_{t-1} W_hh), chunk by chunk;
            // `carry` holds the last H of the previous chunk.
            let mut carry = state.clone();
            for (c, chunk) in h_chunks.iter().enumerate() {
                let mut h = lock(chunk);
                for j in 0..h.nrows() / n {
                    let (done, mut rest) = h.view_mut().split_at(Axis(0), j * n);
                    let a = rest.slice_mut(s![..n, ..]); // [n, h], becomes H_t
                    let x = inputs.row(c * k + j);
                    if j == 0 {
                        recurrence_step(p, x, &carry.view(), a);
                    } else {
                        recurrence_step(p, x, &done.slice(s![(j - 1) * n.., ..]), a);
                    }
                }
                carry.assign(&h.slice(s![h.nrows() - n.., ..]));
                drop(h);
                filled.set(c);
            }
            state.assign(&carry);
            outputs();
        };
        rayon::join(recurrence, outputs);
        self.logits.view()
    }

    fn advance(&mut self, inputs: ArrayView2<'_, usize>, state: &mut Array2<A>) {
        let (n, steps) = inputs.dim();
        self.ensure_buffers(n, steps);
        self.inputs.assign(&inputs.t());
        recur_serial(&self.params, &self.inputs, &mut self.hiddens, state);
    }

    fn backward(&mut self, d_logits: ArrayView2<'_, A>) {
        let n = self.inputs.ncols();
        let RnnFast {
            params: p,
            grads: g,
            inputs,
            hiddens,
            d_hiddens,
            carry,
            ..
        } = self;
        let h_all = hiddens.slice(s![n.., ..]); // [T n, h]
        let k = chunk_steps(n);
        let rows = k * n;
        // Chunks of dH = dO W_hq^T, computed last chunk first by whichever
        // thread claims them; the pass back through time turns each into dA.
        let d_chunks: Vec<_> = d_hiddens
            .axis_chunks_iter_mut(Axis(0), rows)
            .map(Mutex::new)
            .collect();
        let m = d_chunks.len();
        let (d_ready, d_queue) = (Flags::new(m), Queue::new(m));
        let d_hidden_chunk = |i: usize| {
            let c = m - 1 - i;
            let mut d = lock(&d_chunks[c]);
            let o = d_logits.slice(s![c * rows..c * rows + d.nrows(), ..]);
            matmul_serial(A::one(), &o, &p.w_hq.t(), A::zero(), &mut *d);
            drop(d);
            d_ready.set(c);
        };
        // Blocks of dW_hq = H^T dO and db_q, independent of the rest
        // (W_hq is stored (in, out): its transpose is the dense layer's W).
        let output_grads = DenseGradBlocks::new(
            g.w_hq.view_mut().reversed_axes(),
            g.b_q.view_mut(),
            h_all.view(),
            d_logits,
        );
        let (w_hh, b_h, w_xh) = (&mut g.hidden.w_h, &mut g.hidden.b, &mut g.hidden.w_x);
        rayon::join(
            || {
                carry.fill(A::zero());
                w_hh.fill(A::zero());
                b_h.fill(A::zero());
                w_xh.fill(A::zero());
                for c in (0..m).rev() {
                    // Help with dH while the chunk needed next is not ready.
                    while !d_ready.is_set(c) {
                        match d_queue.claim() {
                            Some(i) => d_hidden_chunk(i),
                            None => d_ready.wait(c),
                        }
                    }
                    let mut d_chunk = lock(&d_chunks[c]);
                    // Last step first: rows of dH become dA_t.
                    for j in (0..d_chunk.nrows() / n).rev() {
                        let t = c * k + j;
                        let mut d_a = d_chunk.slice_mut(s![j * n..(j + 1) * n, ..]); // [n, h]
                        let h_t = h_all.slice(s![t * n..(t + 1) * n, ..]);
                        Zip::from(&mut d_a)
                            .and(&*carry)
                            .and(&h_t)
                            .for_each(|d, &c, &h| *d = (*d + c) * (A::one() - h * h));
                        chain_matmul(
                            A::one(),
                            &d_a.view(),
                            &p.hidden.w_h.t(),
                            A::zero(),
                            &mut carry.view_mut(),
                        );
                    }
                    // This chunk's share of dW_hh, db_h and dW_xh.
                    let start = c * rows;
                    let h_prev = hiddens.slice(s![start..start + d_chunk.nrows(), ..]);
                    let mut w_hh = w_hh.view_mut();
                    chain_matmul(A::one(), &h_prev.t(), &d_chunk.view(), A::one(), &mut w_hh);
                    let xs = inputs.slice(s![c * k..c * k + d_chunk.nrows() / n, ..]);
                    for (row, &x) in d_chunk.outer_iter().zip(xs.iter()) {
                        *b_h += &row;
                        let mut w = w_xh.row_mut(x);
                        w += &row;
                    }
                }
                output_grads.work();
            },
            || {
                while let Some(i) = d_queue.claim() {
                    d_hidden_chunk(i);
                }
                output_grads.work();
            },
        );
    }

    fn params(&self) -> &RnnParams<A> {
        &self.params
    }

    fn params_and_grads(&mut self) -> (&mut RnnParams<A>, &mut RnnParams<A>) {
        (&mut self.params, &mut self.grads)
    }
}
