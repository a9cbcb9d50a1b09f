//! Gradient checks: the hand-written backpropagation through time against
//! central finite differences, in f64, over several time steps.

use d2l_rnn::loss::softmax_cross_entropy;
use d2l_rnn::model::{Parameters, RecurrentModel};
use d2l_rnn::scratch::{rnn, to_onehot, RnnParams, RnnScratch};
use ndarray::{Array2, ArrayD};
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::{Rng, SeedableRng};

const VOCAB: usize = 7;
const HIDDEN: usize = 5;
const STEPS: usize = 4;
const BATCH: usize = 3;
const EPS: f64 = 1e-5;
// The bound; the measured worst error is printed (about 1e-7).
const TOL: f64 = 1e-4;

fn random_batch(rng: &mut StdRng) -> (Array2<usize>, Array2<usize>) {
    random_batch_of(rng, BATCH, STEPS)
}

fn random_batch_of(rng: &mut StdRng, batch: usize, steps: usize) -> (Array2<usize>, Array2<usize>) {
    let x = Array2::from_shape_simple_fn((batch, steps), || rng.random_range(0..VOCAB));
    let y = Array2::from_shape_simple_fn((batch, steps), || rng.random_range(0..VOCAB));
    (x, y)
}

fn loss(
    model: &mut RnnScratch<f64>,
    x: &Array2<usize>,
    y: &Array2<usize>,
    h0: &Array2<f64>,
) -> f64 {
    let mut state = h0.clone();
    let logits = model.forward(x.view(), &mut state).to_owned();
    let mut d = Array2::zeros(logits.dim());
    softmax_cross_entropy(logits.view(), y.view(), d.view_mut())
}

fn relative_error(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(1e-8)
}

/// Checks every parameter and the initial state; returns the worst relative error.
fn check(h0: Array2<f64>, seed: u64) -> f64 {
    check_shape(h0, seed, STEPS)
}

/// [`check`] for a batch of `h0.nrows()` sequences of `steps` steps.
fn check_shape(h0: Array2<f64>, seed: u64, steps: usize) -> f64 {
    let batch = h0.nrows();
    let mut rng = StdRng::seed_from_u64(seed);
    // Larger weights than the section's 0.01 so that every term matters.
    let mut model = RnnScratch::new(RnnParams::<f64>::normal(VOCAB, HIDDEN, 0.5, seed));
    model
        .params
        .b_h
        .mapv_inplace(|_| rng.random_range(-0.5..0.5));
    model
        .params
        .b_q
        .mapv_inplace(|_| rng.random_range(-0.5..0.5));
    let (x, y) = random_batch_of(&mut rng, batch, steps);

    let mut state = h0.clone();
    let logits = model.forward(x.view(), &mut state).to_owned();
    let mut d = Array2::zeros(logits.dim());
    softmax_cross_entropy(logits.view(), y.view(), d.view_mut());
    model.backward(d.view());
    let analytic: Vec<ArrayD<f64>> = model
        .grads
        .tensors()
        .into_iter()
        .map(|(_, t)| t.to_owned())
        .collect();
    let state_grad = model.state_grad().to_owned();

    let mut worst = 0.0f64;
    let names: Vec<&str> = model.params.tensors().into_iter().map(|(n, _)| n).collect();
    for (k, name) in names.iter().enumerate() {
        let len = analytic[k].len();
        for j in 0..len {
            let nudge = |model: &mut RnnScratch<f64>, delta: f64| {
                let mut tensors = model.params.tensors_mut();
                let v = tensors[k].1.iter_mut().nth(j).expect("index within tensor");
                *v += delta;
            };
            nudge(&mut model, EPS);
            let plus = loss(&mut model, &x, &y, &h0);
            nudge(&mut model, -2.0 * EPS);
            let minus = loss(&mut model, &x, &y, &h0);
            nudge(&mut model, EPS);
            let numeric = (plus - minus) / (2.0 * EPS);
            let a = *analytic[k].iter().nth(j).expect("index within tensor");
            let err = relative_error(a, numeric);
            assert!(
                err < TOL,
                "{name}[{j}]: analytic {a} vs numeric {numeric} (rel {err})"
            );
            worst = worst.max(err);
        }
    }
    for i in 0..batch {
        for j in 0..HIDDEN {
            let mut h = h0.clone();
            h[[i, j]] += EPS;
            let plus = loss(&mut model, &x, &y, &h);
            h[[i, j]] -= 2.0 * EPS;
            let minus = loss(&mut model, &x, &y, &h);
            let numeric = (plus - minus) / (2.0 * EPS);
            let err = relative_error(state_grad[[i, j]], numeric);
            assert!(
                err < TOL,
                "H_0[{i},{j}]: analytic {} vs numeric {numeric}",
                state_grad[[i, j]]
            );
            worst = worst.max(err);
        }
    }
    worst
}

#[test]
fn bptt_matches_finite_differences_from_a_zero_state() {
    // Random sampling: every mini-batch starts from zeros.
    let worst = check(Array2::zeros((BATCH, HIDDEN)), 1);
    eprintln!("worst relative error (zero state): {worst:e}");
}

#[test]
fn bptt_matches_finite_differences_across_pipeline_chunks() {
    // 40 sequences: the forward and backward passes cut 10 steps into
    // chunks of 4, 4 and 2 steps, shared between two threads.
    assert_eq!(d2l_rnn::pipeline::chunk_steps(40), 4);
    let mut rng = StdRng::seed_from_u64(9);
    let h0 = Array2::from_shape_simple_fn((40, HIDDEN), || rng.random_range(-0.5..0.5));
    let worst = check_shape(h0, 3, 10);
    eprintln!("worst relative error (3 chunks): {worst:e}");
}

#[test]
fn bptt_matches_finite_differences_from_a_carried_state() {
    // Consecutive sampling: the state comes from the previous mini-batch and
    // is held fixed (detached) while this one is differentiated.
    let mut rng = StdRng::seed_from_u64(7);
    let mut model = RnnScratch::new(RnnParams::<f64>::normal(VOCAB, HIDDEN, 0.5, 2));
    let (x, _) = random_batch(&mut rng);
    let mut carried = model.begin_state(BATCH);
    model.forward(x.view(), &mut carried);
    assert!(carried.iter().any(|&v| v != 0.0));
    let worst = check(carried, 2);
    eprintln!("worst relative error (carried state): {worst:e}");
}

#[test]
fn gradient_check_notices_a_wrong_gradient() {
    // The check itself must be able to fail: perturb one analytic entry.
    let mut rng = StdRng::seed_from_u64(3);
    let mut model = RnnScratch::new(RnnParams::<f64>::normal(VOCAB, HIDDEN, 0.5, 3));
    let (x, y) = random_batch(&mut rng);
    let h0 = Array2::zeros((BATCH, HIDDEN));
    let mut state = h0.clone();
    let logits = model.forward(x.view(), &mut state).to_owned();
    let mut d = Array2::zeros(logits.dim());
    softmax_cross_entropy(logits.view(), y.view(), d.view_mut());
    model.backward(d.view());
    let a = model.grads.w_hh[[0, 0]] * 1.01;
    model.params.w_hh[[0, 0]] += EPS;
    let plus = loss(&mut model, &x, &y, &h0);
    model.params.w_hh[[0, 0]] -= 2.0 * EPS;
    let minus = loss(&mut model, &x, &y, &h0);
    assert!(relative_error(a, (plus - minus) / (2.0 * EPS)) > TOL);
}

#[test]
fn gathered_forward_equals_the_one_hot_rnn() {
    // The fast model gathers rows of W_xh; the section's rnn multiplies by one-hot matrices.
    let mut rng = StdRng::seed_from_u64(4);
    let params = RnnParams::<f64>::normal(VOCAB, HIDDEN, 0.5, 4);
    let (x, _) = random_batch(&mut rng);
    let h0 = Array2::from_shape_simple_fn((BATCH, HIDDEN), || rng.random_range(-1.0..1.0));
    let (outputs, h_slow) = rnn(&to_onehot(x.view(), VOCAB), &h0, &params);
    let mut model = RnnScratch::new(params);
    let mut h_fast = h0.clone();
    let logits = model.forward(x.view(), &mut h_fast).to_owned();
    for (t, o) in outputs.iter().enumerate() {
        let rows = logits.slice(ndarray::s![t * BATCH..(t + 1) * BATCH, ..]);
        for (a, b) in rows.iter().zip(o.iter()) {
            assert!((a - b).abs() < 1e-12, "step {t}: {a} vs {b}");
        }
    }
    for (a, b) in h_fast.iter().zip(h_slow.iter()) {
        assert!((a - b).abs() < 1e-12);
    }
}

#[test]
fn one_hot_times_w_xh_is_a_row_gather() {
    let params = RnnParams::<f32>::normal(VOCAB, HIDDEN, 0.1, 5);
    let x = ndarray::array![3usize, 0, 6];
    let product = d2l_rnn::scratch::one_hot::<f32>(x.view(), VOCAB).dot(&params.w_xh);
    for (i, &c) in x.iter().enumerate() {
        assert_eq!(product.row(i), params.w_xh.row(c));
    }
}
