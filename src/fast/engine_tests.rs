//! The one engine ([`super::engine`]) runs every model: its numbers do not
//! depend on the number of threads nor on whether a step's sequences are
//! walked as two halves, and the from-scratch RNN's do not depend on how the
//! time axis is cut into chunks.

use super::kernels::halves::MinSplitWork;
use super::{GruFast, LstmFast, RnnFast};
use crate::model::{Parameters, RecurrentModel};
use crate::nn::{GruCell, LstmCell, RNNModel, Recurrent, RnnCell, RnnConfig};
use crate::scratch::{get_gru_params, get_lstm_params, get_params};
use ndarray::Array2;

/// The loss, the logits and every gradient after one forward and backward pass.
fn loss_and_grads<M: RecurrentModel<Elem = f32>>(
    model: &mut M,
    x: &Array2<usize>,
    y: &Array2<usize>,
) -> Vec<f32> {
    let mut state = model.begin_state(x.nrows());
    let logits = model.forward(x.view(), &mut state).to_owned();
    let mut d = Array2::zeros(logits.dim());
    let loss = crate::loss::softmax_cross_entropy(logits.view(), y.view(), d.view_mut());
    model.backward(d.view());
    let (_, grads) = model.params_and_grads();
    let mut out = vec![loss as f32];
    out.extend(logits.iter());
    out.extend(grads.tensors().iter().flat_map(|(_, t)| t.iter().copied()));
    out
}

/// Every model kind the engine runs, with small weights from fixed seeds.
fn every_model(
    x: &Array2<usize>,
    y: &Array2<usize>,
    split: MinSplitWork,
) -> Vec<(&'static str, Vec<f32>)> {
    let v = 50;
    let deep = RnnConfig {
        num_layers: 2,
        bidirectional: true,
        ..RnnConfig::new(v, 24)
    };
    let stacked = RnnConfig {
        num_layers: 2,
        ..RnnConfig::new(v, 24)
    };
    let layer = |cfg, seed| Recurrent::<RnnCell, f32>::new(cfg, seed).expect("valid layer");
    let gru = |cfg, seed| Recurrent::<GruCell, f32>::new(cfg, seed).expect("valid layer");
    let lstm = |cfg, seed| Recurrent::<LstmCell, f32>::new(cfg, seed).expect("valid layer");
    vec![
        (
            "RnnFast",
            loss_and_grads(
                &mut RnnFast::new(get_params(v, 64, 3)).split_at(split),
                x,
                y,
            ),
        ),
        (
            "GruFast",
            loss_and_grads(
                &mut GruFast::new(get_gru_params(v, 64, 4)).split_at(split),
                x,
                y,
            ),
        ),
        (
            "LstmFast",
            loss_and_grads(
                &mut LstmFast::new(get_lstm_params(v, 64, 5)).split_at(split),
                x,
                y,
            ),
        ),
        (
            "concise RNN",
            loss_and_grads(
                &mut RNNModel::new(layer(RnnConfig::new(v, 64), 6), v, 7)
                    .expect("valid model")
                    .split_at(split),
                x,
                y,
            ),
        ),
        (
            "concise GRU, 2 layers",
            loss_and_grads(
                &mut RNNModel::new(gru(stacked, 8), v, 9)
                    .expect("valid model")
                    .split_at(split),
                x,
                y,
            ),
        ),
        (
            "concise LSTM, 2 layers, bidirectional",
            loss_and_grads(
                &mut RNNModel::new(lstm(deep, 10), v, 11)
                    .expect("valid model")
                    .split_at(split),
                x,
                y,
            ),
        ),
    ]
}

#[test]
fn one_thread_and_two_threads_give_the_same_numbers_bit_for_bit() {
    // Batch 32 and 35 steps: the section's shape, cut into 7 chunks that two
    // threads share; a pool of one thread computes every chunk itself.
    let x = Array2::from_shape_fn((32, 35), |(i, t)| (i * 7 + t * 3) % 50);
    let y = Array2::from_shape_fn((32, 35), |(i, t)| (i * 5 + t) % 50);
    let with = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool");
        pool.install(|| every_model(&x, &y, MinSplitWork::default()))
    };
    let (one, two) = (with(1), with(2));
    assert_same_bits(&one, &two);
}

/// Every model gave the same numbers both times, bit for bit, and some gradient.
fn assert_same_bits(one: &[(&str, Vec<f32>)], two: &[(&str, Vec<f32>)]) {
    assert_eq!(one.len(), 6);
    for ((name, a), (_, b)) in one.iter().zip(two) {
        assert_eq!(a.len(), b.len(), "{name}");
        let differing = a
            .iter()
            .zip(b)
            .filter(|(p, q)| p.to_bits() != q.to_bits())
            .count();
        assert_eq!(
            differing,
            0,
            "{name}: {differing} of {} numbers differ",
            a.len()
        );
        assert!(
            a.iter().skip(1).any(|&g| g != 0.0),
            "{name}: no gradient at all"
        );
    }
}

#[test]
fn steps_walked_as_two_halves_of_the_batch_give_the_same_numbers_bit_for_bit() {
    // Every step split (even these small ones) against none split.
    let x = Array2::from_shape_fn((32, 35), |(i, t)| (i * 3 + t * 7) % 50);
    let y = Array2::from_shape_fn((32, 35), |(i, t)| (i + t * 5) % 50);
    let whole = every_model(&x, &y, MinSplitWork(usize::MAX));
    let halves = every_model(&x, &y, MinSplitWork(0));
    assert_same_bits(&whole, &halves);
}

#[test]
fn the_rnn_gives_the_same_numbers_in_one_chunk_and_in_many() {
    // Batch 32 gives chunks of 5 steps: 10 steps are two chunks, walked in
    // the pipeline. Batch 160 (one step per chunk) at 1 step is one chunk,
    // the path without overlap. The same sequences must give the same
    // numbers either way: each product is the same whatever the chunking.
    let x = Array2::from_shape_fn((32, 10), |(i, t)| (i * 7 + t * 3) % 50);
    let mut chunked = RnnFast::new(get_params(50, 64, 3));
    let mut state = chunked.begin_state(32);
    let logits = chunked.forward(x.view(), &mut state).to_owned();
    let mut stepped = RnnFast::new(get_params(50, 64, 3));
    let mut state_1 = stepped.begin_state(32);
    let mut rows = Vec::new();
    for t in 0..10 {
        let one = x.slice(ndarray::s![.., t..t + 1]).to_owned();
        rows.extend(stepped.forward(one.view(), &mut state_1).iter().copied());
    }
    let same = logits
        .iter()
        .zip(&rows)
        .filter(|(a, b)| a.to_bits() == b.to_bits())
        .count();
    assert_eq!(
        same,
        logits.len(),
        "logits: the pipeline and single steps differ"
    );
    assert_eq!(state, state_1);
}

#[test]
#[should_panic(
    expected = "FastModel: invalid input = index 7: one-hot indices must be below input_size = 7"
)]
fn a_character_outside_the_vocabulary_is_named() {
    let mut model = GruFast::new(get_gru_params(7, 4, 0));
    let mut state = model.begin_state(1);
    let x = Array2::from_shape_vec((1, 2), vec![3, 7]).expect("(1, 2)");
    model.forward(x.view(), &mut state);
}
