//! What the benches share: the corpus, or a clear exit without it, medians,
//! the FLOPs of a mini-batch and the rate of a product. Not every bench uses
//! every item.
#![allow(dead_code)]

use d2l_rnn::data::{load_data_jay_lyrics, Corpus};
use d2l_rnn::fast::kernels::linalg::matmul;
use ndarray::Array2;
use std::time::Instant;

/// The section's corpus (`$D2L_RNN_DATA`, `data/`, or downloaded
/// and checked); without it, the error on stderr and exit code 1.
pub fn lyrics_or_exit() -> Corpus {
    match load_data_jay_lyrics() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

/// The middle value (the upper one of an even count); `NaN` sorts last.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Floating point operations of one mini-batch of `rows` rows (batch size
/// times steps) through a recurrent layer of `gates` gates (RNN 1, GRU 3,
/// LSTM 4) and `hidden` units and an output layer of `q` classes, counting
/// the products only: three with the recurrent weights `(hidden, gates
/// hidden)` (forward, the carried gradient, its weight gradient) and three
/// with the output weights `(hidden, q)` (forward, its weight gradient, the
/// hidden gradient), each `2 rows k n`; the gathered input adds
/// `2 rows gates hidden`.
pub fn batch_flops(rows: usize, hidden: usize, gates: usize, q: usize) -> f64 {
    let (rows, h, gh, q) = (
        rows as f64,
        hidden as f64,
        (gates * hidden) as f64,
        q as f64,
    );
    3.0 * 2.0 * rows * h * gh + 3.0 * 2.0 * rows * h * q + 2.0 * rows * gh
}

/// GFLOP/s of the crate's `matmul` (both cores) on an `(m, k)` by `(k, n)`
/// product: the median of five timings of enough repetitions for about
/// 20 GFLOP (3 to 200).
pub fn matmul_gflops(m: usize, k: usize, n: usize) -> f64 {
    let a = Array2::<f32>::from_shape_fn((m, k), |(i, j)| ((i * 7 + j * 3) % 11) as f32 * 0.01);
    let b = Array2::<f32>::from_shape_fn((k, n), |(i, j)| ((i * 5 + j) % 13) as f32 * 0.01);
    let mut c = Array2::<f32>::zeros((m, n));
    matmul(1.0, &a, &b, 0.0, &mut c);
    let reps = ((2e10 / (2.0 * (m * k * n) as f64)) as usize).clamp(3, 200);
    let times = (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..reps {
                matmul(1.0, &a, &b, 0.0, &mut c);
            }
            start.elapsed().as_secs_f64() / reps as f64
        })
        .collect();
    2.0 * (m * k * n) as f64 / median(times) / 1e9
}
