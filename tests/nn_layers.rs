//! The concise layers: shapes, PyTorch's names, gate order and
//! initialisation, what bidirectional, stacked and batch-first mean, and the
//! one-hot gather (the model and bad input are in `tests/nn_model.rs`).

use d2l_rnn::model::Parameters;
use d2l_rnn::nn::{
    Gru, GruCell, Lstm, LstmCell, Nonlinearity, RNNModel, Recurrent, Rnn, RnnCell, RnnConfig,
};
use d2l_rnn::scratch::to_onehot;
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
