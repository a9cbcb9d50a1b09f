//! What a hidden unit reads: a passage coloured by one unit's activation, with the model's
//! five likeliest next characters under each character.

use super::text::encode_text;
use crate::data::Vocab;
use crate::error::{Error, Result};
use crate::fast::FastReal;
use crate::model::{Parameters, RecurrentModelExt};
use itertools::Itertools;
use ndarray::Array2;
use num_traits::ToPrimitive;
use serde::Serialize;

/// A passage read by a model: each hidden unit's activation after each character, and the
/// five likeliest next characters the model gave there.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnitReading {
    /// The passage, one entry per character.
    pub chars: Vec<char>,
    /// `activations[t][j]`: unit `j` of \\(H_t\\) after reading `chars[t]` (the last layer's
    /// for a concise model; \\(H_t\\), not \\(C_t\\), for an LSTM).
    pub activations: Vec<Vec<f64>>,
    /// `top[t]`: the five likeliest characters after `chars[..=t]` and their probabilities,
    /// likeliest first.
    pub top: Vec<Vec<(char, f64)>>,
}

/// Reads `text` with `model` from a zero state, one character at a time. Errors when
/// `text` is empty or has a character outside `vocab`.
///
/// ```
/// use d2l_rnn::data::Vocab;
/// use d2l_rnn::fast::RnnFast;
/// use d2l_rnn::inspect::read_units;
/// let vocab = Vocab::from_text("分开不了我你");
/// let mut model = RnnFast::init(vocab.len(), 8, 0);
/// let r = read_units(&mut model, &vocab, "分开了我")?;
/// assert_eq!((r.chars.len(), r.activations[0].len(), r.top[0].len()), (4, 8, 5));
/// assert!(r.top.iter().all(|t| t.windows(2).all(|w| w[0].1 >= w[1].1))); // likeliest first
/// let units = r.units_by_variance(2);
/// assert_eq!(units.len(), 2);
/// assert!(r.variance(units[0]) >= r.variance(units[1]));
/// let html = r.html(&units);
/// assert_eq!(html.fragment().matches("class=\"ch\"").count(), 2 * 4); // each unit shows the passage
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn read_units<M>(model: &mut M, vocab: &Vocab, text: &str) -> Result<UnitReading>
where
    M: RecurrentModelExt,
    M::Elem: FastReal,
{
    let indices = encode_text(vocab, text, 1, "one to read")?;
    let mut state = model.begin_state(1);
    let (mut activations, mut top) = (Vec::new(), Vec::new());
    for &c in &indices {
        let x = Array2::from_elem((1, 1), c);
        let logits: Vec<f64> = model
            .forward(x.view(), &mut state)
            .iter()
            .map(|v| v.to_f64().unwrap_or(f64::NAN))
            .collect();
        let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = logits.iter().map(|o| (o - max).exp()).sum();
        let best = logits
            .iter()
            .enumerate()
            .k_largest_by(5, |a, b| a.1.total_cmp(b.1))
            .map(|(i, o)| (vocab.idx_to_char[i], (o - max).exp() / total))
            .collect();
        top.push(best);
        activations.push(last_layer(&state));
    }
    Ok(UnitReading {
        chars: text.chars().collect(),
        activations,
        top,
    })
}

/// The last row of the state's `H`, as `f64`: the one sequence's hidden vector, of the last
/// layer for a stacked state.
pub(super) fn last_layer<A: ToPrimitive + Copy, S: Parameters<A>>(state: &S) -> Vec<f64> {
    let tensors = state.tensors();
    let Some((_, h)) = tensors.iter().find(|(name, _)| *name == "H") else {
        return Vec::new();
    };
    let width = h.shape().last().copied().unwrap_or(0);
    let values: Vec<f64> = h.iter().map(|v| v.to_f64().unwrap_or(f64::NAN)).collect();
    values[values.len().saturating_sub(width)..].to_vec()
}

impl UnitReading {
    /// The variance of unit `j`'s activation over the passage (NaN for no such unit).
    pub fn variance(&self, j: usize) -> f64 {
        let values: Vec<f64> = self
            .activations
            .iter()
            .map(|h| h.get(j).copied().unwrap_or(f64::NAN))
            .collect();
        let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
        values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len().max(1) as f64
    }

    /// The `n` units whose activation varies most over the passage, largest first: the ones
    /// that change with what is read rather than sitting at one value.
    pub fn units_by_variance(&self, n: usize) -> Vec<usize> {
        (0..self.num_units())
            .k_largest_by(n, |&a, &b| self.variance(a).total_cmp(&self.variance(b)))
            .collect()
    }

    /// The hidden units read (the width of \\(H_t\\)).
    pub fn num_units(&self) -> usize {
        self.activations.first().map_or(0, Vec::len)
    }

    /// `Ok` when every index of `units` names a unit; else an error naming the first that
    /// does not and the valid range.
    ///
    /// ```
    /// use d2l_rnn::data::Vocab;
    /// use d2l_rnn::fast::RnnFast;
    /// use d2l_rnn::inspect::read_units;
    /// let vocab = Vocab::from_text("分开");
    /// let r = read_units(&mut RnnFast::init(vocab.len(), 8, 0), &vocab, "分开")?;
    /// assert!(r.check_units(&[0, 7]).is_ok());
    /// let err = r.check_units(&[3, 8]).unwrap_err().to_string();
    /// assert_eq!(err, "invalid unit = 8: the model has 8 hidden units, numbered 0 to 7");
    /// # Ok::<(), d2l_rnn::Error>(())
    /// ```
    pub fn check_units(&self, units: &[usize]) -> Result<()> {
        let n = self.num_units();
        match units.iter().find(|&&j| j >= n) {
            None => Ok(()),
            Some(j) => Err(Error::InvalidArgument {
                name: "unit",
                value: j.to_string(),
                hint: format!(
                    "the model has {n} hidden units, numbered 0 to {}",
                    n.saturating_sub(1)
                ),
            }),
        }
    }
}
