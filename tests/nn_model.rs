//! The concise `RNNModel` (one-hot, layer, dense; one call equals one step
//! at a time), clipping and Adam over its parameters, and errors for bad
//! input to the layers (split from `tests/nn_layers.rs`).

use d2l_rnn::model::{Parameters, RecurrentModel};
use d2l_rnn::nn::{
    Gru, Linear, Lstm, LstmCell, Nonlinearity, RNNModel, Recurrent, Rnn, RnnCell, RnnConfig,
};
use d2l_rnn::optim::{grad_clipping, Adam, Optimizer};
use d2l_rnn::scratch::{GatedParams, RnnParams};
use ndarray::{s, Array2, Array3};

fn close(a: &Array3<f64>, b: &Array3<f64>) -> bool {
    a.shape() == b.shape() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12)
}

#[test]
fn rnn_model_is_one_hot_then_layer_then_dense() {
    let (vocab, h) = (6, 4);
    let layer = Recurrent::<RnnCell, f64>::init(RnnConfig::new(vocab, h), 1).unwrap();
    let mut reference = layer.clone();
    let mut model = RNNModel::new(layer, vocab, 2).unwrap();
    let x = ndarray::array![[0usize, 5, 2], [3, 3, 1]]; // (batch, num_steps)
    let mut state = model.begin_state(2);
    let logits = model.forward(x.view(), &mut state).to_owned();
    let (hidden, h_n) = reference.forward_indices(x.t(), None).unwrap();
    let flat = hidden.into_shape_with_order((6, h)).unwrap(); // (num_steps * batch, hidden)
    let expected = flat.dot(&model.params.dense.weight.t()) + &model.params.dense.bias;
    assert!(logits
        .iter()
        .zip(&expected)
        .all(|(a, b)| (a - b).abs() < 1e-12));
    assert_eq!(state, h_n);
    assert_eq!(model.vocab_size(), 6);
    assert_eq!(
        model.to_string(),
        "RNNModel(\n  (rnn): RNN(6, 4)\n  (dense): Linear(in_features=4, out_features=6, bias=True)\n)"
    );
}

#[test]
fn one_call_over_the_sequence_equals_one_step_at_a_time() {
    // predict_rnn feeds one character per call and carries the state.
    let cfg = RnnConfig {
        num_layers: 2,
        bidirectional: false,
        ..RnnConfig::new(6, 4)
    };
    let layer = Recurrent::<LstmCell, f64>::init(cfg, 1).unwrap();
    let mut model = RNNModel::new(layer, 6, 2).unwrap();
    let x = ndarray::array![[0usize, 5, 2, 4], [3, 3, 1, 0]]; // (batch, num_steps)
    let mut state = model.begin_state(2);
    let all = model.forward(x.view(), &mut state).to_owned();
    let mut stepped = model.begin_state(2);
    for t in 0..4 {
        let xt = x.slice(s![.., t..t + 1]).to_owned();
        let logits = model.forward(xt.view(), &mut stepped).to_owned();
        let rows = all.slice(s![2 * t..2 * t + 2, ..]);
        assert!(
            logits
                .iter()
                .zip(rows.iter())
                .all(|(a, b)| (a - b).abs() < 1e-12),
            "step {t}"
        );
    }
    assert!(close(&state.0, &stepped.0) && close(&state.1, &stepped.1));
}

#[test]
fn clipping_and_adam_see_every_parameter_of_the_model() {
    let mut model = RNNModel::new(Lstm::new(RnnConfig::new(5, 3), 0).unwrap(), 5, 0).unwrap();
    for (_, mut g) in model.grads.tensors_mut() {
        g.fill(1.0);
    }
    let n = model.grads.num_elements() as f64;
    let norm = grad_clipping(&mut model.grads, 0.5);
    assert!((norm - n.sqrt()).abs() < 1e-3);
    let clipped: f64 = model
        .grads
        .tensors()
        .iter()
        .flat_map(|(_, t)| t.iter().map(|&v| (v as f64).powi(2)).collect::<Vec<_>>())
        .sum();
    assert!(
        (clipped.sqrt() - 0.5).abs() < 1e-4,
        "the clipping really clips"
    );
    let before = model.params.clone();
    let (p, g) = model.params_and_grads();
    Adam::new(0.01).step(p, g);
    for ((name, a), (_, b)) in model.params.tensors().iter().zip(before.tensors()) {
        assert!(
            a.iter()
                .zip(b.iter())
                .all(|(x, y)| (x - y - (-0.01)).abs() < 1e-5),
            "{name}"
        );
    }
}

#[test]
fn adam_follows_torch_over_several_steps() {
    // Reference: torch.optim.Adam's update written out for one scalar.
    let grads = [0.3, -1.2, 0.05, 2.0, -0.7];
    let (lr, b1, b2, eps) = (0.01f64, 0.9f64, 0.999f64, 1e-8f64);
    let (mut w, mut m, mut v) = (0.5f64, 0.0f64, 0.0f64);
    let mut params = RnnParams::<f64>::zeros(1, 1);
    params.hidden.b[0] = 0.5;
    let mut g = RnnParams::<f64>::zeros(1, 1);
    let mut adam = Adam::new(lr);
    for (t, &gt) in grads.iter().enumerate() {
        let t = t as i32 + 1;
        m = b1 * m + (1.0 - b1) * gt;
        v = b2 * v + (1.0 - b2) * gt * gt;
        let denom = v.sqrt() / (1.0 - b2.powi(t)).sqrt() + eps;
        w -= lr / (1.0 - b1.powi(t)) * m / denom;
        g.hidden.b[0] = gt;
        adam.step(&mut params, &g);
        assert!((params.hidden.b[0] - w).abs() < 1e-15, "step {t}");
    }
}

#[test]
fn a_hidden_size_of_zero_is_named() {
    let err = Rnn::new(RnnConfig::new(5, 0), 0).unwrap_err().to_string();
    assert!(err.contains("hidden_size") && err.contains('0'), "{err}");
    let err = Gru::new(
        RnnConfig {
            num_layers: 0,
            ..RnnConfig::new(5, 3)
        },
        0,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("num_layers"), "{err}");
    let err = Lstm::new(RnnConfig::new(0, 3), 0).unwrap_err().to_string();
    assert!(err.contains("input_size"), "{err}");
    let err = Linear::new(0, 3, 0).unwrap_err().to_string();
    assert!(err.contains("in_features"), "{err}");
}

#[test]
fn gru_and_lstm_refuse_a_nonlinearity() {
    let relu = RnnConfig {
        nonlinearity: Nonlinearity::Relu,
        ..RnnConfig::new(5, 3)
    };
    assert!(Rnn::new(relu, 0).is_ok());
    let err = Gru::new(relu, 0).unwrap_err().to_string();
    assert!(err.contains("nonlinearity") && err.contains("GRU"), "{err}");
    let err = Lstm::new(relu, 0).unwrap_err().to_string();
    assert!(
        err.contains("nonlinearity") && err.contains("LSTM"),
        "{err}"
    );
}

#[test]
fn a_state_of_the_wrong_shape_names_both_shapes() {
    let cfg = RnnConfig {
        num_layers: 2,
        ..RnnConfig::new(5, 3)
    };
    let x = Array3::<f32>::zeros((4, 2, 5));
    let mut rnn = Rnn::new(cfg, 0).unwrap();
    let err = rnn
        .forward(x.view(), Some(&Array3::zeros((1, 2, 3))))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("h_0") && err.contains("[1, 2, 3]") && err.contains("[2, 2, 3]"),
        "{err}"
    );

    let mut lstm = Lstm::new(cfg, 0).unwrap();
    let bad = (Array3::zeros((2, 2, 3)), Array3::zeros((2, 3, 3)));
    let err = lstm.forward(x.view(), Some(&bad)).unwrap_err().to_string();
    assert!(
        err.contains("c_0") && err.contains("[2, 3, 3]") && err.contains("[2, 2, 3]"),
        "{err}"
    );

    let (y, _) = rnn.forward(x.view(), None).unwrap();
    let err = rnn
        .backward(y.view(), Some(&Array3::zeros((2, 2, 4))))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("d_h_n") && err.contains("[2, 2, 4]") && err.contains("[2, 2, 3]"),
        "{err}"
    );
    let err = rnn
        .backward(Array3::zeros((4, 2, 9)).view(), None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("[4, 2, 9]") && err.contains("[4, 2, 3]"),
        "{err}"
    );
}

#[test]
fn an_input_of_the_wrong_width_names_both_shapes() {
    let mut rnn = Rnn::new(RnnConfig::new(1027, 8), 0).unwrap();
    let err = rnn
        .forward(Array3::<f32>::zeros((35, 2, 1000)).view(), None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("[35, 2, 1000]") && err.contains("[35, 2, 1027]"),
        "{err}"
    );
    let err = rnn
        .forward(Array3::<f32>::zeros((0, 2, 1027)).view(), None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("num_steps"), "{err}");
    let err = RNNModel::new(Rnn::new(RnnConfig::new(1027, 8), 0).unwrap(), 1000, 0)
        .unwrap_err()
        .to_string();
    assert!(err.contains("1027") && err.contains("1000"), "{err}");
    let mut dense = Linear::new(8, 3, 0).unwrap();
    let err = dense
        .forward(Array2::zeros((2, 5)).view())
        .unwrap_err()
        .to_string();
    assert!(err.contains("[2, 5]") && err.contains("[2, 8]"), "{err}");
}

#[test]
fn backward_before_forward_is_an_error() {
    let mut gru = Gru::new(RnnConfig::new(3, 2), 0).unwrap();
    let err = gru
        .backward(Array3::zeros((1, 1, 2)).view(), None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("forward"), "{err}");
}

#[test]
#[should_panic(expected = "h_0 of shape [1, 3, 4]")]
fn the_training_interface_panics_with_the_same_message() {
    let mut model = RNNModel::new(Rnn::new(RnnConfig::new(5, 4), 0).unwrap(), 5, 0).unwrap();
    let mut wrong = model.begin_state(3);
    model.forward(ndarray::array![[0usize, 1]].view(), &mut wrong);
}
