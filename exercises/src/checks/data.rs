//! Checks for the chapters on reading the data and the two samplings.

use crate::feedback::{compare, fail, run, Check};
use d2l_rnn::data::{data_iter_consecutive, data_iter_random};
use ndarray::{Array2, ArrayView1};
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::SeedableRng;

/// Mini-batches as a sampler returns them: `(X, Y)`, each `(batch_size, num_steps)`.
pub type Batches = Vec<(Array2<usize>, Array2<usize>)>;

/// Checks `one_hot(x, n_class)`: a `(len(x), n_class)` matrix whose row `i` is 1 at column
/// `x[i]` and 0 elsewhere.
///
/// ```
/// use exercises::check_one_hot;
/// let zeros = check_one_hot(|x, n| ndarray::Array2::zeros((x.len(), n))).unwrap_err();
/// assert!(zeros.to_string().starts_with("one_hot([0, 2, 4, 2], 5) entry [0, 0]: expected 1.000000, got 0.000000"));
/// ```
pub fn check_one_hot(one_hot: impl Fn(&[usize], usize) -> Array2<f64>) -> Check {
    let x = [0, 2, 4, 2];
    let got = run(|| one_hot(&x, 5))?;
    let expected: Array2<f64> = d2l_rnn::scratch::one_hot(ArrayView1::from(&x), 5);
    let mistakes = [(
        "one row per character: the result is (len(x), n_class), not (n_class, len(x))",
        expected.t().to_owned(),
    )];
    compare(
        "one_hot([0, 2, 4, 2], 5)",
        &got,
        &expected,
        &mistakes,
        "row i has a single 1, in column x[i]",
    )
}

/// Checks `to_onehot(X, n_class)`: for `X` of shape `(batch_size, num_steps)`, `num_steps`
/// matrices, the one for step `t` being `one_hot(X[:, t])`.
///
/// ```
/// use exercises::check_to_onehot;
/// let err = check_to_onehot(|_, _| Vec::new()).unwrap_err();
/// assert!(err.to_string().contains("returned 0 matrices for X of shape (2, 3), expected 3"));
/// ```
pub fn check_to_onehot(to_onehot: impl Fn(&Array2<usize>, usize) -> Vec<Array2<f64>>) -> Check {
    let x = ndarray::array![[0, 1, 2], [3, 4, 0]];
    let got = run(|| to_onehot(&x, 5))?;
    let expected: Vec<Array2<f64>> = d2l_rnn::scratch::to_onehot(x.view(), 5);
    if got.len() != expected.len() {
        let hint = if got.len() == x.nrows() {
            "one matrix per time step: column t of X (all sequences at step t) gives step t"
        } else {
            "X has num_steps = 3 columns; return one matrix for each"
        };
        return fail(format!(
            "to_onehot(X, 5) returned {} matrices for X of shape (2, 3), expected 3\n    hint: {hint}",
            got.len()
        ));
    }
    for (t, (g, e)) in got.iter().zip(&expected).enumerate() {
        compare(
            &format!("to_onehot(X, 5)[{t}]"),
            g,
            e,
            &[],
            "step t is one_hot(X[:, t]): shape (batch_size, n_class)",
        )?;
    }
    Ok(())
}

/// The corpus the sampler checks cut: 30 characters whose indices are their positions, so
/// that every entry of a batch says where it came from.
fn corpus() -> Vec<usize> {
    (0..30).collect()
}

/// Compares a sampler's mini-batches with the expected ones; when `got` has every `Y` equal
/// to its `X` (targets not shifted), the hint is `unshifted_hint`.
fn compare_batches(call: &str, got: &Batches, expected: &Batches, unshifted_hint: &str) -> Check {
    let unshifted: Batches = expected
        .iter()
        .map(|(x, _)| (x.clone(), x.clone()))
        .collect();
    let known = (*got == unshifted).then_some(unshifted_hint);
    if got.len() != expected.len() {
        return fail(format!(
            "{call} gave {} mini-batches, expected {}\n    hint: {}",
            got.len(),
            expected.len(),
            known.unwrap_or(
                "an epoch has (batch length − 1) / num_steps mini-batches, rounded down"
            )
        ));
    }
    let as_f64 = |a: &Array2<usize>| a.mapv(|v| v as f64);
    for (i, ((gx, gy), (ex, ey))) in got.iter().zip(expected).enumerate() {
        let hint = known
            .unwrap_or("the entries are corpus positions: compare them with the expected ones");
        compare(
            &format!("{call}: X of mini-batch {i}"),
            &as_f64(gx),
            &as_f64(ex),
            &[],
            hint,
        )?;
        compare(
            &format!("{call}: Y of mini-batch {i}"),
            &as_f64(gy),
            &as_f64(ey),
            &[],
            known.unwrap_or("Y is X shifted by one character: each target is the next character"),
        )?;
    }
    Ok(())
}

/// Checks `data_iter_random(corpus, batch_size, num_steps, rng)` against the crate's, with the
/// same seeded `rng`: the example starts `0, n, 2n, …` shuffled once with
/// `starts.shuffle(rng)`, mini-batch `i` taking shuffled examples `i·b … (i+1)·b`.
///
/// ```
/// use exercises::check_data_iter_random;
/// let err = check_data_iter_random(|_, _, _, _| Vec::new()).unwrap_err();
/// assert!(err.to_string().starts_with("data_iter_random(0..30, 2, 5, seed 7) gave 0 mini-batches, expected 2"));
/// ```
pub fn check_data_iter_random(
    data_iter_random_: impl Fn(&[usize], usize, usize, &mut StdRng) -> Batches,
) -> Check {
    let corpus = corpus();
    let got = run(|| data_iter_random_(&corpus, 2, 5, &mut StdRng::seed_from_u64(7)))?;
    let expected: Batches = data_iter_random(&corpus, 2, 5, &mut StdRng::seed_from_u64(7))
        .map_err(|e| crate::feedback::Feedback(e.to_string()))?
        .collect();
    compare_batches(
        "data_iter_random(0..30, 2, 5, seed 7)",
        &got,
        &expected,
        "Y is X shifted by one character: example j's targets start at j·num_steps + 1",
    )
}

/// Checks `data_iter_consecutive(corpus, batch_size, num_steps)` against the crate's: the
/// corpus cut into `batch_size` rows of equal length, mini-batch `i` taking columns
/// `i·n … (i+1)·n` of every row.
///
/// ```
/// use exercises::check_data_iter_consecutive;
/// let err = check_data_iter_consecutive(|_, _, _| Vec::new()).unwrap_err();
/// assert!(err.to_string().contains("gave 0 mini-batches, expected 2"));
/// ```
pub fn check_data_iter_consecutive(
    data_iter_consecutive_: impl Fn(&[usize], usize, usize) -> Batches,
) -> Check {
    let corpus = corpus();
    let got = run(|| data_iter_consecutive_(&corpus, 2, 5))?;
    let expected: Batches = data_iter_consecutive(&corpus, 2, 5)
        .map_err(|e| crate::feedback::Feedback(e.to_string()))?
        .collect();
    compare_batches(
        "data_iter_consecutive(0..30, 2, 5)",
        &got,
        &expected,
        "Y is X shifted by one character",
    )
}
