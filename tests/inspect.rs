//! The views of `inspect` are what they claim: the gradient through time is the total
//! derivative of the loss with respect to each hidden state (central differences), the
//! same for the readable and fast models, and defined for every model kind.

use d2l_rnn::data::Vocab;
use d2l_rnn::fast::{GruFast, LstmFast, RnnFast};
use d2l_rnn::inspect::{gradient_through_time, LossAt};
use d2l_rnn::loss::softmax_cross_entropy;
use d2l_rnn::model::{RecurrentModel, RecurrentModelExt};
use d2l_rnn::nn::{Lstm, RNNModel, RnnConfig};
use d2l_rnn::scratch::{
    GatedParams, GruParams, GruScratch, LstmParams, LstmScratch, RnnParams, RnnScratch,
};
use ndarray::{s, Array2};

const TEXT: &str = "abcadbcaddbcab";

fn vocab() -> Vocab {
    Vocab::from_text("abcd")
}

/// The loss of `text` from step `t` on, started from `state` (the state after `t`
/// characters), as `gradient_through_time` defines it.
fn suffix_loss<M: RecurrentModel<Elem = f64>>(
    model: &mut M,
    t: usize,
    state: &M::State,
    at: LossAt,
) -> f64 {
    let idx = vocab().encode(TEXT).unwrap();
    let steps = idx.len() - 1;
    let x = Array2::from_shape_vec((1, steps - t), idx[t..steps].to_vec()).unwrap();
    let y = Array2::from_shape_vec((1, steps - t), idx[t + 1..].to_vec()).unwrap();
    let mut state = state.clone();
    let logits = model.forward(x.view(), &mut state).to_owned();
    let rows = logits.nrows();
    let mut d = Array2::zeros(logits.dim());
    match at {
        LossAt::Last => softmax_cross_entropy(
            logits.slice(s![rows - 1.., ..]),
            y.slice(s![.., rows - 1..]),
            d.slice_mut(s![rows - 1.., ..]),
        ),
        LossAt::Mean => {
            softmax_cross_entropy(logits.view(), y.view(), d.view_mut()) * rows as f64
                / steps as f64
        }
    }
}

/// The state after `t` characters.
fn state_after<M: RecurrentModelExt<Elem = f64>>(model: &mut M, t: usize) -> M::State {
    let idx = vocab().encode(TEXT).unwrap();
    let mut state = model.begin_state(1);
    if t > 0 {
        model.advance(
            Array2::from_shape_vec((1, t), idx[..t].to_vec())
                .unwrap()
                .view(),
            &mut state,
        );
    }
    state
}

/// Central differences of the suffix loss along each entry of `H` (the first tensor of the
/// state), giving the gradient's norm.
fn numeric_norm<M: RecurrentModelExt<Elem = f64>>(
    model: &mut M,
    t: usize,
    at: LossAt,
    h_of: fn(&mut M::State) -> &mut Array2<f64>,
) -> f64 {
    let base = state_after(model, t);
    let eps = 1e-5;
    let mut squares = 0.0;
    let width = h_of(&mut base.clone()).len();
    for k in 0..width {
        let (mut plus, mut minus) = (base.clone(), base.clone());
        h_of(&mut plus).as_slice_mut().unwrap()[k] += eps;
        h_of(&mut minus).as_slice_mut().unwrap()[k] -= eps;
        let d =
            (suffix_loss(model, t, &plus, at) - suffix_loss(model, t, &minus, at)) / (2.0 * eps);
        squares += d * d;
    }
    squares.sqrt()
}

fn check<M: RecurrentModelExt<Elem = f64>>(
    mut model: M,
    h_of: fn(&mut M::State) -> &mut Array2<f64>,
    label: &str,
) {
    for at in [LossAt::Last, LossAt::Mean] {
        let g = gradient_through_time(&mut model, &vocab(), TEXT, at).unwrap();
        assert_eq!(g.norms.len(), TEXT.chars().count() - 1);
        for t in [0, 4, 12] {
            let numeric = numeric_norm(&mut model, t, at, h_of);
            let err = (g.norms[t] - numeric).abs() / numeric.max(1e-12);
            assert!(
                err < 1e-6,
                "{label} {at:?} t={t}: {} vs {numeric}",
                g.norms[t]
            );
        }
    }
}

#[test]
fn the_gradient_through_time_is_the_derivative_with_respect_to_each_state() {
    check(
        RnnScratch::new(RnnParams::<f64>::normal(4, 6, 0.5, 1)),
        |h| h,
        "RNN",
    );
    check(
        GruScratch::new(GruParams::<f64>::normal(4, 6, 0.5, 2)),
        |h| h,
        "GRU",
    );
    check(
        LstmScratch::new(LstmParams::<f64>::normal(4, 6, 0.5, 3)),
        |s| &mut s.0,
        "LSTM (H, with C held)",
    );
}

#[test]
fn fast_and_readable_models_agree_and_concise_models_have_one_too() {
    let v = vocab();
    let pairs: [(Vec<f64>, Vec<f64>); 3] = [
        {
            let p = RnnParams::<f64>::normal(4, 6, 0.5, 1);
            let a = gradient_through_time(&mut RnnScratch::new(p.clone()), &v, TEXT, LossAt::Mean)
                .unwrap();
            let b = gradient_through_time(&mut RnnFast::new(p), &v, TEXT, LossAt::Mean).unwrap();
            (a.norms, b.norms)
        },
        {
            let p = GruParams::<f64>::normal(4, 6, 0.5, 2);
            let a = gradient_through_time(&mut GruScratch::new(p.clone()), &v, TEXT, LossAt::Last)
                .unwrap();
            let b = gradient_through_time(&mut GruFast::new(p), &v, TEXT, LossAt::Last).unwrap();
            (a.norms, b.norms)
        },
        {
            let p = LstmParams::<f64>::normal(4, 6, 0.5, 3);
            let a = gradient_through_time(&mut LstmScratch::new(p.clone()), &v, TEXT, LossAt::Last)
                .unwrap();
            let b = gradient_through_time(&mut LstmFast::new(p), &v, TEXT, LossAt::Last).unwrap();
            (a.norms, b.norms)
        },
    ];
    for (readable, fast) in pairs {
        for (a, b) in readable.iter().zip(&fast) {
            assert!((a - b).abs() <= 1e-10 * a.abs().max(1e-30), "{a} vs {b}");
        }
    }
    let layer = Lstm::<f32>::new(
        RnnConfig {
            num_layers: 2,
            ..RnnConfig::new(4, 8)
        },
        0,
    )
    .unwrap();
    let mut concise = RNNModel::new(layer, 4, 1).unwrap();
    let g = gradient_through_time(&mut concise, &v, TEXT, LossAt::Last).unwrap();
    assert_eq!(g.norms.len(), 13);
    assert!(g.norms.iter().all(|n| n.is_finite() && *n > 0.0));
    assert!(g.norms[12] > g.norms[0]); // the last state matters more than the first
}
