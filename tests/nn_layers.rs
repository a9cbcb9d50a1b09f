//! The concise layers: shapes, PyTorch's names, gate order and
//! initialisation, what bidirectional, stacked and batch-first mean, the
//! one-hot gather, and errors for bad input.

use d2l_rnn::model::{Parameters, RecurrentModel};
use d2l_rnn::nn::{
    Gru, GruCell, Linear, Lstm, LstmCell, Nonlinearity, RNNModel, Recurrent, Rnn, RnnCell,
    RnnConfig,
};
use d2l_rnn::optim::{grad_clipping, Adam, Optimizer};
use d2l_rnn::scratch::{to_onehot, GatedParams, RnnParams};
use ndarray::{s, stack, Array1, Array2, Array3, ArrayView2, Axis};
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::{Rng, SeedableRng};

fn random3(seed: u64, shape: (usize, usize, usize)) -> Array3<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    Array3::from_shape_simple_fn(shape, || rng.random_range(-1.0..1.0))
}

fn close(a: &Array3<f64>, b: &Array3<f64>) -> bool {
    a.shape() == b.shape() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12)
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Rows `k*h..(k+1)*h` of a stacked weight: gate `k`.
fn gate(w: &Array2<f64>, k: usize, h: usize) -> ArrayView2<'_, f64> {
    w.slice(s![k * h..(k + 1) * h, ..])
}

fn gate_b(b: &Array1<f64>, k: usize, h: usize) -> Array1<f64> {
    b.slice(s![k * h..(k + 1) * h]).to_owned()
}

#[test]
fn the_sections_example_and_other_shapes() {
    let mut rnn_layer = Rnn::new(RnnConfig::new(1027, 256), 0).unwrap();
    let x = Array3::<f32>::from_elem((35, 2, 1027), 0.1);
    let (y, state_new) = rnn_layer.forward(x.view(), None).unwrap();
    assert_eq!((y.dim(), state_new.dim()), ((35, 2, 256), (1, 2, 256)));

    let cfg = RnnConfig {
        num_layers: 2,
        bidirectional: true,
        ..RnnConfig::new(6, 4)
    };
    let x = Array3::<f32>::zeros((5, 3, 6));
    let (y, h) = Rnn::new(cfg, 0).unwrap().forward(x.view(), None).unwrap();
    assert_eq!((y.dim(), h.dim()), ((5, 3, 8), (4, 3, 4)));
    let (y, (h, c)) = Lstm::new(cfg, 0).unwrap().forward(x.view(), None).unwrap();
    assert_eq!(
        (y.dim(), h.dim(), c.dim()),
        ((5, 3, 8), (4, 3, 4), (4, 3, 4))
    );

    let bf = RnnConfig {
        batch_first: true,
        ..cfg
    };
    let x = Array3::<f32>::zeros((3, 5, 6)); // (batch, num_steps, input)
    let (y, h) = Gru::new(bf, 0).unwrap().forward(x.view(), None).unwrap();
    assert_eq!((y.dim(), h.dim()), ((3, 5, 8), (4, 3, 4))); // the state is not batch-first
}

#[test]
fn parameter_names_and_shapes_are_pytorchs_state_dict() {
    let cfg = RnnConfig {
        num_layers: 2,
        bidirectional: true,
        ..RnnConfig::new(10, 4)
    };
    let expected = |g: usize| {
        let mut v = Vec::new();
        for l in 0..2 {
            for suffix in ["", "_reverse"] {
                let input = if l == 0 { 10 } else { 8 };
                v.push((format!("weight_ih_l{l}{suffix}"), vec![g * 4, input]));
                v.push((format!("weight_hh_l{l}{suffix}"), vec![g * 4, 4]));
                v.push((format!("bias_ih_l{l}{suffix}"), vec![g * 4]));
                v.push((format!("bias_hh_l{l}{suffix}"), vec![g * 4]));
            }
        }
        v
    };
    let names = |t: Vec<(&'static str, ndarray::ArrayViewD<'_, f32>)>| {
        t.into_iter()
            .map(|(n, t)| (n.to_string(), t.shape().to_vec()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(Rnn::new(cfg, 0).unwrap().params.tensors()),
        expected(1)
    );
    assert_eq!(
        names(Gru::new(cfg, 0).unwrap().params.tensors()),
        expected(3)
    );
    assert_eq!(
        names(Lstm::new(cfg, 0).unwrap().params.tensors()),
        expected(4)
    );

    let no_bias = Rnn::new(
        RnnConfig {
            bias: false,
            ..RnnConfig::new(10, 4)
        },
        0,
    )
    .unwrap();
    assert_eq!(
        names(no_bias.params.tensors()),
        [
            ("weight_ih_l0".to_string(), vec![4, 10]),
            ("weight_hh_l0".to_string(), vec![4, 4])
        ]
    );

    let model = RNNModel::new(Lstm::new(RnnConfig::new(10, 4), 0).unwrap(), 10, 0).unwrap();
    let got: Vec<&str> = model.params.tensors().iter().map(|(n, _)| *n).collect();
    assert_eq!(
        got,
        [
            "rnn.weight_ih_l0",
            "rnn.weight_hh_l0",
            "rnn.bias_ih_l0",
            "rnn.bias_hh_l0",
            "dense.weight",
            "dense.bias"
        ]
    );
    let grads: Vec<&str> = model.grads.tensors().iter().map(|(n, _)| *n).collect();
    assert_eq!(got, grads);
}

#[test]
fn initialisation_is_pytorchs_uniform_and_seeded() {
    let hidden = 64;
    let layer = Gru::new(RnnConfig::new(30, hidden), 3).unwrap();
    let k = 1.0 / (hidden as f32).sqrt();
    for (name, t) in layer.params.tensors() {
        assert!(t.iter().all(|w| (-k..k).contains(w)), "{name} outside ±{k}");
        let max = t.iter().fold(0.0f32, |m, w| m.max(w.abs()));
        assert!(
            max > 0.9 * k,
            "{name}: max |w| {max} should come close to {k}"
        );
        let mean = t.iter().sum::<f32>() / t.len() as f32;
        assert!(mean.abs() < 0.1 * k, "{name}: mean {mean}");
    }
    assert_eq!(
        layer.params,
        Gru::new(RnnConfig::new(30, hidden), 3).unwrap().params
    );
    assert_ne!(
        layer.params,
        Gru::new(RnnConfig::new(30, hidden), 4).unwrap().params
    );
    let model = RNNModel::new(layer, 30, 5).unwrap();
    let kd = 1.0 / (hidden as f32).sqrt();
    assert!(model.params.dense.weight.iter().all(|w| w.abs() <= kd));
}

#[test]
fn gru_gates_are_in_pytorchs_order_r_z_n() {
    let (input, h) = (3, 4);
    let mut gru = Recurrent::<GruCell, f64>::init(RnnConfig::new(input, h), 1).unwrap();
    let x = random3(2, (5, 2, input));
    let h0 = random3(3, (1, 2, h));
    let (y, h_n) = gru.forward(x.view(), Some(&h0)).unwrap();
    let w = &gru.params.cells[0];
    let mut state = h0.index_axis(Axis(0), 0).to_owned();
    for t in 0..5 {
        let xt = x.index_axis(Axis(0), t);
        let lin = |k: usize| xt.dot(&gate(&w.weight_ih, k, h).t()) + gate_b(&w.bias_ih, k, h);
        let hid = |k: usize, s: &Array2<f64>| {
            s.dot(&gate(&w.weight_hh, k, h).t()) + gate_b(&w.bias_hh, k, h)
        };
        let r = (lin(0) + hid(0, &state)).mapv(sigmoid);
        let z = (lin(1) + hid(1, &state)).mapv(sigmoid);
        let n = (lin(2) + &r * &hid(2, &state)).mapv(f64::tanh);
        state = (1.0 - &z) * &n + &z * &state;
        let yt = y.index_axis(Axis(0), t);
        assert!(
            yt.iter().zip(&state).all(|(a, b)| (a - b).abs() < 1e-12),
            "step {t}"
        );
    }
    assert!(h_n
        .index_axis(Axis(0), 0)
        .iter()
        .zip(&state)
        .all(|(a, b)| (a - b).abs() < 1e-12));
}

#[test]
fn lstm_gates_are_in_pytorchs_order_i_f_g_o() {
    let (input, h) = (3, 4);
    let mut lstm = Recurrent::<LstmCell, f64>::init(RnnConfig::new(input, h), 1).unwrap();
    let x = random3(2, (5, 2, input));
    let state0 = (random3(3, (1, 2, h)), random3(4, (1, 2, h)));
    let (y, (h_n, c_n)) = lstm.forward(x.view(), Some(&state0)).unwrap();
    let w = &lstm.params.cells[0];
    let mut hs = state0.0.index_axis(Axis(0), 0).to_owned();
    let mut cs = state0.1.index_axis(Axis(0), 0).to_owned();
    for t in 0..5 {
        let xt = x.index_axis(Axis(0), t);
        let pre = |k: usize, s: &Array2<f64>| {
            xt.dot(&gate(&w.weight_ih, k, h).t())
                + gate_b(&w.bias_ih, k, h)
                + s.dot(&gate(&w.weight_hh, k, h).t())
                + gate_b(&w.bias_hh, k, h)
        };
        let i = pre(0, &hs).mapv(sigmoid);
        let f = pre(1, &hs).mapv(sigmoid);
        let g = pre(2, &hs).mapv(f64::tanh);
        let o = pre(3, &hs).mapv(sigmoid);
        cs = &f * &cs + &i * &g;
        hs = &o * &cs.mapv(f64::tanh);
        let yt = y.index_axis(Axis(0), t);
        assert!(
            yt.iter().zip(&hs).all(|(a, b)| (a - b).abs() < 1e-12),
            "step {t}"
        );
    }
    assert!(h_n.iter().zip(&hs).all(|(a, b)| (a - b).abs() < 1e-12));
    assert!(c_n.iter().zip(&cs).all(|(a, b)| (a - b).abs() < 1e-12));
}

#[test]
fn the_backward_direction_reads_the_sequence_reversed() {
    let (input, h) = (3, 4);
    let cfg = RnnConfig {
        bidirectional: true,
        ..RnnConfig::new(input, h)
    };
    let mut bi = Recurrent::<GruCell, f64>::init(cfg, 7).unwrap();
    let x = random3(8, (6, 2, input));
    let (y, h_n) = bi.forward(x.view(), None).unwrap();

    let mut fwd = Recurrent::<GruCell, f64>::init(RnnConfig::new(input, h), 0).unwrap();
    fwd.params.cells[0] = bi.params.cells[0].clone();
    let (y_f, h_f) = fwd.forward(x.view(), None).unwrap();
    assert!(close(&y.slice(s![.., .., ..h]).to_owned(), &y_f));
    assert!(close(&h_n.slice(s![0..1, .., ..]).to_owned(), &h_f));

    let mut bwd = fwd.clone();
    bwd.params.cells[0] = bi.params.cells[1].clone();
    let x_rev = x.slice(s![..;-1, .., ..]).to_owned();
    let (y_b, h_b) = bwd.forward(x_rev.view(), None).unwrap();
    let y_b_in_time = y_b.slice(s![..;-1, .., ..]).to_owned();
    assert!(close(&y.slice(s![.., .., h..]).to_owned(), &y_b_in_time));
    // h_n of the backward direction is its state after time 0.
    assert!(close(&h_n.slice(s![1..2, .., ..]).to_owned(), &h_b));
    assert!(close(
        &h_b.index_axis(Axis(0), 0).insert_axis(Axis(0)).to_owned(),
        &y_b.slice(s![5..6, .., ..]).to_owned()
    ));
}

#[test]
fn a_second_layer_reads_the_first_layers_output() {
    let (input, h) = (3, 4);
    let cfg = RnnConfig {
        num_layers: 2,
        nonlinearity: Nonlinearity::Relu,
        ..RnnConfig::new(input, h)
    };
    let mut deep = Recurrent::<RnnCell, f64>::init(cfg, 1).unwrap();
    let x = random3(2, (5, 2, input));
    let h0 = random3(3, (2, 2, h));
    let (y, h_n) = deep.forward(x.view(), Some(&h0)).unwrap();

    let one = |input: usize, seed: u64| {
        Recurrent::<RnnCell, f64>::init(
            RnnConfig {
                nonlinearity: Nonlinearity::Relu,
                ..RnnConfig::new(input, h)
            },
            seed,
        )
        .unwrap()
    };
    let (mut l0, mut l1) = (one(input, 0), one(h, 0));
    l0.params.cells[0] = deep.params.cells[0].clone();
    l1.params.cells[0] = deep.params.cells[1].clone();
    let (y0, h0_n) = l0
        .forward(x.view(), Some(&h0.slice(s![0..1, .., ..]).to_owned()))
        .unwrap();
    let (y1, h1_n) = l1
        .forward(y0.view(), Some(&h0.slice(s![1..2, .., ..]).to_owned()))
        .unwrap();
    assert!(close(&y, &y1));
    assert!(close(&h_n.slice(s![0..1, .., ..]).to_owned(), &h0_n));
    assert!(close(&h_n.slice(s![1..2, .., ..]).to_owned(), &h1_n));
}

#[test]
fn batch_first_is_only_a_layout() {
    let cfg = RnnConfig {
        num_layers: 2,
        bidirectional: true,
        ..RnnConfig::new(3, 4)
    };
    let mut tm = Recurrent::<LstmCell, f64>::init(cfg, 1).unwrap();
    let mut bf = Recurrent::<LstmCell, f64>::init(
        RnnConfig {
            batch_first: true,
            ..cfg
        },
        1,
    )
    .unwrap();
    let x = random3(2, (5, 2, 3));
    let xb = x.view().permuted_axes([1, 0, 2]).to_owned();
    let (y, (h, c)) = tm.forward(x.view(), None).unwrap();
    let (yb, (hb, cb)) = bf.forward(xb.view(), None).unwrap();
    assert!(close(&y.view().permuted_axes([1, 0, 2]).to_owned(), &yb));
    assert!(close(&h, &hb) && close(&c, &cb));
    let d = random3(3, y.dim());
    let (dx, _) = tm.backward(d.view(), None).unwrap();
    let (dxb, _) = bf
        .backward(d.view().permuted_axes([1, 0, 2]), None)
        .unwrap();
    assert!(close(
        &dx.unwrap().permuted_axes([1, 0, 2]).to_owned(),
        &dxb.unwrap()
    ));
    assert_eq!(tm.grads.cells, bf.grads.cells);
}

#[test]
fn one_hot_indices_give_the_same_numbers_as_one_hot_tensors() {
    let (vocab, h) = (7, 5);
    let cfg = RnnConfig {
        num_layers: 2,
        ..RnnConfig::new(vocab, h)
    };
    let mut rng = StdRng::seed_from_u64(1);
    let idx = Array2::from_shape_simple_fn((4, 3), || rng.random_range(0..vocab)); // (steps, batch)
    let steps = to_onehot::<f64>(idx.t(), vocab);
    let views: Vec<_> = steps.iter().map(|a| a.view()).collect();
    let dense = stack(Axis(0), &views).unwrap(); // (steps, batch, vocab)

    let mut a = Recurrent::<GruCell, f64>::init(cfg, 2).unwrap();
    let mut b = a.clone();
    let (ya, ha) = a.forward_indices(idx.view(), None).unwrap();
    let (yb, hb) = b.forward(dense.view(), None).unwrap();
    assert!(close(&ya, &yb) && close(&ha, &hb));
    let d = random3(5, ya.dim());
    let (dxa, dha) = a.backward(d.view(), Some(&ha)).unwrap();
    let (dxb, dhb) = b.backward(d.view(), Some(&hb)).unwrap();
    assert!(dxa.is_none() && dxb.is_some());
    assert!(close(&dha, &dhb));
    for (ga, gb) in a.grads.tensors().iter().zip(b.grads.tensors()) {
        assert!(
            ga.1.iter()
                .zip(gb.1.iter())
                .all(|(x, y)| (x - y).abs() < 1e-12),
            "{}",
            ga.0
        );
    }
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
