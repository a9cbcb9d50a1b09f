//! `cargo bench --features bench-internals --bench ceiling`: the highest share of the square product an
//! epoch could reach with this crate's matrix products, for each model at the
//! section's settings.
//!
//! An epoch's FLOPs (as `benches/epoch.rs` counts them: the products only)
//! divided by the square product's rate (both cores) is the time the target
//! measures against. Timed on **one** core (a thread pool of one thread), per
//! mini-batch of 32 x 35 characters:
//!
//! 1. its products, each at the rate this crate's `gemm` reaches for that
//!    shape (each step of the walk forward and back, the recurrent weight
//!    gradient, the output layer and its two gradients);
//! 2. the softmax cross-entropy on the model's logits;
//! 3. the gradient clipping and the optimizer step (SGD from scratch, Adam
//!    for the concise models) on the model's own parameters;
//! 4. the cell's element-wise steps forward and back (the concise layer's
//!    [`Cell`]; the from-scratch models' loops do the same arithmetic).
//!
//! Two cores can at best halve those core-seconds; everything else an epoch
//! does (gathers, transposes, copies, waiting, the two cores slowing each
//! other down) counts as zero. So the shares printed are ceilings, not
//! forecasts: the gap between them and `benches/epoch.rs` is what the engine
//! loses around the work itself. Five repetitions, each with its own square
//! product; medians.

mod common;
use common::{matmul_gflops, median};
use d2l_rnn::data::{data_iter_consecutive, Corpus};
use d2l_rnn::fast::kernels::linalg::matmul_serial;
use d2l_rnn::fast::kernels::math::vectorized;
use d2l_rnn::fast::{GruFast, LstmFast, RnnFast};
use d2l_rnn::loss::softmax_cross_entropy;
use d2l_rnn::model::RecurrentModel;
use d2l_rnn::nn::{
    Cell, CellBackward, CellForward, GruCell, LstmCell, ModelKind, Nonlinearity, RNNModel,
    Recurrent, RnnCell, RnnConfig,
};
use d2l_rnn::optim::{grad_clipping, Adam, Optimizer, Sgd};
use ndarray::{s, Array2, Axis};
use std::time::Instant;

/// The section's mini-batch: 32 sequences of 35 steps, 256 hidden units.
const BATCH: usize = 32;
const STEPS: usize = 35;
const HIDDEN: usize = 256;

/// Median seconds of `f` over `reps` runs after one warm-up run.
fn time(reps: usize, mut f: impl FnMut()) -> f64 {
    f();
    median(
        (0..reps)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

fn filled(rows: usize, cols: usize, seed: usize) -> Array2<f32> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        (((i * 31 + j * 17 + seed) % 97) as f32 - 48.0) * 1e-3
    })
}

/// Core-seconds of one mini-batch's products on one core for a layer of
/// `gates` gates and an output layer of `q` classes, and their FLOPs as the
/// epoch bench counts them.
fn products(gates: usize, q: usize) -> (f64, f64) {
    let (n, rows, h, gh) = (BATCH, BATCH * STEPS, HIDDEN, gates * HIDDEN);
    let w_hh = filled(h, gh, 1); // the walk forward: h_{t-1} W
    let w_hh_t = filled(gh, h, 2); // the walk back: dA_t Wᵀ
    let w_out = filled(h, q, 3);
    let w_out_t = filled(q, h, 4);
    let hiddens = filled(rows, h, 5);
    let d_gates = filled(rows, gh, 6);
    let d_logits = filled(rows, q, 7);
    let (mut a, mut carry) = (Array2::zeros((n, gh)), Array2::zeros((n, h)));
    let (mut d_w_hh, mut d_w_out) = (Array2::zeros((h, gh)), Array2::zeros((h, q)));
    let (mut logits, mut d_h) = (Array2::zeros((rows, q)), Array2::zeros((rows, h)));
    let walk = time(9, || {
        for t in 0..STEPS {
            let h_prev = hiddens.slice(s![t * n..(t + 1) * n, ..]);
            matmul_serial(1.0, &h_prev, &w_hh, 1.0, &mut a);
        }
    });
    let walk_back = time(9, || {
        for t in (0..STEPS).rev() {
            let d = d_gates.slice(s![t * n..(t + 1) * n, ..]);
            matmul_serial(1.0, &d, &w_hh_t, 0.0, &mut carry);
        }
    });
    let d_recurrent = time(9, || {
        matmul_serial(1.0, &hiddens.t(), &d_gates, 0.0, &mut d_w_hh)
    });
    let output = time(9, || matmul_serial(1.0, &hiddens, &w_out, 0.0, &mut logits));
    let d_output = time(9, || {
        matmul_serial(1.0, &hiddens.t(), &d_logits, 0.0, &mut d_w_out)
    });
    let d_hidden = time(9, || matmul_serial(1.0, &d_logits, &w_out_t, 0.0, &mut d_h));
    let flops = common::batch_flops(rows, h, gates, q);
    let seconds = walk + walk_back + d_recurrent + output + d_output + d_hidden;
    (seconds, flops)
}

/// Rows `rows` of a row-major array, as a slice (empty for an empty array).
fn rows_of(a: &Array2<f32>, rows: std::ops::Range<usize>) -> &[f32] {
    let w = a.ncols();
    a.as_slice()
        .map_or(&[][..], |s| &s[rows.start * w..rows.end * w])
}

/// Core-seconds of one mini-batch's element-wise steps of the cell `C`
/// (the concise layer's [`Cell`], forward then backward through 35 steps).
fn cells<C: Cell<f32>>(cell: &C) -> f64 {
    let (n, h) = (BATCH, HIDDEN);
    let (gh, cw) = (C::GATES * h, C::CACHE * h);
    let lstm = matches!(C::KIND, ModelKind::Lstm);
    let xw = filled(STEPS * n, gh, 11);
    let hw = filled(n, gh, 12);
    let mut hs = Array2::<f32>::zeros(((STEPS + 1) * n, h));
    let mut cs = Array2::<f32>::zeros(((STEPS + 1) * n, if lstm { h } else { 0 }));
    let mut cache = Array2::<f32>::zeros((STEPS * n, cw));
    let (mut dh, mut dc) = (filled(n, h, 13), filled(n, if lstm { h } else { 0 }, 14));
    let (mut d_xw, mut d_hw) = (Array2::<f32>::zeros((n, gh)), Array2::<f32>::zeros((n, gh)));
    time(9, || {
        for t in 0..STEPS {
            let (h_done, h_rest) = hs.view_mut().split_at(Axis(0), (t + 1) * n);
            let (c_done, c_rest) = cs.view_mut().split_at(Axis(0), (t + 1) * n);
            let mut h_new = h_rest.slice_move(s![..n, ..]);
            let mut c_new = c_rest.slice_move(s![..n, ..]);
            let mut cache_t = cache.slice_mut(s![t * n..(t + 1) * n, ..]);
            let (h_prev, c_prev) = (h_done.slice(s![t * n.., ..]), c_done.slice(s![t * n.., ..]));
            vectorized(
                #[inline(always)]
                || {
                    cell.forward_step(CellForward {
                        hidden: h,
                        xw: rows_of(&xw, t * n..(t + 1) * n),
                        hw: hw.as_slice().unwrap_or(&[]),
                        h_prev: h_prev.to_slice().unwrap_or(&[]),
                        c_prev: c_prev.to_slice().unwrap_or(&[]),
                        h: h_new.as_slice_mut().unwrap_or(&mut []),
                        c: c_new.as_slice_mut().unwrap_or(&mut []),
                        cache: cache_t.as_slice_mut().unwrap_or(&mut []),
                    })
                },
            );
        }
        for t in (0..STEPS).rev() {
            vectorized(
                #[inline(always)]
                || {
                    cell.backward_step(CellBackward {
                        hidden: h,
                        h_prev: rows_of(&hs, t * n..(t + 1) * n),
                        h: rows_of(&hs, (t + 1) * n..(t + 2) * n),
                        c_prev: rows_of(&cs, t * n..(t + 1) * n),
                        cache: rows_of(&cache, t * n..(t + 1) * n),
                        dh: dh.as_slice_mut().unwrap_or(&mut []),
                        dc: dc.as_slice_mut().unwrap_or(&mut []),
                        d_xw: d_xw.as_slice_mut().unwrap_or(&mut []),
                        d_hw: d_hw.as_slice_mut().unwrap_or(&mut []),
                    })
                },
            );
        }
    })
}

/// Seconds of the loss, and of clipping plus one optimizer step, for one
/// mini-batch of `model` (after a real forward and backward pass).
fn loss_and_update<M: RecurrentModel<Elem = f32>, O: Optimizer<f32>>(
    model: &mut M,
    optimizer: &mut O,
    corpus: &Corpus,
) -> (f64, f64) {
    let (x, y) =
        match data_iter_consecutive(&corpus.corpus_indices, BATCH, STEPS).map(|mut it| it.next()) {
            Ok(Some(batch)) => batch,
            _ => {
                eprintln!("error: the corpus is too short for one mini-batch");
                std::process::exit(1);
            }
        };
    let mut state = model.begin_state(BATCH);
    let logits = model.forward(x.view(), &mut state).to_owned();
    let mut d_logits = Array2::zeros(logits.dim());
    let loss = time(21, || {
        softmax_cross_entropy(logits.view(), y.view(), d_logits.view_mut());
    });
    model.backward(d_logits.view());
    let update = time(21, || {
        let (params, grads) = model.params_and_grads();
        grad_clipping(grads, 0.01);
        optimizer.step(params, grads);
    });
    (loss, update)
}

fn concise<C: Cell<f32>>(corpus: &Corpus) -> RNNModel<C, f32> {
    let v = corpus.vocab_size();
    match Recurrent::<C, f32>::new(RnnConfig::new(v, HIDDEN), 0)
        .and_then(|layer| RNNModel::new(layer, v, 1))
    {
        Ok(model) => model,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

/// One model of the table: its name, gates, and its loss and update timed on one core.
struct Model<'a> {
    name: &'a str,
    gates: usize,
    loss_and_update: Box<dyn FnMut() -> (f64, f64) + Send + 'a>,
    cells: fn() -> f64,
}

fn main() {
    let corpus = common::lyrics_or_exit();
    let one_core = match rayon::ThreadPoolBuilder::new().num_threads(1).build() {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("error: a thread pool of one thread: {e}");
            std::process::exit(1);
        }
    };
    let v = corpus.vocab_size();
    let c = &corpus;
    let (mut rnn, mut gru, mut lstm) = (
        RnnFast::init(v, HIDDEN, 0),
        GruFast::init(v, HIDDEN, 0),
        LstmFast::init(v, HIDDEN, 0),
    );
    let (mut c_rnn, mut c_gru, mut c_lstm) = (
        concise::<RnnCell>(c),
        concise::<GruCell>(c),
        concise::<LstmCell>(c),
    );
    let sgd = || Sgd { lr: 100.0 };
    let adam = || Adam::new(1e-3);
    let (mut s1, mut s2, mut s3) = (sgd(), sgd(), sgd());
    let (mut a1, mut a2, mut a3) = (adam(), adam(), adam());
    let mut models = [
        Model {
            name: "from scratch",
            gates: 1,
            loss_and_update: Box::new(|| loss_and_update(&mut rnn, &mut s1, c)),
            cells: || {
                cells(&RnnCell {
                    nonlinearity: Nonlinearity::Tanh,
                })
            },
        },
        Model {
            name: "from-scratch GRU",
            gates: 3,
            loss_and_update: Box::new(|| loss_and_update(&mut gru, &mut s2, c)),
            cells: || cells(&GruCell::default()),
        },
        Model {
            name: "from-scratch LSTM",
            gates: 4,
            loss_and_update: Box::new(|| loss_and_update(&mut lstm, &mut s3, c)),
            cells: || cells(&LstmCell),
        },
        Model {
            name: "concise RNN",
            gates: 1,
            loss_and_update: Box::new(|| loss_and_update(&mut c_rnn, &mut a1, c)),
            cells: || {
                cells(&RnnCell {
                    nonlinearity: Nonlinearity::Tanh,
                })
            },
        },
        Model {
            name: "concise GRU",
            gates: 3,
            loss_and_update: Box::new(|| loss_and_update(&mut c_gru, &mut a2, c)),
            cells: || cells(&GruCell::default()),
        },
        Model {
            name: "concise LSTM",
            gates: 4,
            loss_and_update: Box::new(|| loss_and_update(&mut c_lstm, &mut a3, c)),
            cells: || cells(&LstmCell),
        },
    ];
    const REPEATS: usize = 5;
    // Per model and repetition: products, loss, update, cells (core-seconds), FLOPs, square.
    let mut runs = vec![Vec::new(); models.len()];
    for run in 1..=REPEATS {
        let square = matmul_gflops(2048, 2048, 2048);
        for (k, m) in models.iter_mut().enumerate() {
            let ((prod, flops), (loss, update), cell) =
                one_core.install(|| (products(m.gates, v), (m.loss_and_update)(), (m.cells)()));
            runs[k].push([prod, loss, update, cell, flops, square]);
        }
        eprintln!("run {run} of {REPEATS}: square product {square:.1} GFLOP/s");
    }
    // Two cores, perfectly shared, at best halve the core-seconds.
    let share = |r: &[f64; 6], seconds: f64| 100.0 * r[4] / (seconds / 2.0) / 1e9 / r[5];
    for (k, m) in models.iter().enumerate() {
        let pick = |f: &dyn Fn(&[f64; 6]) -> f64| median(runs[k].iter().map(f).collect());
        println!(
            "{} ceiling: products {:.2} core-ms ({:.0}% of the square product), loss {:.2}, clipping + update {:.2}, cells {:.2} core-ms: at most {:.0}% of the square product without the cells, {:.0}% with them",
            m.name,
            pick(&|r| r[0]) * 1e3,
            pick(&|r| share(r, r[0])),
            pick(&|r| r[1]) * 1e3,
            pick(&|r| r[2]) * 1e3,
            pick(&|r| r[3]) * 1e3,
            pick(&|r| share(r, r[0] + r[1] + r[2])),
            pick(&|r| share(r, r[0] + r[1] + r[2] + r[3])),
        );
    }
}
