//! The fast engines compute what the readable models compute: the same
//! logits, loss, parameter gradients, initial-state gradients and final
//! states, in f64, to 1e-10 relative (largest entry of a tensor's difference
//! over the largest entry of the tensor), over several mini-batches of
//! several steps, with the state carried (consecutive sampling) or fresh
//! (random sampling).

mod common;

use common::{random_batch, random_biases};
use d2l_rnn::fast::{GruFast, LstmFast, RnnFast};
use d2l_rnn::loss::softmax_cross_entropy;
use d2l_rnn::model::{Parameters, RecurrentModel, RecurrentModelExt};
use d2l_rnn::scratch::{
    GatedParams, GruParams, GruScratch, LstmParams, LstmScratch, RnnParams, RnnScratch,
};
use ndarray::{Array2, ArrayViewD};
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::SeedableRng;

const VOCAB: usize = 11;
const HIDDEN: usize = 6;
/// 40 sequences: the fast RNN cuts 10 steps into chunks of 4, 4 and 2
/// steps shared by two threads.
const BATCH: usize = 40;
const STEPS: usize = 10;
const TOL: f64 = 1e-10;

/// \(\max |a - b| / \max |a|\) over two tensors of the same shape.
fn tensor_difference(a: &ArrayViewD<'_, f64>, b: &ArrayViewD<'_, f64>) -> f64 {
    assert_eq!(a.shape(), b.shape());
    let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
    let diff = a
        .iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
    diff / scale
}

/// Largest difference between two sets of named tensors, and where.
fn compare(
    what: &str,
    a: &impl Parameters<f64>,
    b: &impl Parameters<f64>,
    worst: &mut (f64, String),
) {
    for ((name, x), (name_b, y)) in a.tensors().iter().zip(b.tensors().iter()) {
        assert_eq!(name, name_b);
        let d = tensor_difference(x, y);
        assert!(d <= TOL, "{what} {name}: relative difference {d:e}");
        if d >= worst.0 {
            *worst = (d, format!("{what} {name}"));
        }
    }
}

/// Runs both models over three mini-batches and compares everything.
fn same_numbers<R, F>(mut readable: R, mut fast: F, consecutive: bool, label: &str) -> f64
where
    R: RecurrentModelExt<Elem = f64>,
    F: RecurrentModelExt<Elem = f64, State = R::State>,
{
    let mut rng = StdRng::seed_from_u64(7);
    let mut worst = (0.0, String::new());
    let (mut s_r, mut s_f) = (readable.begin_state(BATCH), fast.begin_state(BATCH));
    for batch in 0..3 {
        if !consecutive {
            (s_r, s_f) = (readable.begin_state(BATCH), fast.begin_state(BATCH));
        }
        let (x, y) = random_batch(&mut rng, VOCAB, BATCH, STEPS);
        let logits_r = readable.forward(x.view(), &mut s_r).to_owned();
        let logits_f = fast.forward(x.view(), &mut s_f).to_owned();
        compare("logits", &logits_r, &logits_f, &mut worst);
        let (mut d_r, mut d_f) = (Array2::zeros(logits_r.dim()), Array2::zeros(logits_f.dim()));
        let loss_r = softmax_cross_entropy(logits_r.view(), y.view(), d_r.view_mut());
        let loss_f = softmax_cross_entropy(logits_f.view(), y.view(), d_f.view_mut());
        assert!(
            (loss_r - loss_f).abs() <= TOL * loss_r,
            "{label}: loss {loss_r} vs {loss_f}"
        );
        readable.backward(d_r.view());
        fast.backward(d_f.view());
        let what = format!("batch {batch}:");
        compare(
            &format!("{what} gradient"),
            readable.params_and_grads().1,
            fast.params_and_grads().1,
            &mut worst,
        );
        compare(
            &format!("{what} initial-state gradient"),
            &readable.state_grad(),
            &fast.state_grad(),
            &mut worst,
        );
        compare(&format!("{what} final state"), &s_r, &s_f, &mut worst);
        // The same update on both keeps the next mini-batch comparable.
        step(&mut readable);
        step(&mut fast);
    }
    eprintln!(
        "{label:<28} largest relative difference {:.2e} ({})",
        worst.0, worst.1
    );
    worst.0
}

/// The same plain gradient step on either model.
fn step<M: RecurrentModelExt<Elem = f64>>(model: &mut M) {
    let (p, g) = model.params_and_grads();
    d2l_rnn::optim::sgd(p, g, 0.5, 1);
}

fn params<P: GatedParams<f64> + Parameters<f64>>(seed: u64) -> P {
    let mut p = P::normal(VOCAB, HIDDEN, 0.5, seed);
    random_biases(&mut p, seed + 100);
    p
}

#[test]
fn fast_rnn_equals_the_readable_rnn() {
    for consecutive in [false, true] {
        let p: RnnParams<f64> = params(1);
        let label = format!("RNN, consecutive {consecutive}");
        same_numbers(
            RnnScratch::new(p.clone()),
            RnnFast::new(p),
            consecutive,
            &label,
        );
    }
}

#[test]
fn fast_gru_equals_the_readable_gru() {
    for consecutive in [false, true] {
        let p: GruParams<f64> = params(2);
        let label = format!("GRU, consecutive {consecutive}");
        same_numbers(
            GruScratch::new(p.clone()),
            GruFast::new(p),
            consecutive,
            &label,
        );
    }
}

#[test]
fn fast_lstm_equals_the_readable_lstm() {
    for consecutive in [false, true] {
        let p: LstmParams<f64> = params(3);
        let label = format!("LSTM, consecutive {consecutive}");
        same_numbers(
            LstmScratch::new(p.clone()),
            LstmFast::new(p),
            consecutive,
            &label,
        );
    }
}

#[test]
fn fast_buffers_follow_the_batch_shape() {
    // Training (n, T) and writing text (1, 1) alternate; results must not
    // depend on the previous call's shape.
    let (x, _) = random_batch(&mut StdRng::seed_from_u64(10), VOCAB, 3, 4);
    let mut model = LstmFast::new(params::<LstmParams<f64>>(10));
    let mut s = model.begin_state(3);
    let first = model.forward(x.view(), &mut s).to_owned();
    let mut s1 = model.begin_state(1);
    model.forward(ndarray::array![[2usize]].view(), &mut s1);
    let mut s = model.begin_state(3);
    assert_eq!(model.forward(x.view(), &mut s).to_owned(), first);
}
