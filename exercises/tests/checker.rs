//! The checker proven both ways: every worked answer passes, and for every exercise a
//! deliberately wrong version is caught with the message that names its mistake.

#[path = "../solutions/mod.rs"]
#[allow(dead_code)]
mod solutions;

use d2l_rnn::scratch::{GatedParams, RnnParams};
use exercises::*;
use ndarray::{Array2, Axis};
use solutions::*;

/// Fails unless `check` failed with a message containing `needle`.
fn caught(check: Check, needle: &str) {
    let message = check.expect_err("the wrong version passed").to_string();
    assert!(message.contains(needle), "missing {needle:?} in: {message}");
}

#[test]
fn every_worked_answer_passes() {
    assert_eq!(check_one_hot(data_onehot::one_hot), Ok(()));
    assert_eq!(check_to_onehot(data_onehot::to_onehot), Ok(()));
    assert_eq!(check_data_iter_random(sampling::data_iter_random), Ok(()));
    assert_eq!(
        check_data_iter_consecutive(sampling::data_iter_consecutive),
        Ok(())
    );
    assert_eq!(check_rnn_step(rnn_scratch::rnn_step), Ok(()));
    assert_eq!(check_rnn(rnn_scratch::rnn), Ok(()));
    assert_eq!(check_rnn_backward(bptt::rnn_backward), Ok(()));
    assert_eq!(
        check_grad_clipping(clipping_perplexity::grad_clipping),
        Ok(())
    );
    assert_eq!(check_perplexity(clipping_perplexity::perplexity), Ok(()));
    assert_eq!(
        check_sample_with_temperature(training::sample_with_temperature),
        Ok(())
    );
    assert_eq!(check_gru_step(gru::gru_step), Ok(()));
    assert_eq!(check_gru_step_backward(gru::gru_step_backward), Ok(()));
    assert_eq!(check_lstm_step(lstm::lstm_step), Ok(()));
    assert_eq!(check_lstm_step_backward(lstm::lstm_step_backward), Ok(()));
}

#[test]
fn wrong_data_functions_are_caught() {
    caught(
        check_one_hot(|x, n| data_onehot::one_hot(x, n).t().to_owned()),
        "not (n_class, len(x))",
    );
    caught(
        check_to_onehot(|x, n| {
            x.rows()
                .into_iter()
                .map(|r| data_onehot::one_hot(&r.to_vec(), n))
                .collect()
        }),
        "one matrix per time step",
    );
    let unshifted = |b: Vec<(Array2<usize>, Array2<usize>)>| {
        b.into_iter().map(|(x, _)| (x.clone(), x)).collect()
    };
    caught(
        check_data_iter_random(|c, b, n, rng| unshifted(sampling::data_iter_random(c, b, n, rng))),
        "Y is X shifted by one character",
    );
    caught(
        check_data_iter_consecutive(|c, b, n| unshifted(sampling::data_iter_consecutive(c, b, n))),
        "Y is X shifted by one character",
    );
    // Another order than the one `starts.shuffle(rng)` gives: the entries say where they differ.
    caught(
        check_data_iter_random(|c, b, n, _| sampling::data_iter_consecutive(c, b, n)),
        "X of mini-batch 0 entry [0, 0]",
    );
}

#[test]
fn wrong_forward_passes_are_caught() {
    let pre = |x: &Array2<f64>, h: &Array2<f64>, p: &RnnParams<f64>| {
        x.dot(&p.hidden.w_x) + h.dot(&p.hidden.w_h) + &p.hidden.b
    };
    caught(check_rnn_step(pre), "apply tanh to the sum");
    caught(
        check_rnn_step(|x, h, p| pre(x, h, p).t().to_owned()),
        "has shape [4, 2], expected [2, 4]",
    );
    caught(
        check_rnn_step(|x, h, p| pre(x, &h.t().to_owned(), p)),
        "your function panicked: ndarray",
    );
    caught(
        check_rnn(|inputs, state, p| {
            let outputs = inputs
                .iter()
                .map(|x| rnn_scratch::rnn_step(x, state, p).dot(&p.w_hq) + &p.b_q)
                .collect();
            (outputs, state.clone())
        }),
        "carry the state",
    );
    caught(
        check_gru_step(|x, h, p| {
            let z = (x.dot(&p.update.w_x) + h.dot(&p.update.w_h) + &p.update.b)
                .mapv(d2l_rnn::scratch::sigmoid);
            // H_t = Z ⊙ H + (1 − Z) ⊙ H̃, so H̃ = (H_t − Z ⊙ H) / (1 − Z); then the roles swapped.
            let candidate = (gru::gru_step(x, h, p) - &z * h) / (1.0 - &z);
            (1.0 - &z) * h + &z * &candidate
        }),
        "Z_t keeps the old state",
    );
    caught(
        check_lstm_step(|x, s, p| {
            let (_, c) = lstm::lstm_step(x, s, p);
            let o = (x.dot(&p.output.w_x) + s.0.dot(&p.output.w_h) + &p.output.b)
                .mapv(d2l_rnn::scratch::sigmoid);
            (o * &c, c)
        }),
        "the tanh is missing",
    );
}

/// The worked backward pass with the tanh derivative left out or `W_hh` not transposed.
fn rnn_backward_wrong(
    inputs: &[Array2<f64>],
    state: &Array2<f64>,
    p: &RnnParams<f64>,
    d_outputs: &[Array2<f64>],
    transpose_mistake: bool,
) -> (RnnParams<f64>, Array2<f64>) {
    let mut hs = vec![state.clone()];
    for x in inputs {
        let h = rnn_scratch::rnn_step(x, &hs[hs.len() - 1], p);
        hs.push(h);
    }
    let mut g = RnnParams::zeros(p.w_hq.ncols(), state.ncols());
    let mut d_next = Array2::zeros(state.raw_dim());
    for t in (0..inputs.len()).rev() {
        let (h, dy) = (&hs[t + 1], &d_outputs[t]);
        g.w_hq += &h.t().dot(dy);
        g.b_q += &dy.sum_axis(Axis(0));
        let d_h = dy.dot(&p.w_hq.t()) + &d_next;
        let delta = if transpose_mistake {
            d_h * h.mapv(|v| 1.0 - v * v)
        } else {
            d_h
        };
        g.hidden.w_x += &inputs[t].t().dot(&delta);
        g.hidden.w_h += &hs[t].t().dot(&delta);
        g.hidden.b += &delta.sum_axis(Axis(0));
        d_next = if transpose_mistake {
            delta.dot(&p.hidden.w_h)
        } else {
            delta.dot(&p.hidden.w_h.t())
        };
    }
    (g, d_next)
}

#[test]
fn wrong_backward_passes_are_caught() {
    caught(
        check_rnn_backward(|i, s, p, d| rnn_backward_wrong(i, s, p, d, false)),
        "tanh's derivative 1 − H_t²",
    );
    caught(
        check_rnn_backward(|i, s, p, d| rnn_backward_wrong(i, s, p, d, true)),
        "(transposed), not δ_t W_hh",
    );
    caught(
        check_gru_step_backward(|x, h, p, d| {
            let (mut g, d_prev) = gru::gru_step_backward(x, h, p, d);
            g.update.b *= 2.0; // as if σ' were left out somewhere: a wrong b_z
            (g, d_prev)
        }),
        "the gradient of b_z entry [0]",
    );
    caught(
        check_gru_step_backward(|x, h, p, d| (gru::gru_step_backward(x, h, p, d).0, d * 1.0)),
        "H_{t-1} reaches H_t four ways",
    );
    // The cell's gradient without the part that comes through H_t.
    caught(
        check_lstm_step_backward(|x, s, p, d_h, d_c| {
            lstm::lstm_step_backward(x, s, p, &(d_h * 0.0), d_c)
        }),
        "the gradient of W_xi",
    );
}

#[test]
fn wrong_scalars_are_caught() {
    caught(
        check_grad_clipping(|grads, theta| {
            for g in grads.iter_mut() {
                let n = g.mapv(|v| v * v).sum().sqrt();
                if n > theta {
                    *g *= theta / n;
                }
            }
        }),
        "not by each gradient's own norm",
    );
    caught(
        check_grad_clipping(|grads, theta| {
            let n = grads
                .iter()
                .map(|g| g.mapv(|v| v * v).sum())
                .sum::<f64>()
                .sqrt();
            grads.iter_mut().for_each(|g| *g *= theta / n);
        }),
        "scale only when the norm exceeds theta",
    );
    caught(check_perplexity(|sum, _| sum.exp()), "take the mean first");
    caught(check_perplexity(|_, _| f64::NAN), "is NaN");
    caught(
        check_sample_with_temperature(|l, t, u| {
            training::sample_with_temperature(l, 1.0 / t.max(1e-9), u)
        }),
        "divide the logits",
    );
    caught(
        check_sample_with_temperature(|_, _, _| 0),
        "temperature 0 is greedy",
    );
}
