//! Writing text with a trained model: the section's `predict_rnn` (greedy),
//! and [`predict_with`], which samples the next character with a
//! [`Sampler`] (temperature, top-k, seed).

use crate::data::Vocab;
use crate::error::{Error, Result};
use crate::fast::FastReal;
use crate::model::RecurrentModelExt;
use ndarray::{Array2, ArrayView1};
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::{Rng, SeedableRng};

/// The section's `predict_rnn`: feeds `prefix` through `model` one character
/// at a time from a zero state, then appends `num_chars` characters, each the
/// most likely next one (greedy) given everything before it.
///
/// Works with any [`crate::model::RecurrentModel`]; the section passes `rnn`, `params` and
/// `init_rnn_state` separately, here the model carries them. Errors name an
/// empty prefix or a prefix character missing from `vocab`. The same as
/// [`predict_with`] with `Sampler::default()`.
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
pub fn predict_rnn<M: RecurrentModelExt>(
    prefix: &str,
    num_chars: usize,
    model: &mut M,
    vocab: &Vocab,
) -> Result<String>
where
    M::Elem: FastReal,
{
    predict_with(prefix, num_chars, model, vocab, &Sampler::default())
}

/// How the next character is chosen from the model's logits \\(o\\):
/// drawn from \\(\mathrm{softmax}(o / T)\\) over the `top_k` largest logits,
/// with a generator seeded by `seed`.
///
/// The temperature \\(T\\) divides the logits before the softmax. Below 1 it
/// sharpens the distribution toward the most likely character (as \\(T \to 0\\)
/// sampling becomes greedy: \\(T \le 10^{-6}\\), 0 included, *is* greedy);
/// above 1 it flattens it toward uniform, so the text gets more varied and
/// less like the lyrics. `top_k = Some(k)` first discards all but the `k`
/// largest logits (`Some(1)` is greedy again); `None` keeps them all.
///
/// `Default` is greedy (temperature 0, no top-k, seed 0): the book's
/// `predict_rnn`. A negative, NaN or infinite temperature, or `top_k = Some(0)`,
/// is an [`Error::InvalidArgument`] ([`Sampler::validate`]).
///
/// ```
/// use d2l_rnn::predict::Sampler;
/// let greedy = Sampler::default();
/// assert!(greedy.is_greedy());
/// let warm = Sampler { temperature: 0.8, top_k: Some(5), seed: 42 };
/// assert!(!warm.is_greedy() && warm.validate().is_ok());
/// assert!(Sampler { temperature: -1.0, ..Sampler::default() }.validate().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sampler {
    /// \\(T \ge 0\\): divides the logits. 0 (or at most `1e-6`) is greedy, 1 the
    /// model's own distribution, above 1 flatter.
    pub temperature: f64,
    /// Keep only the `k` largest logits before sampling; `None` keeps all.
    pub top_k: Option<usize>,
    /// Seed of the generator: the same seed writes the same text.
    pub seed: u64,
}

impl Default for Sampler {
    /// Greedy: temperature 0, no top-k, seed 0.
    fn default() -> Self {
        Sampler {
            temperature: 0.0,
            top_k: None,
            seed: 0,
        }
    }
}

impl Sampler {
    /// Temperatures at or below this are greedy.
    ///
    /// ```
    /// use d2l_rnn::predict::Sampler;
    /// assert!(Sampler { temperature: Sampler::GREEDY_BELOW, ..Default::default() }.is_greedy());
    /// ```
    pub const GREEDY_BELOW: f64 = 1e-6;

    /// Checks the settings, naming the bad one and what to use instead.
    ///
    /// ```
    /// use d2l_rnn::predict::Sampler;
    /// let err = Sampler { temperature: f64::NAN, ..Default::default() }.validate().unwrap_err();
    /// assert_eq!(err.to_string(), "invalid temperature = NaN: use a finite number >= 0 \
    ///     (0 is greedy, 1 samples the model's distribution, above 1 is more random)");
    /// let err = Sampler { top_k: Some(0), ..Default::default() }.validate().unwrap_err();
    /// assert!(err.to_string().starts_with("invalid top_k = 0: "));
    /// ```
    pub fn validate(&self) -> Result<()> {
        let t = self.temperature;
        if !(t.is_finite() && t >= 0.0) {
            return Err(Error::InvalidArgument {
                name: "temperature",
                value: t.to_string(),
                hint: "use a finite number >= 0 (0 is greedy, 1 samples the model's \
                       distribution, above 1 is more random)"
                    .into(),
            });
        }
        if self.top_k == Some(0) {
            return Err(Error::InvalidArgument {
                name: "top_k",
                value: "0".into(),
                hint: "use at least 1 (1 is greedy), or None to keep every character".into(),
            });
        }
        Ok(())
    }

    /// True when this sampler always picks the largest logit: temperature at
    /// most [`Sampler::GREEDY_BELOW`], or `top_k = Some(1)`.
    ///
    /// ```
    /// use d2l_rnn::predict::Sampler;
    /// assert!(Sampler { temperature: 1e-7, ..Default::default() }.is_greedy());
    /// assert!(Sampler { temperature: 2.0, top_k: Some(1), seed: 0 }.is_greedy());
    /// assert!(!Sampler { temperature: 1.0, ..Default::default() }.is_greedy());
    /// ```
    pub fn is_greedy(&self) -> bool {
        self.temperature <= Self::GREEDY_BELOW || self.top_k == Some(1)
    }
}

/// Picks the index of the next character from one row of logits \\(o\\)
/// `(vocab_size,)`: [`argmax`] when `sampler` is greedy, else a draw from
/// \\(p_i \propto \exp((o_i - \max_j o_j) / T)\\) over the `top_k` largest
/// logits (ties kept in index order), zero for the others.
///
/// Uses `rng` for the draw (one uniform number); a greedy sampler leaves it
/// untouched. Errors as [`Sampler::validate`].
///
/// ```
/// use d2l_rnn::predict::{sample_index, Sampler};
/// use ndarray::array;
/// use ndarray_rand::rand::{rngs::StdRng, SeedableRng};
/// let logits = array![0.0f32, 3.0, 1.0];
/// let mut rng = StdRng::seed_from_u64(0);
/// assert_eq!(sample_index(logits.view(), &Sampler::default(), &mut rng)?, 1); // greedy
/// let top2 = Sampler { temperature: 1.0, top_k: Some(2), seed: 0 };
/// for _ in 0..100 {
///     assert_ne!(sample_index(logits.view(), &top2, &mut rng)?, 0); // index 0 is outside the top 2
/// }
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn sample_index<A: FastReal, R: Rng + ?Sized>(
    logits: ArrayView1<'_, A>,
    sampler: &Sampler,
    rng: &mut R,
) -> Result<usize> {
    sampler.validate()?;
    if sampler.is_greedy() || logits.len() <= 1 {
        return Ok(argmax(logits));
    }
    let values: Vec<f64> = logits
        .iter()
        .map(|v| v.to_f64().unwrap_or(f64::NAN))
        .collect();
    // Candidates: every index, or the k largest (a stable sort keeps ties in index order).
    let mut candidates: Vec<usize> = (0..values.len()).collect();
    if let Some(k) = sampler.top_k.filter(|&k| k < values.len()) {
        candidates.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
        candidates.truncate(k);
    }
    let max = candidates
        .iter()
        .map(|&i| values[i])
        .fold(f64::NEG_INFINITY, f64::max);
    let weights: Vec<f64> = candidates
        .iter()
        .map(|&i| ((values[i] - max) / sampler.temperature).exp())
        .collect();
    let total: f64 = weights.iter().sum();
    if !(total.is_finite() && total > 0.0) {
        return Ok(argmax(logits)); // NaN or infinite logits: fall back to greedy
    }
    let mut u = rng.random::<f64>() * total;
    for (&i, &w) in candidates.iter().zip(&weights) {
        if u < w {
            return Ok(i);
        }
        u -= w;
    }
    // Rounding can leave u just above the last weight: take the last candidate with weight.
    let last = candidates
        .iter()
        .zip(&weights)
        .rev()
        .find(|(_, &w)| w > 0.0);
    Ok(last.map_or(candidates[0], |(&i, _)| i))
}

/// [`predict_rnn`] with the next character drawn by `sampler` instead of
/// always the most likely one: feeds `prefix` from a zero state, then appends
/// `num_chars` characters, each drawn with [`sample_index`] from the model's
/// logits, with a generator seeded by `sampler.seed` (so the same seed writes
/// the same text).
///
/// Lower temperatures repeat the training text, higher ones invent more (and
/// misspell more). Errors: the sampler's settings ([`Sampler::validate`],
/// checked first), an empty prefix, or a prefix character missing from `vocab`.
///
/// ```
/// use d2l_rnn::data::Vocab;
/// use d2l_rnn::predict::{predict_rnn, predict_with, Sampler};
/// use d2l_rnn::scratch::{get_params, RnnScratch};
/// let vocab = Vocab::from_text("分开不了");
/// let mut model = RnnScratch::new(get_params(vocab.len(), 8, 0));
/// let hot = Sampler { temperature: 1.5, top_k: None, seed: 7 };
/// let a = predict_with("分开", 20, &mut model, &vocab, &hot)?;
/// assert_eq!(a.chars().count(), 22);
/// assert_eq!(a, predict_with("分开", 20, &mut model, &vocab, &hot)?); // same seed, same text
/// assert_eq!(predict_with("分开", 20, &mut model, &vocab, &Sampler::default())?,
///            predict_rnn("分开", 20, &mut model, &vocab)?);          // default = greedy
/// let bad = Sampler { temperature: -0.5, ..Sampler::default() };
/// assert!(predict_with("分开", 20, &mut model, &vocab, &bad).unwrap_err().to_string().contains("temperature = -0.5"));
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn predict_with<M: RecurrentModelExt>(
    prefix: &str,
    num_chars: usize,
    model: &mut M,
    vocab: &Vocab,
    sampler: &Sampler,
) -> Result<String>
where
    M::Elem: FastReal,
{
    let mut text = String::with_capacity(prefix.len() + num_chars.min(1 << 20) * 3);
    predict_streaming(prefix, num_chars, model, vocab, sampler, |c| {
        text.push(c);
        Ok(())
    })?;
    Ok(text)
}

/// [`predict_with`] handing each character to `emit` as soon as it is
/// chosen (the prefix's first), keeping nothing: memory stays the same
/// however long the text, and a caller can print as it goes or stop early
/// by returning an error, which is passed on.
///
/// ```
/// use d2l_rnn::data::Vocab;
/// use d2l_rnn::predict::{predict_streaming, predict_with, Sampler};
/// use d2l_rnn::scratch::{get_params, RnnScratch};
/// let vocab = Vocab::from_text("分开不了");
/// let mut model = RnnScratch::new(get_params(vocab.len(), 8, 0));
/// let mut streamed = String::new();
/// predict_streaming("分开", 20, &mut model, &vocab, &Sampler::default(), |c| {
///     streamed.push(c);
///     Ok(())
/// })?;
/// assert_eq!(streamed, predict_with("分开", 20, &mut model, &vocab, &Sampler::default())?);
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn predict_streaming<M: RecurrentModelExt>(
    prefix: &str,
    num_chars: usize,
    model: &mut M,
    vocab: &Vocab,
    sampler: &Sampler,
    mut emit: impl FnMut(char) -> Result<()>,
) -> Result<()>
where
    M::Elem: FastReal,
{
    sampler.validate()?;
    let head = vocab.encode(prefix)?;
    let Some(&last) = head.last() else {
        return Err(Error::EmptyPrefix);
    };
    for c in prefix.chars() {
        emit(c)?;
    }
    if num_chars == 0 {
        return Ok(());
    }
    let mut rng = StdRng::seed_from_u64(sampler.seed);
    let mut state = model.begin_state(1);
    // All but the prefix's last character only move the state on: their
    // predictions would be thrown away, so the output layer is skipped.
    if head.len() > 1 {
        let walk = Array2::from_shape_fn((1, head.len() - 1), |(_, t)| head[t]);
        model.advance(walk.view(), &mut state);
    }
    let mut x = Array2::from_elem((1, 1), last);
    for _ in 0..num_chars {
        let logits = model.forward(x.view(), &mut state);
        let next = sample_index(logits.row(0), sampler, &mut rng)?;
        x[[0, 0]] = next;
        emit(vocab.char_at(next))?;
    }
    Ok(())
}

/// Index of the largest element (the first one on ties; 0 for an empty row).
///
/// ```
/// assert_eq!(d2l_rnn::predict::argmax(ndarray::array![0.1f32, 0.7, 0.7].view()), 1);
/// ```
pub fn argmax<A: PartialOrd + Copy>(row: ArrayView1<'_, A>) -> usize {
    let mut items = row.iter().enumerate();
    let Some((_, &first)) = items.next() else {
        return 0;
    };
    let (mut best, mut best_value) = (0, first);
    for (i, &v) in items {
        if v > best_value {
            (best, best_value) = (i, v);
        }
    }
    best
}
