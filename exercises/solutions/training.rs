//! 训练模型并创作歌词: worked answer.

/// Greedy at temperature 0; else the first character whose cumulative probability under
/// \\(p_i \propto \exp(o_i / T)\\) exceeds `u`.
pub fn sample_with_temperature(logits: &[f64], temperature: f64, u: f64) -> usize {
    let best = (0..logits.len()).fold(0, |b, i| if logits[i] > logits[b] { i } else { b });
    if temperature == 0.0 {
        return best;
    }
    // Subtracting the largest logit keeps exp from overflowing; the probabilities are the same.
    let weights: Vec<f64> = logits
        .iter()
        .map(|o| ((o - logits[best]) / temperature).exp())
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
