//! Two time steps of the readable RNN, GRU and LSTM worked out by hand.
//!
//! One sequence, a vocabulary of two characters, one hidden unit, so every
//! matrix is a number and each formula can be followed with a calculator.
//! Inputs \(x = (0, 1)\), targets \(y = (1, 0)\), a carried state
//! \(H_0 = 0.3\) (and \(C_0 = -0.2\) for the LSTM), output layer
//! \(W_{hq} = (1, -1)\), \(b_q = (0, 0.2)\). The loss is the mean of the two
//! cross-entropies, so \(\partial O_t = (\mathrm{softmax}(O_t) - e_{y_t}) / 2\).
//!
//! **RNN**, \(W_{xh} = (0.5, -0.3)^\top\), \(W_{hh} = 0.8\), \(b_h = 0.1\):
//!
//! - \(A_1 = 0.5 + 0.8 \cdot 0.3 + 0.1 = 0.84\), \(H_1 = \tanh 0.84 = 0.685809\),
//!   \(O_1 = (H_1, 0.2 - H_1)\);
//! - \(A_2 = -0.3 + 0.8 H_1 + 0.1 = 0.348647\), \(H_2 = 0.335175\);
//! - \(\mathrm{softmax}(O_1) = (0.763437, 0.236563)\), \(\mathrm{softmax}(O_2) = (0.615467, 0.384533)\),
//!   \(L = -\tfrac12(\ln 0.236563 + \ln 0.615467) = 0.963458\);
//! - backwards: \(\partial O_2 = (-0.192267, 0.192267)\),
//!   \(\partial H_2 = \partial O_2 W_{hq}^\top = -0.384533\),
//!   \(\partial A_2 = \partial H_2 (1 - H_2^2) = -0.341334\);
//!   \(\partial O_1 = (0.381719, -0.381719)\),
//!   \(\partial H_1 = 0.763437 + 0.8\, \partial A_2 = 0.490370\),
//!   \(\partial A_1 = \partial H_1 (1 - H_1^2) = 0.259732\);
//! - so \(\partial W_{xh} = (\partial A_1, \partial A_2)\) (the rows of \(x_1 = 0\), \(x_2 = 1\)),
//!   \(\partial W_{hh} = H_0 \partial A_1 + H_1 \partial A_2 = -0.156170\),
//!   \(\partial b_h = \partial A_1 + \partial A_2 = -0.081601\),
//!   \(\partial W_{hq} = H_1 \partial O_1 + H_2 \partial O_2\), \(\partial b_q = \partial O_1 + \partial O_2\),
//!   \(\partial H_0 = 0.8\, \partial A_1 = 0.207786\).
//!
//! **GRU**, gates \((W_x, W_h, b)\): update \(((0.2, -0.4), 0.5, 0.1)\), reset
//! \(((-0.3, 0.6), -0.2, 0)\), candidate \(((0.7, -0.5), 0.9, -0.1)\). Step 1:
//! \(Z_1 = \sigma(0.2 + 0.5 \cdot 0.3 + 0.1) = 0.610639\),
//! \(R_1 = \sigma(-0.3 - 0.2 \cdot 0.3) = 0.410960\),
//! \(\tilde H_1 = \tanh(0.7 + 0.9 R_1 H_0 - 0.1) = 0.611278\),
//! \(H_1 = Z_1 H_0 + (1 - Z_1) \tilde H_1 = 0.421199\); step 2 likewise from \(H_1\).
//! Backwards the formulas of `GruScratch`'s docs, one number at a time.
//!
//! **LSTM**, gates input \(((0.3, -0.2), 0.4, 0.1)\), forget \(((0.5, 0.1), -0.3, 0.2)\),
//! output \(((-0.4, 0.6), 0.2, 0)\), candidate \(((0.8, -0.7), 0.5, -0.1)\). Step 1:
//! \(I_1 = 0.627148\), \(F_1 = 0.647941\), \(O_1 = 0.415809\), \(\tilde C_1 = 0.691069\),
//! \(C_1 = F_1 C_0 + I_1 \tilde C_1 = 0.303815\), \(H_1 = O_1 \tanh C_1 = 0.122580\).
//!
//! The expected numbers below were computed from these scalar formulas by a
//! separate twenty-line program (plain floating point, no arrays), whose
//! gradients agree with its own central differences to 1e-10.

use d2l_rnn::loss::softmax_cross_entropy;
use d2l_rnn::model::RecurrentModelExt;
use d2l_rnn::scratch::{
    Gate, GruParams, GruScratch, LstmParams, LstmScratch, RnnParams, RnnScratch,
};
use ndarray::{array, Array2};

const TOL: f64 = 1e-12;

fn gate(w_x: [f64; 2], w_h: f64, b: f64) -> Gate<f64> {
    Gate {
        w_x: array![[w_x[0]], [w_x[1]]],
        w_h: array![[w_h]],
        b: array![b],
    }
}

/// Forward, loss and backward on the two steps; returns logits and loss.
fn run<M: RecurrentModelExt<Elem = f64>>(
    model: &mut M,
    state: &mut M::State,
) -> (Array2<f64>, f64) {
    let (x, y) = (array![[0usize, 1]], array![[1usize, 0]]);
    let logits = model.forward(x.view(), state).to_owned();
    let mut d = Array2::zeros(logits.dim());
    let loss = softmax_cross_entropy(logits.view(), y.view(), d.view_mut());
    model.backward(d.view());
    (logits, loss)
}

fn assert_close(what: &str, got: f64, want: f64) {
    assert!((got - want).abs() < TOL, "{what}: {got} vs {want}");
}

/// `[W_x row 0, W_x row 1, W_h, b]` of a gate's gradient.
fn assert_gate(what: &str, g: &Gate<f64>, want: [f64; 4]) {
    let got = [g.w_x[[0, 0]], g.w_x[[1, 0]], g.w_h[[0, 0]], g.b[0]];
    for (k, (a, b)) in got.iter().zip(want).enumerate() {
        assert_close(&format!("{what}[{k}]"), *a, b);
    }
}

fn output_layer() -> (Array2<f64>, ndarray::Array1<f64>) {
    (array![[1.0, -1.0]], array![0.0, 0.2])
}

fn assert_output_grads(w_hq: &Array2<f64>, b_q: &ndarray::Array1<f64>, want: [f64; 4]) {
    assert_close("dW_hq[0]", w_hq[[0, 0]], want[0]);
    assert_close("dW_hq[1]", w_hq[[0, 1]], want[1]);
    assert_close("db_q[0]", b_q[0], want[2]);
    assert_close("db_q[1]", b_q[1], want[3]);
}

#[test]
fn rnn_two_steps_by_hand() {
    let (w_hq, b_q) = output_layer();
    let hidden = gate([0.5, -0.3], 0.8, 0.1);
    let mut model = RnnScratch::new(RnnParams { hidden, w_hq, b_q });
    let mut h = array![[0.3]];
    let (logits, loss) = run(&mut model, &mut h);
    assert_close("O_1", logits[[0, 0]], 0.6858090622290947); // H_1 = tanh 0.84
    assert_close("O_1'", logits[[0, 1]], -0.48580906222909465);
    assert_close("O_2", logits[[1, 0]], 0.3351753103738878); // H_2
    assert_close("H_2", h[[0, 0]], 0.3351753103738878);
    assert_close("L", loss, 0.9634583388859879);
    let g = &model.grads;
    assert_gate(
        "d hidden",
        &g.hidden,
        [
            0.2597324440896356,
            -0.3413338363572781,
            -0.15617010499235345,
            -0.08160139226764251,
        ],
    );
    assert_output_grads(
        &g.w_hq,
        &g.b_q,
        [
            0.19734310769277313,
            -0.19734310769277308,
            0.18945205752009447,
            -0.18945205752009447,
        ],
    );
    assert_close("dH_0", model.state_grad()[[0, 0]], 0.20778595527170848);
}

#[test]
fn gru_two_steps_by_hand() {
    let (w_hq, b_q) = output_layer();
    let mut model = GruScratch::new(GruParams {
        update: gate([0.2, -0.4], 0.5, 0.1),
        reset: gate([-0.3, 0.6], -0.2, 0.0),
        candidate: gate([0.7, -0.5], 0.9, -0.1),
        w_hq,
        b_q,
    });
    let mut h = array![[0.3]];
    let (logits, loss) = run(&mut model, &mut h);
    assert_close("H_1", logits[[0, 0]], 0.42119940015805424);
    assert_close("H_2", h[[0, 0]], 0.019662452178279055);
    assert_close("O_2'", logits[[1, 1]], 0.18033754782172096);
    assert_close("L", loss, 0.9208880535396555);
    let g = &model.grads;
    assert_gate(
        "d update",
        &g.update,
        [
            -0.015552964174633503,
            -0.10358787394591101,
            -0.04829703962205591,
            -0.11914083812054452,
        ],
    );
    assert_gate(
        "d reset",
        &g.reset,
        [
            0.0033496376997730762,
            -0.022009496150324902,
            -0.008265495266365929,
            -0.018659858450551826,
        ],
    );
    assert_gate(
        "d candidate",
        &g.candidate,
        [
            0.05124952802517718,
            -0.24803147482870733,
            -0.05909649562977813,
            -0.19678194680353014,
        ],
    );
    assert_output_grads(
        &g.w_hq,
        &g.b_q,
        [
            0.13269536418997743,
            -0.13269536418997743,
            0.057606466416949276,
            -0.057606466416949276,
        ],
    );
    assert_close("dH_0", model.state_grad()[[0, 0]], 0.13883434781189966);
}

#[test]
fn lstm_two_steps_by_hand() {
    let (w_hq, b_q) = output_layer();
    let mut model = LstmScratch::new(LstmParams {
        input: gate([0.3, -0.2], 0.4, 0.1),
        forget: gate([0.5, 0.1], -0.3, 0.2),
        output: gate([-0.4, 0.6], 0.2, 0.0),
        candidate: gate([0.8, -0.7], 0.5, -0.1),
        w_hq,
        b_q,
    });
    let mut state = (array![[0.3]], array![[-0.2]]);
    let (logits, loss) = run(&mut model, &mut state);
    assert_close("H_1", logits[[0, 0]], 0.12258043572260258);
    assert_close("H_2", state.0[[0, 0]], -0.08699901603332506);
    assert_close("C_2", state.1[[0, 0]], -0.1343920659040593);
    assert_close("L", loss, 0.806756042530377);
    let g = &model.grads;
    assert_gate(
        "d input",
        &g.input,
        [
            -0.004480192036207156,
            0.05948769255255761,
            0.005947969662362586,
            0.055007500516350456,
        ],
    );
    assert_gate(
        "d forget",
        &g.forget,
        [
            0.0012648799651254305,
            -0.02828814345812343,
            -0.0030881089613426305,
            -0.027023263492998,
        ],
    );
    assert_gate(
        "d output",
        &g.output,
        [
            0.035181982920839905,
            0.017974961871700904,
            0.012757973534582235,
            0.05315694479254081,
        ],
    );
    assert_gate(
        "d candidate",
        &g.candidate,
        [
            -0.009083651254269758,
            -0.1117344173908084,
            -0.016421548945257363,
            -0.12081806864507816,
        ],
    );
    assert_output_grads(
        &g.w_hq,
        &g.b_q,
        [
            0.05710715379041846,
            -0.057107153790418475,
            -0.04056819507275722,
            0.040568195072757274,
        ],
    );
    let (d_h0, d_c0) = model.state_grad();
    assert_close("dH_0", d_h0[[0, 0]], 0.0003230301530126106);
    assert_close("dC_0", d_c0[[0, 0]], -0.01796402384316048);
}
