//! Checks for one step of the GRU and of the LSTM, forward and backward.

use crate::feedback::{compare, fail, run, Check};
use crate::fixtures::{input, matrix, numeric_grad, numeric_param_grads, params, HIDDEN};
use d2l_rnn::scratch::{
    gated_tensors, gru, lstm, sigmoid, Gate, GatedParams, GruParams, LstmParams,
};
use ndarray::Array2;

fn affine(g: &Gate<f64>, x: &Array2<f64>, h: &Array2<f64>) -> Array2<f64> {
    x.dot(&g.w_x) + h.dot(&g.w_h) + &g.b
}

/// Compares every gradient tensor of `got` with central differences `expected`, naming the
/// tensor and giving `hint(name)`.
fn compare_grads<P: GatedParams<f64>>(
    got: &P,
    expected: &[(&'static str, ndarray::ArrayD<f64>)],
    hint: impl Fn(&str) -> &'static str,
) -> Check {
    let tensors = gated_tensors(got);
    for (k, (name, want)) in expected.iter().enumerate() {
        let Some((_, g)) = tensors.get(k) else {
            return fail(format!("the gradients have no tensor {name}"));
        };
        compare(&format!("the gradient of {name}"), g, want, &[], hint(name))?;
    }
    Ok(())
}

/// Checks `gru_step(X_t, H_{t-1}, params)`, which returns \\(H_t = Z_t \odot H_{t-1} +
/// (1 - Z_t) \odot \tilde H_t\\) with \\(Z_t = \sigma(X_t W_{xz} + H_{t-1} W_{hz} + b_z)\\),
/// \\(R_t\\) likewise, and \\(\tilde H_t = \tanh(X_t W_{xh} + (R_t \odot H_{t-1}) W_{hh} + b_h)\\).
///
/// ```
/// use exercises::check_gru_step;
/// let err = check_gru_step(|_, h, _| h.clone()).unwrap_err();
/// assert!(err.to_string().starts_with("H_t entry ["));
/// ```
pub fn check_gru_step(
    gru_step: impl Fn(&Array2<f64>, &Array2<f64>, &GruParams<f64>) -> Array2<f64>,
) -> Check {
    let p: GruParams<f64> = params(4);
    let (x, h) = (input(&[2, 0]), matrix(2, HIDDEN, 0.7));
    let got = run(|| gru_step(&x, &h, &p))?;
    let (_, expected) = gru(std::slice::from_ref(&x), &h, &p);
    let z = affine(&p.update, &x, &h).mapv(sigmoid);
    let r = affine(&p.reset, &x, &h).mapv(sigmoid);
    let candidate = (x.dot(&p.candidate.w_x) + (&r * &h).dot(&p.candidate.w_h) + &p.candidate.b)
        .mapv(f64::tanh);
    let late_reset =
        (x.dot(&p.candidate.w_x) + &r * &h.dot(&p.candidate.w_h) + &p.candidate.b).mapv(f64::tanh);
    let mistakes = [
        (
            "Z_t keeps the old state: H_t = Z_t ⊙ H_{t-1} + (1 − Z_t) ⊙ H̃_t",
            (1.0 - &z) * &h + &z * &candidate,
        ),
        (
            "the reset gate multiplies H_{t-1} before W_hh: (R_t ⊙ H_{t-1}) W_hh",
            &z * &h + (1.0 - &z) * &late_reset,
        ),
    ];
    compare(
        "H_t",
        &got,
        &expected,
        &mistakes,
        "compute Z_t, R_t, then H̃_t, then mix H_{t-1} and H̃_t with Z_t",
    )
}

/// Checks `gru_step_backward(X_t, H_{t-1}, params, dH_t)`: the gradients of
/// \\(L = \sum_{ij} (dH_t)_{ij} (H_t)_{ij}\\) with respect to every parameter (a `GruParams`,
/// the output layer's left at zero) and to \\(H_{t-1}\\), against central differences.
///
/// ```
/// use exercises::check_gru_step_backward;
/// let err = check_gru_step_backward(|_, h, p, _| (p.clone(), h.clone())).unwrap_err();
/// assert!(err.to_string().starts_with("the gradient of W_xz entry ["));
/// ```
pub fn check_gru_step_backward(
    gru_step_backward: impl Fn(
        &Array2<f64>,
        &Array2<f64>,
        &GruParams<f64>,
        &Array2<f64>,
    ) -> (GruParams<f64>, Array2<f64>),
) -> Check {
    let p: GruParams<f64> = params(5);
    let (x, h, d_h) = (
        input(&[2, 0]),
        matrix(2, HIDDEN, 0.7),
        matrix(2, HIDDEN, 2.1),
    );
    let (grads, d_h_prev) = run(|| gru_step_backward(&x, &h, &p, &d_h))?;
    let loss =
        |p: &GruParams<f64>, h: &Array2<f64>| (gru(std::slice::from_ref(&x), h, p).1 * &d_h).sum();
    compare_grads(&grads, &numeric_param_grads(&p, |q| loss(q, &h)), |name| {
        match name {
        "W_xz" | "W_hz" | "b_z" => "dZ = dH ⊙ (H_{t-1} − H̃_t), then times σ' = Z(1 − Z) before the affine map's gradients",
        "W_xr" | "W_hr" | "b_r" => "dR = ((dÃ_h) W_hh^T) ⊙ H_{t-1}, where dÃ_h is H̃'s pre-activation gradient; then times R(1 − R)",
        "W_xh" | "W_hh" | "b_h" => "dH̃ = dH ⊙ (1 − Z), then times 1 − H̃²; W_hh's input is R ⊙ H_{t-1}",
        _ => "the output layer does not take part in H_t: its gradients are zero",
    }
    })?;
    let want = numeric_grad(&h, |h| loss(&p, h));
    compare(
        "the gradient of H_{t-1}",
        &d_h_prev,
        &want,
        &[],
        "H_{t-1} reaches H_t four ways: directly (dH ⊙ Z), and through Z's, R's and H̃'s W_h terms",
    )
}

/// Checks `lstm_step(X_t, (H_{t-1}, C_{t-1}), params)`, which returns \\((H_t, C_t)\\):
/// \\(C_t = F_t \odot C_{t-1} + I_t \odot \tilde C_t\\), \\(H_t = O_t \odot \tanh(C_t)\\).
///
/// ```
/// use exercises::check_lstm_step;
/// let err = check_lstm_step(|_, state, _| state.clone()).unwrap_err();
/// assert!(err.to_string().starts_with("C_t entry ["));
/// ```
pub fn check_lstm_step(
    lstm_step: impl Fn(
        &Array2<f64>,
        &(Array2<f64>, Array2<f64>),
        &LstmParams<f64>,
    ) -> (Array2<f64>, Array2<f64>),
) -> Check {
    let p: LstmParams<f64> = params(6);
    let x = input(&[3, 1]);
    let state = (matrix(2, HIDDEN, 0.2), matrix(2, HIDDEN, 1.4));
    let (h, c) = run(|| lstm_step(&x, &state, &p))?;
    let (_, (want_h, want_c)) = lstm(std::slice::from_ref(&x), &state, &p);
    let gate = |g: &Gate<f64>| affine(g, &x, &state.0).mapv(sigmoid);
    let c_sigmoid = gate(&p.forget) * &state.1 + gate(&p.input) * gate(&p.candidate);
    compare(
        "C_t",
        &c,
        &want_c,
        &[("the candidate C̃_t uses tanh, not σ", c_sigmoid)],
        "C_t = F_t ⊙ C_{t-1} + I_t ⊙ C̃_t",
    )?;
    let no_tanh = gate(&p.output) * &want_c;
    compare(
        "H_t",
        &h,
        &want_h,
        &[("H_t = O_t ⊙ tanh(C_t): the tanh is missing", no_tanh)],
        "H_t = O_t ⊙ tanh(C_t)",
    )
}

/// Checks `lstm_step_backward(X_t, (H_{t-1}, C_{t-1}), params, dH_t, dC_t)`: the gradients
/// of \\(L = \sum (dH_t \odot H_t) + \sum (dC_t \odot C_t)\\) with respect to every parameter
/// and to \\((H_{t-1}, C_{t-1})\\), against central differences.
///
/// ```
/// use exercises::check_lstm_step_backward;
/// let err = check_lstm_step_backward(|_, s, p, _, _| (p.clone(), s.clone())).unwrap_err();
/// assert!(err.to_string().starts_with("the gradient of W_xi entry ["));
/// ```
#[allow(clippy::type_complexity)]
pub fn check_lstm_step_backward(
    lstm_step_backward: impl Fn(
        &Array2<f64>,
        &(Array2<f64>, Array2<f64>),
        &LstmParams<f64>,
        &Array2<f64>,
        &Array2<f64>,
    ) -> (LstmParams<f64>, (Array2<f64>, Array2<f64>)),
) -> Check {
    let p: LstmParams<f64> = params(7);
    let x = input(&[3, 1]);
    let state = (matrix(2, HIDDEN, 0.2), matrix(2, HIDDEN, 1.4));
    let (d_h, d_c) = (matrix(2, HIDDEN, 2.5), matrix(2, HIDDEN, 0.9));
    let (grads, (d_h_prev, d_c_prev)) = run(|| lstm_step_backward(&x, &state, &p, &d_h, &d_c))?;
    let loss = |p: &LstmParams<f64>, s: &(Array2<f64>, Array2<f64>)| {
        let (_, (h, c)) = lstm(std::slice::from_ref(&x), s, p);
        (h * &d_h).sum() + (c * &d_c).sum()
    };
    let carried = "the cell's total gradient is dC_t + dH_t ⊙ O_t ⊙ (1 − tanh²(C_t)): both paths";
    compare_grads(
        &grads,
        &numeric_param_grads(&p, |q| loss(q, &state)),
        |name| match name {
            "W_xi" | "W_hi" | "b_i" => {
                "dI = dC ⊙ C̃_t (dC the cell's total gradient), then times I(1 − I)"
            }
            "W_xf" | "W_hf" | "b_f" => {
                "dF = dC ⊙ C_{t-1} (dC the cell's total gradient), then times F(1 − F)"
            }
            "W_xo" | "W_ho" | "b_o" => "dO = dH ⊙ tanh(C_t), then times O(1 − O)",
            "W_xc" | "W_hc" | "b_c" => {
                "dC̃ = dC ⊙ I_t (dC the cell's total gradient), then times 1 − C̃²"
            }
            _ => "the output layer does not take part: its gradients are zero",
        },
    )?;
    let want_h = numeric_grad(&state.0, |h| loss(&p, &(h.clone(), state.1.clone())));
    compare(
        "the gradient of H_{t-1}",
        &d_h_prev,
        &want_h,
        &[],
        "H_{t-1} enters all four gates through their W_h: add the four (gate gradient) W_h^T terms",
    )?;
    let want_c = numeric_grad(&state.1, |c| loss(&p, &(state.0.clone(), c.clone())));
    compare("the gradient of C_{t-1}", &d_c_prev, &want_c, &[], carried)
}
