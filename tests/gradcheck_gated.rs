//! Gradient checks for the gated models (GRU, LSTM): the hand-written
//! backpropagation through time against central finite differences, in f64,
//! over several time steps, for every parameter and every initial state.

use d2l_rnn::loss::softmax_cross_entropy;
use d2l_rnn::model::{Parameters, RecurrentModel};
use d2l_rnn::scratch::{
    gru, lstm, to_onehot, GruParams, GruScratch, LstmParams, LstmScratch, LstmState,
};
use ndarray::{s, Array2, ArrayD};
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::{Rng, SeedableRng};

const VOCAB: usize = 7;
const HIDDEN: usize = 5;
const STEPS: usize = 4;
const BATCH: usize = 3;
const EPS: f64 = 1e-5;
// The bound asked for; the measured worst error is printed (around 1e-8).
const TOL: f64 = 1e-4;

/// What the check needs beyond [`RecurrentModel`]: the state as a list of
/// matrices (H, or H and C), and the gradient with respect to it.
trait Checked: RecurrentModel<Elem = f64> + Sized {
    fn build(seed: u64) -> Self;
    fn parts(state: &Self::State) -> Vec<Array2<f64>>;
    fn from_parts(parts: &[Array2<f64>]) -> Self::State;
    fn state_grads(&self) -> Vec<Array2<f64>>;
    fn grads(&mut self) -> Vec<ArrayD<f64>> {
        let (_, g) = self.params_and_grads();
        g.tensors().into_iter().map(|(_, t)| t.to_owned()).collect()
    }
}

/// Random biases so that no gate sits exactly at its symmetric point.
fn random_biases<P: Parameters<f64>>(params: &mut P, rng: &mut StdRng) {
    for (name, mut t) in params.tensors_mut() {
        if name.starts_with('b') {
            t.mapv_inplace(|_| rng.random_range(-0.5..0.5));
        }
    }
}

impl Checked for GruScratch<f64> {
    fn build(seed: u64) -> Self {
        // Larger weights than the section's 0.01 so that every term matters.
        let mut params = GruParams::<f64>::normal(VOCAB, HIDDEN, 0.5, seed);
        random_biases(&mut params, &mut StdRng::seed_from_u64(seed + 100));
        GruScratch::new(params)
    }
    fn parts(state: &Array2<f64>) -> Vec<Array2<f64>> {
        vec![state.clone()]
    }
    fn from_parts(parts: &[Array2<f64>]) -> Array2<f64> {
        parts[0].clone()
    }
    fn state_grads(&self) -> Vec<Array2<f64>> {
        vec![self.state_grad().to_owned()]
    }
}

impl Checked for LstmScratch<f64> {
    fn build(seed: u64) -> Self {
        let mut params = LstmParams::<f64>::normal(VOCAB, HIDDEN, 0.5, seed);
        random_biases(&mut params, &mut StdRng::seed_from_u64(seed + 100));
        LstmScratch::new(params)
    }
    fn parts(state: &LstmState<f64>) -> Vec<Array2<f64>> {
        vec![state.0.clone(), state.1.clone()]
    }
    fn from_parts(parts: &[Array2<f64>]) -> LstmState<f64> {
        (parts[0].clone(), parts[1].clone())
    }
    fn state_grads(&self) -> Vec<Array2<f64>> {
        let (h, c) = self.state_grad();
        vec![h.to_owned(), c.to_owned()]
    }
}

fn random_batch(rng: &mut StdRng) -> (Array2<usize>, Array2<usize>) {
    let x = Array2::from_shape_simple_fn((BATCH, STEPS), || rng.random_range(0..VOCAB));
    let y = Array2::from_shape_simple_fn((BATCH, STEPS), || rng.random_range(0..VOCAB));
    (x, y)
}

fn loss<M: Checked>(model: &mut M, x: &Array2<usize>, y: &Array2<usize>, s0: &M::State) -> f64 {
    let mut state = s0.clone();
    let logits = model.forward(x.view(), &mut state).to_owned();
    let mut d = Array2::zeros(logits.dim());
    softmax_cross_entropy(logits.view(), y.view(), d.view_mut())
}

fn relative_error(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(1e-8)
}

/// The analytic gradients of one forward/backward pass: parameters, then the state parts.
struct Analytic {
    params: Vec<ArrayD<f64>>,
    state: Vec<Array2<f64>>,
}

fn analytic<M: Checked>(
    model: &mut M,
    x: &Array2<usize>,
    y: &Array2<usize>,
    s0: &M::State,
) -> Analytic {
    let mut state = s0.clone();
    let logits = model.forward(x.view(), &mut state).to_owned();
    let mut d = Array2::zeros(logits.dim());
    softmax_cross_entropy(logits.view(), y.view(), d.view_mut());
    model.backward(d.view());
    Analytic {
        params: model.grads(),
        state: model.state_grads(),
    }
}

/// Compares `expected` with central differences for every parameter and every
/// state entry. Returns the worst relative error and the entries above [`TOL`].
fn compare<M: Checked>(
    model: &mut M,
    x: &Array2<usize>,
    y: &Array2<usize>,
    s0: &M::State,
    expected: &Analytic,
) -> (f64, Vec<String>) {
    let mut worst = 0.0f64;
    let mut failures = Vec::new();
    let mut record = |what: String, a: f64, numeric: f64| {
        let err = relative_error(a, numeric);
        worst = worst.max(err);
        if err > TOL {
            failures.push(format!(
                "{what}: analytic {a} vs numeric {numeric} (rel {err:e})"
            ));
        }
    };
    let names: Vec<&str> = model
        .params()
        .tensors()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    for (k, name) in names.iter().enumerate() {
        for j in 0..expected.params[k].len() {
            let nudge = |model: &mut M, delta: f64| {
                let (params, _) = model.params_and_grads();
                let mut tensors = params.tensors_mut();
                *tensors[k].1.iter_mut().nth(j).expect("index within tensor") += delta;
            };
            nudge(model, EPS);
            let plus = loss(model, x, y, s0);
            nudge(model, -2.0 * EPS);
            let minus = loss(model, x, y, s0);
            nudge(model, EPS);
            let a = *expected.params[k]
                .iter()
                .nth(j)
                .expect("index within tensor");
            record(format!("{name}[{j}]"), a, (plus - minus) / (2.0 * EPS));
        }
    }
    let parts = M::parts(s0);
    let part_names = ["H_0", "C_0"];
    for (p, part) in parts.iter().enumerate() {
        for ((i, j), _) in part.indexed_iter() {
            let mut nudged = parts.clone();
            nudged[p][[i, j]] += EPS;
            let plus = loss(model, x, y, &M::from_parts(&nudged));
            nudged[p][[i, j]] -= 2.0 * EPS;
            let minus = loss(model, x, y, &M::from_parts(&nudged));
            let a = expected.state[p][[i, j]];
            record(
                format!("{}[{i},{j}]", part_names[p]),
                a,
                (plus - minus) / (2.0 * EPS),
            );
        }
    }
    (worst, failures)
}

/// Checks every parameter and the initial state(s) from `s0`; returns the worst relative error.
fn check<M: Checked>(seed: u64, s0: &M::State) -> f64 {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut model = M::build(seed);
    let (x, y) = random_batch(&mut rng);
    let expected = analytic(&mut model, &x, &y, s0);
    let (worst, failures) = compare(&mut model, &x, &y, s0, &expected);
    assert!(
        failures.is_empty(),
        "{} entries off:\n{}",
        failures.len(),
        failures.join("\n")
    );
    worst
}

/// A state carried over from a previous mini-batch, as consecutive sampling does
/// (held fixed, detached, while this mini-batch is differentiated).
fn carried_state<M: Checked>(seed: u64) -> M::State {
    let mut rng = StdRng::seed_from_u64(seed + 7);
    let mut model = M::build(seed + 1);
    let (x, _) = random_batch(&mut rng);
    let mut state = model.begin_state(BATCH);
    model.forward(x.view(), &mut state);
    for part in M::parts(&state) {
        assert!(
            part.iter().all(|&v| v != 0.0),
            "carried state should be non-zero"
        );
    }
    state
}

#[test]
fn gru_bptt_matches_finite_differences_from_a_zero_state() {
    let s0 = GruScratch::<f64>::build(0).begin_state(BATCH);
    let worst = check::<GruScratch<f64>>(1, &s0);
    eprintln!("GRU, zero state: worst relative error {worst:e}");
}

#[test]
fn gru_bptt_matches_finite_differences_from_a_carried_state() {
    let s0 = carried_state::<GruScratch<f64>>(2);
    let worst = check::<GruScratch<f64>>(2, &s0);
    eprintln!("GRU, carried state: worst relative error {worst:e}");
}

#[test]
fn lstm_bptt_matches_finite_differences_from_a_zero_state() {
    let s0 = LstmScratch::<f64>::build(0).begin_state(BATCH);
    let worst = check::<LstmScratch<f64>>(3, &s0);
    eprintln!("LSTM, zero state: worst relative error {worst:e}");
}

#[test]
fn lstm_bptt_matches_finite_differences_from_a_carried_state() {
    let s0 = carried_state::<LstmScratch<f64>>(4);
    let worst = check::<LstmScratch<f64>>(4, &s0);
    eprintln!("LSTM, carried state: worst relative error {worst:e}");
}

/// The check itself must be able to fail: spoil one analytic entry by 0.1 %
/// (ten times the tolerance) and expect exactly that entry to be reported.
fn spoiled_entry_is_caught<M: Checked>(seed: u64, spoil: impl Fn(&mut Analytic), what: &str) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut model = M::build(seed);
    let (x, y) = random_batch(&mut rng);
    let s0 = carried_state::<M>(seed);
    let mut expected = analytic(&mut model, &x, &y, &s0);
    spoil(&mut expected);
    let (_, failures) = compare(&mut model, &x, &y, &s0, &expected);
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].starts_with(what), "{failures:?}");
}

#[test]
fn gradient_check_notices_a_wrong_gradient() {
    // GRU: a hidden-to-gate weight (index 1 = W_hz), entry [0, 0].
    spoiled_entry_is_caught::<GruScratch<f64>>(5, |a| a.params[1][[0, 0]] *= 1.001, "W_hz[0]");
    // LSTM: the memory cell's initial-state gradient, which only a carried C_0 exercises.
    spoiled_entry_is_caught::<LstmScratch<f64>>(6, |a| a.state[1][[1, 2]] *= 1.001, "C_0[1,2]");
}

#[test]
fn gru_gathered_forward_equals_the_readable_gru() {
    let mut rng = StdRng::seed_from_u64(8);
    let model_params = GruScratch::<f64>::build(8).params;
    let (x, _) = random_batch(&mut rng);
    let h0 = Array2::from_shape_simple_fn((BATCH, HIDDEN), || rng.random_range(-1.0..1.0));
    let (outputs, h_slow) = gru(&to_onehot(x.view(), VOCAB), &h0, &model_params);
    let mut model = GruScratch::new(model_params);
    let mut h_fast = h0.clone();
    let logits = model.forward(x.view(), &mut h_fast).to_owned();
    for (t, o) in outputs.iter().enumerate() {
        let rows = logits.slice(s![t * BATCH..(t + 1) * BATCH, ..]);
        for (a, b) in rows.iter().zip(o.iter()) {
            assert!((a - b).abs() < 1e-12, "step {t}: {a} vs {b}");
        }
    }
    for (a, b) in h_fast.iter().zip(h_slow.iter()) {
        assert!((a - b).abs() < 1e-12, "H_T: {a} vs {b}");
    }
}

#[test]
fn lstm_gathered_forward_equals_the_readable_lstm() {
    let mut rng = StdRng::seed_from_u64(9);
    let model_params = LstmScratch::<f64>::build(9).params;
    let (x, _) = random_batch(&mut rng);
    let mut random_state =
        || Array2::from_shape_simple_fn((BATCH, HIDDEN), || rng.random_range(-1.0..1.0));
    let s0 = (random_state(), random_state());
    let (outputs, (h_slow, c_slow)) = lstm(&to_onehot(x.view(), VOCAB), &s0, &model_params);
    let mut model = LstmScratch::new(model_params);
    let mut fast = s0.clone();
    let logits = model.forward(x.view(), &mut fast).to_owned();
    for (t, o) in outputs.iter().enumerate() {
        let rows = logits.slice(s![t * BATCH..(t + 1) * BATCH, ..]);
        for (a, b) in rows.iter().zip(o.iter()) {
            assert!((a - b).abs() < 1e-12, "step {t}: {a} vs {b}");
        }
    }
    for (a, b) in fast
        .0
        .iter()
        .zip(h_slow.iter())
        .chain(fast.1.iter().zip(c_slow.iter()))
    {
        assert!((a - b).abs() < 1e-12, "(H_T, C_T): {a} vs {b}");
    }
}

#[test]
fn buffers_follow_the_batch_shape() {
    // Training (n, T) and prediction (1, 1) alternate; results must not depend
    // on the previous call's shape.
    let mut rng = StdRng::seed_from_u64(10);
    let (x, _) = random_batch(&mut rng);
    let mut model = LstmScratch::<f64>::build(10);
    let mut s = model.begin_state(BATCH);
    let first = model.forward(x.view(), &mut s).to_owned();
    let mut s1 = model.begin_state(1);
    model.forward(ndarray::array![[2usize]].view(), &mut s1);
    let mut s = model.begin_state(BATCH);
    assert_eq!(model.forward(x.view(), &mut s).to_owned(), first);
}
