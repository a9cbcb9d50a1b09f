//! Gradient checks for the concise layers and models: the hand-written
//! backward passes against central finite differences, in f64, over
//! several time steps, for every parameter, the input and the initial state.

mod common;

use common::gradcheck::{Report, EPS};
use d2l_rnn::model::Parameters;
use d2l_rnn::nn::{
    Cell, GruCell, LayerState, LstmCell, Nonlinearity, RNNModel, Recurrent, RnnCell, RnnConfig,
};
use ndarray::{Array2, Array3, ArrayD};
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::{Rng, SeedableRng};

const STEPS: usize = 4;
const BATCH: usize = 3;
const INPUT: usize = 4;
const HIDDEN: usize = 3;

fn random3(rng: &mut StdRng, shape: (usize, usize, usize), scale: f64) -> Array3<f64> {
    Array3::from_shape_simple_fn(shape, || rng.random_range(-scale..scale))
}

fn random_state<C: Cell<f64>>(rng: &mut StdRng, cfg: &RnnConfig, scale: f64) -> C::State {
    let mut st = C::State::zeros(cfg.state_shape(BATCH));
    for p in 0..<C::State as LayerState<f64>>::NAMES.len() {
        st.part_mut(p)
            .mapv_inplace(|_| rng.random_range(-scale..scale));
    }
    st
}

fn dot_state<C: Cell<f64>>(a: &C::State, b: &C::State) -> f64 {
    (0..<C::State as LayerState<f64>>::NAMES.len())
        .map(|p| (&a.part(p) * &b.part(p)).sum())
        .sum()
}

/// The scalar checked: \\(L = \sum y \odot R_y + \sum_p h^{(p)}_n \odot R_p\\).
fn layer_loss<C: Cell<f64>>(
    layer: &mut Recurrent<C, f64>,
    x: &Array3<f64>,
    h0: &C::State,
    r_out: &Array3<f64>,
    r_state: &C::State,
) -> f64 {
    let (y, h_n) = layer.forward(x.view(), Some(h0)).expect("forward");
    (&y * r_out).sum() + dot_state::<C>(&h_n, r_state)
}

fn check_layer<C: Cell<f64>>(cfg: RnnConfig, seed: u64, label: &str) -> f64 {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut layer = Recurrent::<C, f64>::init(cfg, seed).expect("valid config");
    let d = cfg.num_directions();
    let (in_shape, out_shape) = if cfg.batch_first {
        ((BATCH, STEPS, INPUT), (BATCH, STEPS, d * HIDDEN))
    } else {
        ((STEPS, BATCH, INPUT), (STEPS, BATCH, d * HIDDEN))
    };
    let x = random3(&mut rng, in_shape, 1.0);
    let h0 = random_state::<C>(&mut rng, &cfg, 0.5);
    let r_out = random3(&mut rng, out_shape, 1.0);
    let r_state = random_state::<C>(&mut rng, &cfg, 1.0);

    layer_failures(&mut layer, &x, &h0, &r_out, &r_state, |_| {}).assert_ok(label)
}

/// The layer check proper: the analytic gradients (after `spoil`, which the
/// test of the check itself uses) against central differences for every
/// parameter, input and initial-state entry.
fn layer_failures<C: Cell<f64>>(
    layer: &mut Recurrent<C, f64>,
    x: &Array3<f64>,
    h0: &C::State,
    r_out: &Array3<f64>,
    r_state: &C::State,
    spoil: impl FnOnce(&mut d2l_rnn::nn::RecurrentParams<f64>),
) -> Report {
    layer_loss(layer, x, h0, r_out, r_state);
    let (d_x, d_h0) = layer
        .backward(r_out.view(), Some(r_state))
        .expect("backward");
    let d_x = d_x.expect("dense input has a gradient");
    spoil(&mut layer.grads);
    let analytic: Vec<(&str, ArrayD<f64>)> = layer
        .grads
        .tensors()
        .into_iter()
        .map(|(n, t)| (n, t.to_owned()))
        .collect();

    let mut worst = Report::default();
    for (k, (name, grad)) in analytic.iter().enumerate() {
        for (j, &a) in grad.iter().enumerate() {
            let nudge = |layer: &mut Recurrent<C, f64>, delta: f64| {
                let mut tensors = layer.params.tensors_mut();
                *tensors[k].1.iter_mut().nth(j).expect("in range") += delta;
            };
            nudge(layer, EPS);
            let plus = layer_loss(layer, x, h0, r_out, r_state);
            nudge(layer, -2.0 * EPS);
            let minus = layer_loss(layer, x, h0, r_out, r_state);
            nudge(layer, EPS);
            worst.see(format!("{name}[{j}]"), a, (plus - minus) / (2.0 * EPS));
        }
    }
    for (idx, &a) in d_x.indexed_iter() {
        let mut xp = x.clone();
        xp[idx] += EPS;
        let plus = layer_loss(layer, &xp, h0, r_out, r_state);
        xp[idx] -= 2.0 * EPS;
        let minus = layer_loss(layer, &xp, h0, r_out, r_state);
        worst.see(format!("input{idx:?}"), a, (plus - minus) / (2.0 * EPS));
    }
    for (p, part) in <C::State as LayerState<f64>>::NAMES.iter().enumerate() {
        for (idx, &a) in d_h0.part(p).indexed_iter() {
            let mut hp = h0.clone();
            hp.part_mut(p)[idx] += EPS;
            let plus = layer_loss(layer, x, &hp, r_out, r_state);
            hp.part_mut(p)[idx] -= 2.0 * EPS;
            let minus = layer_loss(layer, x, &hp, r_out, r_state);
            worst.see(format!("{part}_0{idx:?}"), a, (plus - minus) / (2.0 * EPS));
        }
    }
    worst
}

fn cfg() -> RnnConfig {
    RnnConfig::new(INPUT, HIDDEN)
}

#[test]
fn rnn_tanh() {
    check_layer::<RnnCell>(cfg(), 1, "RNN tanh");
}

#[test]
fn rnn_relu() {
    let c = RnnConfig {
        nonlinearity: Nonlinearity::Relu,
        ..cfg()
    };
    check_layer::<RnnCell>(c, 2, "RNN relu");
}

#[test]
fn rnn_two_layers() {
    let c = RnnConfig {
        num_layers: 2,
        ..cfg()
    };
    check_layer::<RnnCell>(c, 3, "RNN 2 layers");
}

#[test]
fn rnn_bidirectional() {
    let c = RnnConfig {
        bidirectional: true,
        ..cfg()
    };
    check_layer::<RnnCell>(c, 4, "RNN bidirectional");
}

#[test]
fn rnn_two_layers_bidirectional_relu() {
    let c = RnnConfig {
        num_layers: 2,
        bidirectional: true,
        nonlinearity: Nonlinearity::Relu,
        ..cfg()
    };
    check_layer::<RnnCell>(c, 5, "RNN 2 layers bidirectional relu");
}

#[test]
fn rnn_batch_first() {
    let c = RnnConfig {
        batch_first: true,
        ..cfg()
    };
    check_layer::<RnnCell>(c, 6, "RNN batch_first");
}

#[test]
fn rnn_without_bias() {
    let c = RnnConfig {
        bias: false,
        ..cfg()
    };
    check_layer::<RnnCell>(c, 7, "RNN bias=False");
}

#[test]
fn gru() {
    check_layer::<GruCell>(cfg(), 8, "GRU");
}

#[test]
fn gru_two_layers_bidirectional_batch_first() {
    let c = RnnConfig {
        num_layers: 2,
        bidirectional: true,
        batch_first: true,
        ..cfg()
    };
    check_layer::<GruCell>(c, 9, "GRU 2 layers bidirectional batch_first");
}

#[test]
fn gru_without_bias() {
    let c = RnnConfig {
        bias: false,
        ..cfg()
    };
    check_layer::<GruCell>(c, 10, "GRU bias=False");
}

#[test]
fn lstm() {
    check_layer::<LstmCell>(cfg(), 11, "LSTM");
}

#[test]
fn lstm_two_layers_bidirectional() {
    let c = RnnConfig {
        num_layers: 2,
        bidirectional: true,
        ..cfg()
    };
    check_layer::<LstmCell>(c, 12, "LSTM 2 layers bidirectional");
}

#[test]
fn lstm_batch_first_without_bias() {
    let c = RnnConfig {
        batch_first: true,
        bias: false,
        ..cfg()
    };
    check_layer::<LstmCell>(c, 13, "LSTM batch_first bias=False");
}

// ---------------------------------------------------------------------------
// RNNModel end to end: one-hot input (gathered), layer, dense, cross-entropy.

const VOCAB: usize = 7;
const MODEL_HIDDEN: usize = 5;

/// An `RNNModel` with random weights, a mini-batch and a random initial state.
fn model_case<C: Cell<f64>>(
    cfg: RnnConfig,
    seed: u64,
) -> (RNNModel<C, f64>, Array2<usize>, Array2<usize>, C::State) {
    model_case_sized(cfg, seed, BATCH, STEPS)
}

/// [`model_case`] with `batch` sequences of `steps` steps.
fn model_case_sized<C: Cell<f64>>(
    cfg: RnnConfig,
    seed: u64,
    batch: usize,
    steps: usize,
) -> (RNNModel<C, f64>, Array2<usize>, Array2<usize>, C::State) {
    let mut rng = StdRng::seed_from_u64(seed);
    let layer = Recurrent::<C, f64>::init(cfg, seed).expect("valid config");
    let model = RNNModel::new(layer, VOCAB, seed + 100).expect("vocab matches");
    let (x, y) = common::random_batch(&mut rng, VOCAB, batch, steps);
    let mut h0 = C::State::zeros(cfg.state_shape(batch));
    for p in 0..<C::State as LayerState<f64>>::NAMES.len() {
        h0.part_mut(p).mapv_inplace(|_| rng.random_range(-0.5..0.5));
    }
    (model, x, y, h0)
}

/// The whole model (one-hot input, layer, dense layer) through the shared
/// gradient check of `tests/common/gradcheck.rs`.
fn check_model<C: Cell<f64>>(cfg: RnnConfig, seed: u64, label: &str) -> f64 {
    let (mut model, x, y, h0) = model_case::<C>(cfg, seed);
    common::gradcheck::check(&mut model, &x, &y, &h0).assert_ok(label)
}

#[test]
fn rnn_model_end_to_end() {
    check_model::<RnnCell>(RnnConfig::new(VOCAB, MODEL_HIDDEN), 21, "RNNModel(RNN)");
}

#[test]
fn rnn_model_two_layers_bidirectional_relu() {
    let c = RnnConfig {
        num_layers: 2,
        bidirectional: true,
        nonlinearity: Nonlinearity::Relu,
        ..RnnConfig::new(VOCAB, MODEL_HIDDEN)
    };
    check_model::<RnnCell>(c, 22, "RNNModel(RNN 2 layers bidir relu)");
}

#[test]
fn gru_model_end_to_end() {
    check_model::<GruCell>(RnnConfig::new(VOCAB, MODEL_HIDDEN), 23, "RNNModel(GRU)");
}

#[test]
fn lstm_model_end_to_end() {
    let c = RnnConfig {
        num_layers: 2,
        ..RnnConfig::new(VOCAB, MODEL_HIDDEN)
    };
    check_model::<LstmCell>(c, 24, "RNNModel(LSTM 2 layers)");
}

#[test]
fn models_cut_into_several_chunks_of_the_engine() {
    // Batch 40 gives the engine chunks of 4 steps: 10 steps are three chunks,
    // overlapped with the dense layer on two threads (the cases above fit in
    // one chunk). One direction walks back chunk by chunk; a bidirectional
    // top layer waits for the last chunk. 400 rows make the gradients about
    // 30 times smaller than above, so the relative error's floor is 1e-5.
    fn chunked<C: Cell<f64>>(cfg: RnnConfig, seed: u64, label: &str) {
        let (mut model, x, y, h0) = model_case_sized::<C>(cfg, seed, 40, 10);
        let (_, expected) = common::gradcheck::analytic(&mut model, &x, &y, &h0);
        common::gradcheck::compare_with_floor(&mut model, &x, &y, &h0, &expected, 1e-5)
            .assert_ok(label);
    }
    let stacked = RnnConfig {
        num_layers: 2,
        ..RnnConfig::new(VOCAB, MODEL_HIDDEN)
    };
    let both_ways = RnnConfig {
        bidirectional: true,
        ..stacked
    };
    chunked::<GruCell>(
        RnnConfig::new(VOCAB, MODEL_HIDDEN),
        25,
        "RNNModel(GRU), 3 chunks",
    );
    chunked::<LstmCell>(both_ways, 26, "RNNModel(LSTM 2 layers bidir), 3 chunks");
    chunked::<RnnCell>(stacked, 27, "RNNModel(RNN 2 layers), 3 chunks");
}

#[test]
fn the_check_notices_a_wrong_gradient() {
    // A check that cannot fail proves nothing: spoil one analytic entry (a
    // candidate-gate weight of the GRU, `weight_hh_l0` row 7) and require
    // the real checker to report that entry and no other.
    let (mut model, x, y, h0) = model_case::<GruCell>(RnnConfig::new(VOCAB, MODEL_HIDDEN), 30);
    let index = 7 * MODEL_HIDDEN + 1;
    common::gradcheck::assert_spoiled_entry_is_caught(
        &mut model,
        &x,
        &y,
        &h0,
        "rnn.weight_hh_l0",
        index,
    );
    assert_spoiled_entry_is_caught_in_layer();
}

/// The same for the layer-level check above: spoil `weight_hh` [7, 1] and
/// expect exactly that entry among the failures.
fn assert_spoiled_entry_is_caught_in_layer() {
    let mut rng = StdRng::seed_from_u64(31);
    let mut layer = Recurrent::<GruCell, f64>::init(cfg(), 31).expect("valid config");
    let x = random3(&mut rng, (STEPS, BATCH, INPUT), 1.0);
    let h0 = random_state::<GruCell>(&mut rng, &cfg(), 0.5);
    let r_out = random3(&mut rng, (STEPS, BATCH, HIDDEN), 1.0);
    let r_state = random_state::<GruCell>(&mut rng, &cfg(), 1.0);
    let failures = layer_failures(&mut layer, &x, &h0, &r_out, &r_state, |g| {
        g.cells[0].weight_hh[[7, 1]] *= 1.001
    });
    let failures = failures.failures;
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].starts_with("weight_hh_l0[22]"), "{failures:?}");
}
