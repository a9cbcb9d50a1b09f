//! Mini-batches of time-series: random and consecutive sampling.
//!
//! Both iterators yield [`Batch`]es `(X, Y)` of shape `(batch_size, num_steps)`
//! where `Y[r][t]` is the character after `X[r][t]` in the corpus.

use std::iter::FusedIterator;

use ndarray::{s, Array2};
use ndarray_rand::rand::{seq::SliceRandom, Rng};
use serde::{Deserialize, Serialize};

use crate::error::{positive, Error, Result};

/// How mini-batches are cut from the corpus.
///
/// Parses from and prints as `"random"` / `"consecutive"` (also its serde form).
///
/// ```
/// use d2l_rnn::data::Sampling;
/// assert_eq!("consecutive".parse::<Sampling>()?, Sampling::Consecutive);
/// assert_eq!(Sampling::Random.to_string(), "random");
/// assert!("shuffled".parse::<Sampling>().is_err());
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sampling {
    /// Examples start at shuffled multiples of `num_steps`; neighbouring batches
    /// are unrelated, so the hidden state is reset for every batch
    /// ([`data_iter_random`]).
    Random,
    /// Row `r` of batch `i + 1` continues row `r` of batch `i` in the corpus, so the
    /// hidden state is carried (and detached) between batches
    /// ([`data_iter_consecutive`]).
    Consecutive,
}

crate::error::named_choices!(Sampling, "sampling", {
    Sampling::Random => "random",
    Sampling::Consecutive => "consecutive",
});

/// One mini-batch `(X, Y)`, each of shape `(batch_size, num_steps)`:
/// `X[[r, t]]` is a corpus index and `Y[[r, t]]` is the index that follows it.
///
/// ```
/// let (x, y): d2l_rnn::data::Batch = d2l_rnn::data::data_iter_consecutive(&[5, 6, 7, 8], 2, 1)?
///     .next()
///     .unwrap();
/// assert_eq!((x, y), (ndarray::array![[5], [7]], ndarray::array![[6], [8]]));
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub type Batch = (Array2<usize>, Array2<usize>);

/// Number of batches one epoch yields for a corpus of `corpus_len` indices
/// (0 if `batch_size` or `num_steps` is 0):
///
/// - random: `((corpus_len - 1) / num_steps) / batch_size`;
/// - consecutive: `(corpus_len / batch_size - 1) / num_steps`;
///
/// with integer division and `0 - 1` taken as 0.
///
/// ```
/// use d2l_rnn::data::{epoch_size, Sampling};
/// assert_eq!(epoch_size(Sampling::Random, 10_000, 32, 35), 8);
/// assert_eq!(epoch_size(Sampling::Consecutive, 10_000, 32, 35), 8);
/// assert_eq!(epoch_size(Sampling::Random, 30, 2, 6), 2);
/// ```
pub fn epoch_size(
    sampling: Sampling,
    corpus_len: usize,
    batch_size: usize,
    num_steps: usize,
) -> usize {
    if batch_size == 0 || num_steps == 0 {
        return 0;
    }
    match sampling {
        Sampling::Random => corpus_len.saturating_sub(1) / num_steps / batch_size,
        Sampling::Consecutive => (corpus_len / batch_size).saturating_sub(1) / num_steps,
    }
}

/// Checks the arguments and returns the epoch size, or the error the iterators give.
fn check(
    sampling: Sampling,
    corpus_len: usize,
    batch_size: usize,
    num_steps: usize,
) -> Result<usize> {
    positive("batch_size", batch_size)?;
    positive("num_steps", num_steps)?;
    let n = epoch_size(sampling, corpus_len, batch_size, num_steps);
    if n > 0 {
        return Ok(n);
    }
    let needed = match sampling {
        Sampling::Random => batch_size.saturating_mul(num_steps).saturating_add(1),
        Sampling::Consecutive => batch_size.saturating_mul(num_steps.saturating_add(1)),
    };
    Err(Error::CorpusTooShort {
        len: corpus_len,
        needed,
        settings: format!("batch_size {batch_size}, num_steps {num_steps}, {sampling} sampling"),
    })
}

#[derive(Clone, Debug)]
enum Source {
    /// The corpus and the shuffled example starts (`j * num_steps`).
    Random {
        corpus: Vec<usize>,
        starts: Vec<usize>,
    },
    /// The corpus cut into `batch_size` rows of `batch_len`.
    Consecutive { rows: Array2<usize> },
}

/// An owned iterator over the [`Batch`]es of one epoch (no borrowed corpus, so it
/// can live in a notebook variable). Its length is [`epoch_size`]; build it with
/// [`data_iter_random`], [`data_iter_consecutive`] or [`data_iter`].
///
/// ```
/// let it = d2l_rnn::data::data_iter_consecutive(&(0..30).collect::<Vec<_>>(), 2, 6)?;
/// assert_eq!((it.len(), it.batch_size(), it.num_steps()), (2, 2, 6));
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct DataIter {
    source: Source,
    batch_size: usize,
    num_steps: usize,
    epoch_size: usize,
    next: usize,
}

impl DataIter {
    /// Rows per batch.
    ///
    /// ```
    /// let it = d2l_rnn::data::data_iter_consecutive(&[0; 100], 4, 5)?;
    /// assert_eq!(it.batch_size(), 4);
    /// # Ok::<(), d2l_rnn::Error>(())
    /// ```
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Time steps (columns) per batch.
    ///
    /// ```
    /// let it = d2l_rnn::data::data_iter_consecutive(&[0; 100], 4, 5)?;
    /// assert_eq!(it.num_steps(), 5);
    /// # Ok::<(), d2l_rnn::Error>(())
    /// ```
    pub fn num_steps(&self) -> usize {
        self.num_steps
    }

    /// The sampling mode that built this iterator.
    ///
    /// ```
    /// use d2l_rnn::data::{data_iter_consecutive, Sampling};
    /// assert_eq!(data_iter_consecutive(&[0; 100], 4, 5)?.sampling(), Sampling::Consecutive);
    /// # Ok::<(), d2l_rnn::Error>(())
    /// ```
    pub fn sampling(&self) -> Sampling {
        match self.source {
            Source::Random { .. } => Sampling::Random,
            Source::Consecutive { .. } => Sampling::Consecutive,
        }
    }
}

impl Iterator for DataIter {
    type Item = Batch;

    fn next(&mut self) -> Option<Batch> {
        if self.next >= self.epoch_size {
            return None;
        }
        let i = self.next;
        self.next += 1;
        let (b, n) = (self.batch_size, self.num_steps);
        Some(match &self.source {
            Source::Random { corpus, starts } => {
                let batch = &starts[i * b..(i + 1) * b];
                let x = Array2::from_shape_fn((b, n), |(r, t)| corpus[batch[r] + t]); // [batch, steps]
                let y = Array2::from_shape_fn((b, n), |(r, t)| corpus[batch[r] + t + 1]); // [batch, steps]
                (x, y)
            }
            Source::Consecutive { rows } => {
                let c = i * n;
                let x = rows.slice(s![.., c..c + n]).to_owned(); // [batch, steps]
                let y = rows.slice(s![.., c + 1..c + n + 1]).to_owned(); // [batch, steps]
                (x, y)
            }
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.epoch_size - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for DataIter {}
impl FusedIterator for DataIter {}

/// Random sampling, the section's `data_iter_random`.
///
/// With `num_examples = (len - 1) / num_steps` and
/// `epoch_size = num_examples / batch_size`, the example starts
/// `j * num_steps` (`j` in `0..num_examples`) are shuffled with `rng`; batch `i`
/// takes shuffled examples `i*batch_size .. (i+1)*batch_size`, and an example
/// starting at `p` gives the row `X = corpus[p..p+num_steps]`,
/// `Y = corpus[p+1..p+num_steps+1]`. Each example is used at most once per epoch.
///
/// Errors: [`Error::InvalidArgument`] if `batch_size` or `num_steps` is 0;
/// [`Error::CorpusTooShort`] (needing `batch_size * num_steps + 1`) if
/// `epoch_size` would be 0.
///
/// ```
/// use d2l_rnn::data::data_iter_random;
/// use ndarray_rand::rand::{rngs::StdRng, SeedableRng};
/// let my_seq: Vec<usize> = (0..30).collect();
/// let mut rng = StdRng::seed_from_u64(0);
/// let mut starts = vec![];
/// for (x, y) in data_iter_random(&my_seq, 2, 6, &mut rng)? {
///     assert_eq!(x.dim(), (2, 6));
///     assert_eq!(y, &x + 1); // for 0..30, the next character is x + 1
///     starts.extend(x.column(0).iter().copied());
/// }
/// starts.sort();
/// assert_eq!(starts, vec![0, 6, 12, 18]);
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn data_iter_random<R: Rng + ?Sized>(
    corpus_indices: &[usize],
    batch_size: usize,
    num_steps: usize,
    rng: &mut R,
) -> Result<DataIter> {
    let epoch_size = check(
        Sampling::Random,
        corpus_indices.len(),
        batch_size,
        num_steps,
    )?;
    let num_examples = (corpus_indices.len() - 1) / num_steps;
    let mut starts: Vec<usize> = (0..num_examples).map(|j| j * num_steps).collect();
    starts.shuffle(rng);
    Ok(DataIter {
        source: Source::Random {
            corpus: corpus_indices.to_vec(),
            starts,
        },
        batch_size,
        num_steps,
        epoch_size,
        next: 0,
    })
}

/// Consecutive sampling, the section's `data_iter_consecutive`.
///
/// With `batch_len = len / batch_size`, `corpus[..batch_size * batch_len]` is laid
/// out as a `(batch_size, batch_len)` matrix, row after row;
/// `epoch_size = (batch_len - 1) / num_steps`, and batch `i` is columns
/// `i*num_steps .. i*num_steps + num_steps` for `X` and the same shifted by one for
/// `Y`. Row `r` of one batch continues row `r` of the previous batch.
///
/// Errors: [`Error::InvalidArgument`] if `batch_size` or `num_steps` is 0;
/// [`Error::CorpusTooShort`] (needing `batch_size * (num_steps + 1)`) if
/// `epoch_size` would be 0.
///
/// ```
/// use d2l_rnn::data::data_iter_consecutive;
/// use ndarray::array;
/// let my_seq: Vec<usize> = (0..30).collect();
/// let batches: Vec<_> = data_iter_consecutive(&my_seq, 2, 6)?.collect();
/// assert_eq!(batches.len(), 2);
/// assert_eq!(batches[0].0, array![[0, 1, 2, 3, 4, 5], [15, 16, 17, 18, 19, 20]]);
/// assert_eq!(batches[0].1, array![[1, 2, 3, 4, 5, 6], [16, 17, 18, 19, 20, 21]]);
/// assert_eq!(batches[1].0, array![[6, 7, 8, 9, 10, 11], [21, 22, 23, 24, 25, 26]]);
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn data_iter_consecutive(
    corpus_indices: &[usize],
    batch_size: usize,
    num_steps: usize,
) -> Result<DataIter> {
    let epoch_size = check(
        Sampling::Consecutive,
        corpus_indices.len(),
        batch_size,
        num_steps,
    )?;
    let batch_len = corpus_indices.len() / batch_size;
    let rows = Array2::from_shape_fn((batch_size, batch_len), |(r, c)| {
        corpus_indices[r * batch_len + c]
    }); // [batch, batch_len]
    Ok(DataIter {
        source: Source::Consecutive { rows },
        batch_size,
        num_steps,
        epoch_size,
        next: 0,
    })
}

/// Dispatches to [`data_iter_random`] (using `rng`) or [`data_iter_consecutive`]
/// (ignoring `rng`).
///
/// ```
/// use d2l_rnn::data::{data_iter, Sampling};
/// use ndarray_rand::rand::{rngs::StdRng, SeedableRng};
/// let corpus = d2l_rnn::data::load_data_jay_lyrics()?;
/// let mut rng = StdRng::seed_from_u64(42);
/// for sampling in [Sampling::Random, Sampling::Consecutive] {
///     let it = data_iter(sampling, &corpus.corpus_indices, 32, 35, &mut rng)?;
///     assert_eq!(it.len(), 8);
/// }
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn data_iter<R: Rng + ?Sized>(
    sampling: Sampling,
    corpus_indices: &[usize],
    batch_size: usize,
    num_steps: usize,
    rng: &mut R,
) -> Result<DataIter> {
    match sampling {
        Sampling::Random => data_iter_random(corpus_indices, batch_size, num_steps, rng),
        Sampling::Consecutive => data_iter_consecutive(corpus_indices, batch_size, num_steps),
    }
}
