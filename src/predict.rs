//! Writing text with a trained model: the section's `predict_rnn`.

use crate::data::Vocab;
use crate::error::{Error, Result};
use crate::model::RecurrentModel;
use ndarray::{Array2, ArrayView1};

/// The section's `predict_rnn`: feeds `prefix` through `model` one character
/// at a time from a zero state, then appends `num_chars` characters, each the
/// most likely next one (greedy) given everything before it.
///
/// Works with any [`RecurrentModel`]; the section passes `rnn`, `params` and
/// `init_rnn_state` separately, here the model carries them. Errors name an
/// empty prefix or a prefix character missing from `vocab`.
///
/// ```
/// use d2l_rnn::data::Vocab;
/// use d2l_rnn::predict::predict_rnn;
/// use d2l_rnn::scratch::{get_params, RnnScratch};
/// let vocab = Vocab::from_text("分开不了");
/// let mut model = RnnScratch::new(get_params(vocab.len(), 8, 0));
/// let text = predict_rnn("分开", 10, &mut model, &vocab)?;
/// assert_eq!(text.chars().count(), 12); // prefix + 10 new characters
/// assert!(text.starts_with("分开"));
/// assert!(predict_rnn("分x", 10, &mut model, &vocab).is_err());
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn predict_rnn<M: RecurrentModel>(
    prefix: &str,
    num_chars: usize,
    model: &mut M,
    vocab: &Vocab,
) -> Result<String> {
    let mut output = vocab.encode(prefix)?;
    if output.is_empty() {
        return Err(Error::EmptyPrefix);
    }
    let prefix_len = output.len();
    output.reserve(num_chars);
    let mut state = model.begin_state(1);
    let mut x = Array2::zeros((1, 1));
    for t in 0..num_chars + prefix_len - 1 {
        x[[0, 0]] = output[t];
        let logits = model.forward(x.view(), &mut state);
        if t + 1 < prefix_len {
            continue; // the next input is the prefix's own next character
        }
        output.push(argmax(logits.row(0)));
    }
    Ok(vocab.decode(&output))
}

/// Index of the largest element (the first one on ties; 0 for an empty row).
///
/// ```
/// assert_eq!(d2l_rnn::predict::argmax(ndarray::array![0.1f32, 0.7, 0.7].view()), 1);
/// ```
pub fn argmax<A: PartialOrd + Copy>(row: ArrayView1<'_, A>) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best
}
