//! The small, fixed inputs every check uses: 5 characters, 4 hidden units, 2 sequences,
//! weights large enough that tanh and σ are far from linear.

use d2l_rnn::scratch::{one_hot, GatedParams};
use ndarray::{Array, Array2, Dimension};

/// Characters in the vocabulary.
pub const VOCAB: usize = 5;
/// Hidden units.
pub const HIDDEN: usize = 4;

/// Parameters of any from-scratch model, drawn with standard deviation 0.5.
pub fn params<P: GatedParams<f64>>(seed: u64) -> P {
    P::normal(VOCAB, HIDDEN, 0.5, seed)
}

/// The one-hot inputs of characters `chars` (one per sequence).
pub fn input(chars: &[usize]) -> Array2<f64> {
    one_hot(ndarray::ArrayView1::from(chars), VOCAB)
}

/// A `(rows, cols)` matrix of fixed values in about −0.9 … 0.9 (no two alike).
pub fn matrix(rows: usize, cols: usize, salt: f64) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        (salt + 1.7 * i as f64 + 0.9 * j as f64).sin() * 0.9
    })
}

/// Central differences of `loss` with respect to every entry of `x`.
pub fn numeric_grad<D: Dimension>(
    x: &Array<f64, D>,
    mut loss: impl FnMut(&Array<f64, D>) -> f64,
) -> Array<f64, D> {
    let eps = 1e-6;
    let mut grad = Array::zeros(x.raw_dim());
    let mut probe = x.clone();
    for (i, g) in grad.iter_mut().enumerate() {
        let original = x.iter().nth(i).copied().unwrap_or(0.0);
        let set = |p: &mut Array<f64, D>, v: f64| {
            if let Some(e) = p.iter_mut().nth(i) {
                *e = v;
            }
        };
        set(&mut probe, original + eps);
        let up = loss(&probe);
        set(&mut probe, original - eps);
        let down = loss(&probe);
        set(&mut probe, original);
        *g = (up - down) / (2.0 * eps);
    }
    grad
}

/// Central differences of `loss` with respect to every tensor of `params`, by name.
pub fn numeric_param_grads<P: GatedParams<f64> + Clone>(
    params: &P,
    loss: impl Fn(&P) -> f64,
) -> Vec<(&'static str, ndarray::ArrayD<f64>)> {
    let names: Vec<&'static str> = d2l_rnn::scratch::gated_tensors(params)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let mut out = Vec::new();
    for (k, name) in names.into_iter().enumerate() {
        let tensor = d2l_rnn::scratch::gated_tensors(params)[k].1.to_owned();
        let grad = numeric_grad(&tensor, |value| {
            let mut p = params.clone();
            d2l_rnn::scratch::gated_tensors_mut(&mut p)[k]
                .1
                .assign(value);
            loss(&p)
        });
        out.push((name, grad));
    }
    out
}
