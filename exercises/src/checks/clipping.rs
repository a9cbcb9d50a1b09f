//! Checks for clipping the gradient, perplexity, and sampling with a temperature.

use crate::feedback::{compare, compare_number, fail, run, Check};
use ndarray::{array, Array2};

/// Checks `grad_clipping(grads, theta)`: when the global norm
/// \\(\\|g\\| = \sqrt{\sum_k \sum_{ij} (g_k)_{ij}^2}\\) of all gradients together exceeds
/// \\(\theta\\), every gradient is multiplied by \\(\theta / \\|g\\|\\); otherwise nothing changes.
///
/// ```
/// use exercises::check_grad_clipping;
/// let err = check_grad_clipping(|_, _| {}).unwrap_err(); // never clips
/// assert!(err.to_string().starts_with("gradient 0 after grad_clipping(theta = 1.3) entry [1, 1]: expected 0.400000, got 4.000000"));
/// ```
pub fn check_grad_clipping(grad_clipping: impl Fn(&mut [Array2<f64>], f64)) -> Check {
    // Norms 5 and 12: the global norm is 13.
    let grads = || vec![array![[3.0, 0.0], [0.0, 4.0]], array![[0.0, 12.0]]];
    for (theta, scale) in [(1.3, 0.1), (20.0, 1.0)] {
        let mut got = grads();
        run(|| grad_clipping(&mut got, theta))?;
        if got.len() != 2 {
            return fail(
                "grad_clipping changed how many gradients there are\n    hint: scale them in place",
            );
        }
        let own: Vec<Array2<f64>> = grads()
            .into_iter()
            .map(|g| {
                let n = g.mapv(|v| v * v).sum().sqrt();
                if n > theta {
                    g * (theta / n)
                } else {
                    g
                }
            })
            .collect();
        let to_theta: Vec<Array2<f64>> = grads().into_iter().map(|g| g * (theta / 13.0)).collect();
        for (k, (g, e)) in got.iter().zip(grads()).enumerate() {
            let mistakes = [
                ("clip by the global norm of all gradients together (here 13), not by each gradient's own norm", own[k].clone()),
                ("scale only when the norm exceeds theta; a shorter gradient stays as it is", to_theta[k].clone()),
            ];
            compare(
                &format!("gradient {k} after grad_clipping(theta = {theta})"),
                g,
                &(e * scale),
                &mistakes,
                "g ← g · theta / ‖g‖ when ‖g‖ > theta",
            )?;
        }
    }
    Ok(())
}

/// Checks `perplexity(loss_sum, count)`: \\(\exp\\) of the mean cross-entropy, the sum
/// divided by the number of predictions.
///
/// ```
/// use exercises::check_perplexity;
/// assert!(check_perplexity(|sum, count| (sum / count as f64).exp()).is_ok());
/// let err = check_perplexity(|sum, count| sum / count as f64).unwrap_err();
/// assert!(err.to_string().contains("perplexity is exp of the mean cross-entropy"));
/// ```
pub fn check_perplexity(perplexity: impl Fn(f64, usize) -> f64) -> Check {
    for (sum, count) in [(20.0, 10), (0.0, 4), (3.0, 2)] {
        let got = run(|| perplexity(sum, count))?;
        let expected = (sum / count as f64).exp();
        let hint = if (got - sum.exp()).abs() < 1e-9 && count > 1 {
            "take the mean first: exp(loss_sum / count), not exp(loss_sum)"
        } else if (got - sum / count as f64).abs() < 1e-9 {
            "perplexity is exp of the mean cross-entropy"
        } else {
            "perplexity = exp(loss_sum / count)"
        };
        compare_number(&format!("perplexity({sum}, {count})"), got, expected, hint)?;
    }
    Ok(())
}

/// The reference: softmax of `logits / temperature`, then the first character whose
/// cumulative probability exceeds `u`; the largest logit at temperature 0.
fn sample(logits: &[f64], temperature: f64, u: f64) -> usize {
    if temperature == 0.0 {
        return (0..logits.len())
            .fold(0, |best, i| if logits[i] > logits[best] { i } else { best });
    }
    let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let weights: Vec<f64> = logits
        .iter()
        .map(|o| ((o - max) / temperature).exp())
        .collect();
    let total: f64 = weights.iter().sum();
    let mut cumulative = 0.0;
    for (i, w) in weights.iter().enumerate() {
        cumulative += w / total;
        if u < cumulative {
            return i;
        }
    }
    logits.len() - 1
}

/// Checks `sample_with_temperature(logits, temperature, u)`: with
/// \\(p_i \propto \exp(o_i / T)\\), the first character \\(i\\) with \\(p_0 + \dots + p_i > u\\)
/// (`u` uniform in \\([0, 1)\\)); at \\(T = 0\\) the character with the largest logit.
///
/// ```
/// use exercises::check_sample_with_temperature;
/// let err = check_sample_with_temperature(|_, _, _| 0).unwrap_err();
/// assert!(err.to_string().contains("T = 0, u = 0.9): expected character 3, got 0"));
/// ```
pub fn check_sample_with_temperature(
    sample_with_temperature: impl Fn(&[f64], f64, f64) -> usize,
) -> Check {
    let logits = [1.0, 2.0, 0.5, 2.5];
    for (temperature, u) in [
        (0.0, 0.9),
        (1.0, 0.1),
        (1.0, 0.5),
        (0.5, 0.3),
        (2.0, 0.35),
        (2.0, 0.95),
    ] {
        let got = run(|| sample_with_temperature(&logits, temperature, u))?;
        let expected = sample(&logits, temperature, u);
        if got != expected {
            let hint = if temperature == 0.0 {
                "temperature 0 is greedy: the character with the largest logit, as predict_rnn"
            } else if got == sample(&logits, 1.0 / temperature, u) {
                "divide the logits by the temperature (o_i / T), do not multiply"
            } else if temperature != 1.0 && got == sample(&logits, 1.0, u) {
                "apply the temperature: p_i ∝ exp(o_i / T)"
            } else {
                "walk the characters adding their probabilities; return the first whose running sum exceeds u"
            };
            return fail(format!(
                "sample_with_temperature([1, 2, 0.5, 2.5], T = {temperature}, u = {u}): expected character {expected}, got {got}\n    hint: {hint}"
            ));
        }
    }
    Ok(())
}
