//! Gradient checks of the readable from-scratch models (RNN, GRU, LSTM):
//! their hand-written backpropagation through time against central finite
//! differences, in f64, over several time steps, for every parameter and
//! every entry of the initial state, from a zero and from a carried state.
//! The fast engines are proven equal to these models in `fast_equals_readable.rs`.

mod common;

use common::gradcheck::{assert_spoiled_entry_is_caught, check};
use common::{random_batch, random_biases};
use d2l_rnn::model::{RecurrentModel, RecurrentModelExt};
use d2l_rnn::scratch::{
    gru, lstm, rnn, to_onehot, GatedParams, GruParams, GruScratch, LstmParams, LstmScratch,
    RnnParams, RnnScratch,
};
use ndarray::{s, Array2};
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::SeedableRng;

const VOCAB: usize = 7;
const HIDDEN: usize = 5;
const STEPS: usize = 4;
const BATCH: usize = 3;

/// Parameters with larger weights than the section's 0.01, so that every
/// term of the backward pass matters, and random biases.
fn params<P: GatedParams<f64> + d2l_rnn::model::Parameters<f64>>(seed: u64) -> P {
    let mut p = P::normal(VOCAB, HIDDEN, 0.5, seed);
    random_biases(&mut p, seed + 100);
    p
}

/// A state carried over from a previous mini-batch, as consecutive sampling
/// does (held fixed, detached, while this mini-batch is differentiated).
fn carried<M: RecurrentModelExt<Elem = f64>>(model: &mut M, seed: u64) -> M::State {
    let (x, _) = random_batch(&mut StdRng::seed_from_u64(seed), VOCAB, BATCH, STEPS);
    let mut state = model.begin_state(BATCH);
    model.forward(x.view(), &mut state);
    state
}

/// Checks `model` from a zero state and from a carried one.
fn check_both<M: RecurrentModelExt<Elem = f64>>(mut model: M, seed: u64, label: &str) {
    let mut rng = StdRng::seed_from_u64(seed);
    let (x, y) = random_batch(&mut rng, VOCAB, BATCH, STEPS);
    let zero = model.begin_state(BATCH);
    check(&mut model, &x, &y, &zero).assert_ok(&format!("{label}, zero state"));
    let s0 = carried(&mut model, seed + 1);
    check(&mut model, &x, &y, &s0).assert_ok(&format!("{label}, carried state"));
}

#[test]
fn rnn_bptt_matches_finite_differences() {
    check_both(RnnScratch::new(params::<RnnParams<f64>>(1)), 1, "RNN");
}

#[test]
fn gru_bptt_matches_finite_differences() {
    check_both(GruScratch::new(params::<GruParams<f64>>(2)), 2, "GRU");
}

#[test]
fn lstm_bptt_matches_finite_differences() {
    check_both(LstmScratch::new(params::<LstmParams<f64>>(3)), 3, "LSTM");
}

#[test]
fn long_sequences_and_large_batches_pass_too() {
    // 10 steps of 40 sequences: the shape the fast RNN cuts into chunks.
    let mut model = RnnScratch::new(params::<RnnParams<f64>>(4));
    let (x, y) = random_batch(&mut StdRng::seed_from_u64(4), VOCAB, 40, 10);
    let s0 = model.begin_state(40);
    check(&mut model, &x, &y, &s0).assert_ok("RNN, 40 x 10");
}

#[test]
fn the_check_reports_exactly_a_spoiled_entry() {
    // A check that cannot fail proves nothing: each spoiled entry must be
    // the one and only failure the real checker reports.
    let mut rng = StdRng::seed_from_u64(5);
    let (x, y) = random_batch(&mut rng, VOCAB, BATCH, STEPS);
    let mut m = RnnScratch::new(params::<RnnParams<f64>>(5));
    let s0 = carried(&mut m, 6);
    assert_spoiled_entry_is_caught(&mut m, &x, &y, &s0, "W_hh", 0);
    assert_spoiled_entry_is_caught(&mut m, &x, &y, &s0, "H_0", 7);
    let mut m = GruScratch::new(params::<GruParams<f64>>(7));
    let s0 = carried(&mut m, 8);
    assert_spoiled_entry_is_caught(&mut m, &x, &y, &s0, "W_hz", 0);
    let mut m = LstmScratch::new(params::<LstmParams<f64>>(9));
    let s0 = carried(&mut m, 10);
    // The memory cell's initial gradient, which only a carried C_0 exercises.
    assert_spoiled_entry_is_caught(&mut m, &x, &y, &s0, "C_0", 7);
}

/// The readable models gather rows of `W_x·`; the section's functions
/// multiply by one-hot matrices: the same numbers.
#[test]
fn models_equal_the_sections_one_hot_functions() {
    let mut rng = StdRng::seed_from_u64(11);
    let (x, _) = random_batch(&mut rng, VOCAB, BATCH, STEPS);
    let xs = to_onehot(x.view(), VOCAB);
    let h0 = Array2::from_shape_fn((BATCH, HIDDEN), |(i, j)| 0.1 * (i as f64) - 0.05 * j as f64);
    let close = |logits: &Array2<f64>, outputs: &[Array2<f64>]| {
        for (t, o) in outputs.iter().enumerate() {
            let rows = logits.slice(s![t * BATCH..(t + 1) * BATCH, ..]);
            for (a, b) in rows.iter().zip(o.iter()) {
                assert!((a - b).abs() < 1e-12, "step {t}: {a} vs {b}");
            }
        }
    };
    let p = params::<RnnParams<f64>>(12);
    let (outputs, h_t) = rnn(&xs, &h0, &p);
    let mut state = h0.clone();
    close(
        &RnnScratch::new(p).forward(x.view(), &mut state).to_owned(),
        &outputs,
    );
    assert!(state.iter().zip(&h_t).all(|(a, b)| (a - b).abs() < 1e-12));

    let p = params::<GruParams<f64>>(13);
    let (outputs, h_t) = gru(&xs, &h0, &p);
    let mut state = h0.clone();
    close(
        &GruScratch::new(p).forward(x.view(), &mut state).to_owned(),
        &outputs,
    );
    assert!(state.iter().zip(&h_t).all(|(a, b)| (a - b).abs() < 1e-12));

    let p = params::<LstmParams<f64>>(14);
    let s0 = (h0.clone(), h0.mapv(|v| -v));
    let (outputs, (h_t, c_t)) = lstm(&xs, &s0, &p);
    let mut state = s0.clone();
    close(
        &LstmScratch::new(p).forward(x.view(), &mut state).to_owned(),
        &outputs,
    );
    assert!(state.0.iter().zip(&h_t).all(|(a, b)| (a - b).abs() < 1e-12));
    assert!(state.1.iter().zip(&c_t).all(|(a, b)| (a - b).abs() < 1e-12));
}

#[test]
fn one_hot_times_w_xh_is_a_row_gather() {
    let params = RnnParams::<f32>::normal(VOCAB, HIDDEN, 0.1, 5);
    let x = ndarray::array![3usize, 0, 6];
    let product = d2l_rnn::scratch::one_hot::<f32>(x.view(), VOCAB).dot(&params.hidden.w_x);
    for (i, &c) in x.iter().enumerate() {
        assert_eq!(product.row(i), params.hidden.w_x.row(c));
    }
}
