//! The views of `inspect` are what they claim: the gradient through time is the total
//! derivative of the loss with respect to each hidden state (central differences, all six
//! model kinds, both losses), the same for the readable and fast models.

use d2l_rnn::data::Vocab;
use d2l_rnn::fast::{GruFast, LstmFast, RnnFast};
use d2l_rnn::inspect::{gradient_through_time, LossAt};
use d2l_rnn::model::{Parameters, RecurrentModelExt};
use d2l_rnn::nn::{Gru, Lstm, RNNModel, Rnn, RnnConfig};
use d2l_rnn::scratch::{
    GatedParams, GruParams, GruScratch, LstmParams, LstmScratch, RnnParams, RnnScratch,
};
use ndarray::{Array1, Array2, Ix1, Ix2};

const TEXT: &str = "abcadbcaddbcab";

fn vocab() -> Vocab {
    Vocab::from_text("abcd")
}

/// Cross-entropy of one row of logits.
fn ce(o: &Array1<f64>, target: usize) -> f64 {
    let max = o.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let lse = max + o.iter().map(|v| (v - max).exp()).sum::<f64>().ln();
    lse - o[target]
}

/// The loss as a function of the hidden state after `t` characters: its own prediction
/// (through the output layer) plus the steps after it, run from `state`.
fn loss_from<M: RecurrentModelExt<Elem = f64>>(
    model: &mut M,
    t: usize,
    state: &M::State,
    at: LossAt,
) -> f64 {
    let idx = vocab().encode(TEXT).unwrap();
    let steps = idx.len() - 1;
    let weight = |row: usize| match at {
        LossAt::Last => (row == steps - 1) as u8 as f64,
        LossAt::Mean => 1.0 / steps as f64,
    };
    // The output layer on H_t (the last row of the state's H).
    let tensors = model.params().tensors();
    let find = |name: &str| {
        tensors
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t.clone())
    };
    let h: Vec<f64> = {
        let st = state.tensors();
        let hh = st.iter().find(|(n, _)| *n == "H").unwrap().1.clone();
        let w = *hh.shape().last().unwrap();
        let v: Vec<f64> = hh.iter().copied().collect();
        v[v.len() - w..].to_vec()
    };
    let h = Array1::from(h);
    let o = match (find("W_hq"), find("b_q")) {
        (Some(w), Some(b)) => {
            h.dot(&w.into_dimensionality::<Ix2>().unwrap())
                + b.into_dimensionality::<Ix1>().unwrap()
        }
        _ => {
            let w = find("dense.weight")
                .unwrap()
                .into_dimensionality::<Ix2>()
                .unwrap();
            w.dot(&h)
                + find("dense.bias")
                    .unwrap()
                    .into_dimensionality::<Ix1>()
                    .unwrap()
        }
    };
    drop(tensors);
    let mut loss = weight(t - 1) * ce(&o, idx[t]);
    if t < steps {
        let x = Array2::from_shape_vec((1, steps - t), idx[t..steps].to_vec()).unwrap();
        let mut s = state.clone();
        let logits = model.forward(x.view(), &mut s).to_owned();
        for (r, row) in logits.outer_iter().enumerate() {
            loss += weight(t + r) * ce(&row.to_owned(), idx[t + r + 1]);
        }
    }
    loss
}

fn check<M: RecurrentModelExt<Elem = f64>>(mut model: M, label: &str) {
    let idx = vocab().encode(TEXT).unwrap();
    for at in [LossAt::Last, LossAt::Mean] {
        let g = gradient_through_time(&mut model, &vocab(), TEXT, at).unwrap();
        assert_eq!(g.norms.len(), idx.len() - 1);
        for t in [1, 5, 13] {
            let mut state = model.begin_state(1);
            model.advance(
                Array2::from_shape_vec((1, t), idx[..t].to_vec())
                    .unwrap()
                    .view(),
                &mut state,
            );
            let width = state
                .tensors()
                .iter()
                .find(|(n, _)| *n == "H")
                .unwrap()
                .1
                .shape()
                .last()
                .copied()
                .unwrap();
            let eps = 1e-5;
            let mut squares = 0.0;
            for k in 0..width {
                let nudged = |sign: f64| {
                    let mut s = state.clone();
                    let mut tensors = s.tensors_mut();
                    let h = &mut tensors.iter_mut().find(|(n, _)| *n == "H").unwrap().1;
                    let len = h.len();
                    *h.iter_mut().nth(len - width + k).unwrap() += sign * eps;
                    drop(tensors);
                    s
                };
                let (plus, minus) = (nudged(1.0), nudged(-1.0));
                let d = (loss_from(&mut model, t, &plus, at)
                    - loss_from(&mut model, t, &minus, at))
                    / (2.0 * eps);
                squares += d * d;
            }
            let numeric = squares.sqrt();
            let err = (g.norms[t - 1] - numeric).abs() / numeric.max(1e-12);
            assert!(
                err < 1e-6,
                "{label} {at:?} t={t}: {} vs {numeric}",
                g.norms[t - 1]
            );
        }
    }
}

#[test]
fn the_gradient_through_time_is_the_derivative_with_respect_to_each_state() {
    check(
        RnnScratch::new(RnnParams::<f64>::normal(4, 6, 0.5, 1)),
        "RNN",
    );
    check(
        GruScratch::new(GruParams::<f64>::normal(4, 6, 0.5, 2)),
        "GRU",
    );
    check(
        LstmScratch::new(LstmParams::<f64>::normal(4, 6, 0.5, 3)),
        "LSTM (H, with C held)",
    );
    let cfg = RnnConfig {
        num_layers: 2,
        ..RnnConfig::new(4, 6)
    };
    check(
        RNNModel::new(Rnn::<f64>::init(cfg, 4).unwrap(), 4, 5).unwrap(),
        "concise RNN, 2 layers",
    );
    check(
        RNNModel::new(Gru::<f64>::init(cfg, 6).unwrap(), 4, 7).unwrap(),
        "concise GRU, 2 layers",
    );
    check(
        RNNModel::new(Lstm::<f64>::init(cfg, 8).unwrap(), 4, 9).unwrap(),
        "concise LSTM, 2 layers",
    );
}

#[test]
fn fast_and_readable_models_agree() {
    let v = vocab();
    let close = |a: Vec<f64>, b: Vec<f64>| {
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() <= 1e-10 * x.abs().max(1e-30), "{x} vs {y}");
        }
    };
    let p = RnnParams::<f64>::normal(4, 6, 0.5, 1);
    let a = gradient_through_time(&mut RnnScratch::new(p.clone()), &v, TEXT, LossAt::Mean).unwrap();
    close(
        a.norms,
        gradient_through_time(&mut RnnFast::new(p), &v, TEXT, LossAt::Mean)
            .unwrap()
            .norms,
    );
    let p = GruParams::<f64>::normal(4, 6, 0.5, 2);
    let a = gradient_through_time(&mut GruScratch::new(p.clone()), &v, TEXT, LossAt::Last).unwrap();
    close(
        a.norms,
        gradient_through_time(&mut GruFast::new(p), &v, TEXT, LossAt::Last)
            .unwrap()
            .norms,
    );
    let p = LstmParams::<f64>::normal(4, 6, 0.5, 3);
    let a =
        gradient_through_time(&mut LstmScratch::new(p.clone()), &v, TEXT, LossAt::Mean).unwrap();
    close(
        a.norms,
        gradient_through_time(&mut LstmFast::new(p), &v, TEXT, LossAt::Mean)
            .unwrap()
            .norms,
    );
}
