//! Data: the lyrics corpus, the character vocabulary and mini-batch sampling.
//!
//! | Section (PyTorch)                               | Here                                   |
//! |-------------------------------------------------|----------------------------------------|
//! | `d2l.load_data_jay_lyrics()`                    | [`load_data_jay_lyrics`] → [`Corpus`]  |
//! | `idx_to_char`, `char_to_idx`, `vocab_size`      | [`Vocab`], [`Corpus::vocab_size`]      |
//! | `.replace('\n', ' ').replace('\r', ' ')[:10000]`| [`preprocess`]                         |
//! | `d2l.data_iter_random(...)`                     | [`data_iter_random`]                   |
//! | `d2l.data_iter_consecutive(...)`                | [`data_iter_consecutive`]              |
//!
//! Differences from the book: the vocabulary is in order of first appearance
//! (deterministic) instead of `list(set(...))`; the archive is found in a few
//! places or downloaded, and checked against [`LYRICS_SHA256`]; iterators are owned
//! values that know their length ([`DataIter`]).
//!
//! ```
//! use d2l_rnn::data::{data_iter_consecutive, load_data_jay_lyrics};
//! let corpus = load_data_jay_lyrics()?;
//! assert_eq!((corpus.corpus_indices.len(), corpus.vocab_size()), (10_000, 1027));
//! let (x, y) = data_iter_consecutive(&corpus.corpus_indices, 32, 35)?.next().unwrap();
//! assert_eq!((x.dim(), y.dim()), ((32, 35), (32, 35)));
//! assert_eq!(x[[0, 1]], y[[0, 0]]);
//! # Ok::<(), d2l_rnn::Error>(())
//! ```

mod corpus;
mod fetch;
mod sampling;
mod vocab;

pub use corpus::{
    load_corpus, load_data_jay_lyrics, preprocess, read_text, text_from_bytes, Corpus,
    MAX_MEMBER_BYTES,
};
pub use fetch::{
    data_dir, download, find_or_fetch_lyrics, sha256_hex, LYRICS_CHARS, LYRICS_MEMBER,
    LYRICS_SHA256, LYRICS_URL, LYRICS_ZIP,
};
pub use sampling::{
    data_iter, data_iter_consecutive, data_iter_random, epoch_size, Batch, DataIter, Sampling,
};
pub use vocab::Vocab;
