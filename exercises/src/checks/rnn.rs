//! Checks for the from-scratch RNN: one step, the whole forward pass, and its backward pass
//! through time.

use crate::feedback::{compare, fail, run, Check};
use crate::fixtures::{input, matrix, numeric_grad, numeric_param_grads, params, HIDDEN};
use d2l_rnn::scratch::{gated_tensors, rnn, RnnParams};
use ndarray::{Array2, Axis};

/// The forward pass's inputs: three steps of two sequences, and a non-zero initial state.
fn sequence() -> (Vec<Array2<f64>>, Array2<f64>) {
    let inputs = vec![input(&[1, 3]), input(&[0, 3]), input(&[4, 2])];
    (inputs, matrix(2, HIDDEN, 0.3))
}

/// Checks `rnn_step(X_t, H_{t-1}, params)`, which returns
/// \\(H_t = \tanh(X_t W_{xh} + H_{t-1} W_{hh} + b_h)\\).
///
/// ```
/// use exercises::check_rnn_step;
/// let err = check_rnn_step(|_, h, _| h.clone()).unwrap_err(); // returns H_{t-1} unchanged
/// assert!(err.to_string().starts_with("H_t entry ["));
/// ```
pub fn check_rnn_step(
    rnn_step: impl Fn(&Array2<f64>, &Array2<f64>, &RnnParams<f64>) -> Array2<f64>,
) -> Check {
    let p: RnnParams<f64> = params(1);
    let (x, h) = (input(&[1, 3]), matrix(2, HIDDEN, 0.3));
    let got = run(|| rnn_step(&x, &h, &p))?;
    let w = &p.hidden;
    let pre = |w_h: &Array2<f64>| x.dot(&w.w_x) + h.dot(w_h) + &w.b;
    let expected = pre(&w.w_h).mapv(f64::tanh);
    let mistakes = [
        ("apply tanh to the sum: H_t = tanh(X W_xh + H W_hh + b_h)", pre(&w.w_h)),
        ("H_{t-1} W_hh, not H_{t-1} W_hh^T: W_hh is (hidden, hidden) and multiplies on the right", pre(&w.w_h.t().to_owned()).mapv(f64::tanh)),
        ("add the bias b_h inside the tanh", (x.dot(&w.w_x) + h.dot(&w.w_h)).mapv(f64::tanh)),
    ];
    compare(
        "H_t",
        &got,
        &expected,
        &mistakes,
        "H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h)",
    )
}

/// Checks `rnn(inputs, state, params)`: the outputs \\(Y_t = H_t W_{hq} + b_q\\) of every
/// step and the last state, as the section's `rnn`.
///
/// ```
/// use exercises::check_rnn;
/// let err = check_rnn(|inputs, state, _| (inputs.to_vec(), state.clone())).unwrap_err();
/// assert!(err.to_string().starts_with("Y_1 entry ["));
/// ```
pub fn check_rnn(
    rnn_: impl Fn(&[Array2<f64>], &Array2<f64>, &RnnParams<f64>) -> (Vec<Array2<f64>>, Array2<f64>),
) -> Check {
    let p: RnnParams<f64> = params(2);
    let (inputs, state) = sequence();
    let (outputs, last) = run(|| rnn_(&inputs, &state, &p))?;
    let (expected, expected_last) = rnn(&inputs, &state, &p);
    if outputs.len() != expected.len() {
        return fail(format!(
            "rnn returned {} outputs for {} steps\n    hint: one output Y_t per input X_t",
            outputs.len(),
            inputs.len()
        ));
    }
    let w = &p.hidden;
    let step =
        |x: &Array2<f64>, h: &Array2<f64>| (x.dot(&w.w_x) + h.dot(&w.w_h) + &w.b).mapv(f64::tanh);
    for (t, (got, want)) in outputs.iter().zip(&expected).enumerate() {
        // From the initial state at every step, and H_t returned instead of Y_t.
        let fresh = step(&inputs[t], &state).dot(&p.w_hq) + &p.b_q;
        let mut h = state.clone();
        for x in &inputs[..=t] {
            h = step(x, &h);
        }
        let mistakes = [
            (
                "carry the state: step t starts from H_{t-1}, the state step t − 1 computed",
                fresh,
            ),
            ("the outputs are Y_t = H_t W_hq + b_q, not H_t", h),
        ];
        compare(
            &format!("Y_{}", t + 1),
            got,
            want,
            &mistakes,
            "Y_t = H_t W_hq + b_q, H_t from H_{t-1}",
        )?;
    }
    compare(
        "the returned state",
        &last,
        &expected_last,
        &[(
            "return the last state H_T, not the initial one",
            state.clone(),
        )],
        "return H_T",
    )
}

/// What a mistake in the backward pass changes.
#[derive(Clone, Copy, PartialEq)]
enum Mistake {
    /// No mistake: the reference the tests hold against finite differences.
    #[cfg_attr(not(test), allow(dead_code))]
    None,
    NoTanhDerivative,
    NotTransposed,
    NotCarried,
}

/// The gradients of \\(L = \sum_t \langle dY_t, Y_t \rangle\\), written by hand, with one
/// mistake or none: the tensors in the crate's order, then \\(\partial L / \partial H_0\\).
fn backward(
    inputs: &[Array2<f64>],
    state: &Array2<f64>,
    p: &RnnParams<f64>,
    d_outputs: &[Array2<f64>],
    mistake: Mistake,
) -> (RnnParams<f64>, Array2<f64>) {
    let w = &p.hidden;
    let mut hs = vec![state.clone()];
    for x in inputs {
        let h = (x.dot(&w.w_x) + hs[hs.len() - 1].dot(&w.w_h) + &w.b).mapv(f64::tanh);
        hs.push(h);
    }
    let mut g: RnnParams<f64> = d2l_rnn::scratch::GatedParams::zeros(p.w_hq.ncols(), w.w_h.nrows());
    let mut d_next = Array2::zeros(state.raw_dim());
    for t in (0..inputs.len()).rev() {
        let (h, h_prev, dy) = (&hs[t + 1], &hs[t], &d_outputs[t]);
        g.w_hq += &h.t().dot(dy);
        g.b_q += &dy.sum_axis(Axis(0));
        let mut d_h = dy.dot(&p.w_hq.t());
        if mistake != Mistake::NotCarried {
            d_h += &d_next;
        }
        let d_a = if mistake == Mistake::NoTanhDerivative {
            d_h
        } else {
            d_h * h.mapv(|v| 1.0 - v * v)
        };
        g.hidden.w_x += &inputs[t].t().dot(&d_a);
        g.hidden.w_h += &h_prev.t().dot(&d_a);
        g.hidden.b += &d_a.sum_axis(Axis(0));
        d_next = if mistake == Mistake::NotTransposed {
            d_a.dot(&w.w_h)
        } else {
            d_a.dot(&w.w_h.t())
        };
    }
    (g, d_next)
}

/// Checks `rnn_backward(inputs, state, params, d_outputs)`, which returns the gradients of
/// \\(L = \sum_t \sum_{ij} (dY_t)_{ij} (Y_t)_{ij}\\) with respect to every parameter (in a
/// `RnnParams`) and to the initial state, against central differences of the section's
/// `rnn`.
///
/// ```
/// use exercises::check_rnn_backward;
/// let err = check_rnn_backward(|_, state, params, _| (params.clone(), state.clone())).unwrap_err();
/// assert!(err.to_string().starts_with("the gradient of W_xh entry ["));
/// ```
pub fn check_rnn_backward(
    rnn_backward: impl Fn(
        &[Array2<f64>],
        &Array2<f64>,
        &RnnParams<f64>,
        &[Array2<f64>],
    ) -> (RnnParams<f64>, Array2<f64>),
) -> Check {
    let p: RnnParams<f64> = params(3);
    let (inputs, state) = sequence();
    let d_outputs: Vec<Array2<f64>> = (0..3).map(|t| matrix(2, 5, 1.0 + t as f64)).collect();
    let (grads, d_state) = run(|| rnn_backward(&inputs, &state, &p, &d_outputs))?;
    let loss = |p: &RnnParams<f64>, s: &Array2<f64>| -> f64 {
        let (ys, _) = rnn(&inputs, s, p);
        ys.iter().zip(&d_outputs).map(|(y, d)| (y * d).sum()).sum()
    };
    let expected = numeric_param_grads(&p, |q| loss(q, &state));
    let variants = [
        (
            "multiply by tanh's derivative 1 − H_t² on the way back through each step",
            Mistake::NoTanhDerivative,
        ),
        (
            "the gradient passed to H_{t-1} is δ_t W_hh^T (transposed), not δ_t W_hh",
            Mistake::NotTransposed,
        ),
        (
            "add the gradient coming back from step t + 1 to dL/dH_t before going through tanh",
            Mistake::NotCarried,
        ),
    ]
    .map(|(hint, m)| (hint, backward(&inputs, &state, &p, &d_outputs, m)));
    let got_tensors = gated_tensors(&grads);
    for (k, (name, want)) in expected.iter().enumerate() {
        let Some((_, got)) = got_tensors.get(k) else {
            return fail(format!("the gradients have no tensor {name}"));
        };
        let mistakes: Vec<(&str, ndarray::ArrayD<f64>)> = variants
            .iter()
            .map(|(hint, (g, _))| (*hint, gated_tensors(g)[k].1.to_owned()))
            .collect();
        compare(&format!("the gradient of {name}"), got, want, &mistakes, "write δ_t = (dY_t W_hq^T + δ_{t+1} W_hh^T) ⊙ (1 − H_t²) and sum each parameter's terms over t")?;
    }
    let want = numeric_grad(&state, |s| loss(&p, s));
    let mistakes: Vec<(&str, Array2<f64>)> =
        variants.iter().map(|(h, (_, d))| (*h, d.clone())).collect();
    compare(
        "the gradient of the initial state",
        &d_state,
        &want,
        &mistakes,
        "dL/dH_0 = δ_1 W_hh^T",
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hand_written_backward_is_the_finite_difference_one() {
        let (inputs, state) = sequence();
        let p: RnnParams<f64> = params(3);
        let d: Vec<Array2<f64>> = (0..3).map(|t| matrix(2, 5, 1.0 + t as f64)).collect();
        assert_eq!(
            check_rnn_backward(|i, s, p, d| backward(i, s, p, d, Mistake::None)),
            Ok(())
        );
        let (g, _) = backward(&inputs, &state, &p, &d, Mistake::NotCarried);
        assert!(check_rnn_backward(|_, _, _, _| (g.clone(), state.clone())).is_err());
    }
}
