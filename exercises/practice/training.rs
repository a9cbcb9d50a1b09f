//! 训练模型并创作歌词 (book chapter `training.md`).

/// **sample_with_temperature**: choose the next character from the output layer's `logits`.
///
/// At `temperature` 0 return the index of the largest logit (the section's `predict_rnn`).
/// Otherwise the probabilities are \\(p_i = \exp(o_i / T) / \sum_j \exp(o_j / T)\\); with
/// `u` drawn uniformly from \\([0, 1)\\), return the first \\(i\\) with
/// \\(p_0 + \dots + p_i > u\\).
pub fn sample_with_temperature(logits: &[f64], temperature: f64, u: f64) -> usize {
    todo!()
}
