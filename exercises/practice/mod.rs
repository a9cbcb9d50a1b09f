//! Your answers, one file per chapter of the book, in its order. Replace each `todo!()` and
//! run `cargo run -p exercises` (or `cargo run -p exercises -- NAME` for one exercise).
//! Worked answers are in `exercises/solutions/`: try first, then compare.

// A stub does not use its arguments yet.
#![allow(unused_variables)]

pub mod bptt;
pub mod clipping_perplexity;
pub mod data_onehot;
pub mod gru;
pub mod lstm;
pub mod rnn_scratch;
pub mod sampling;
pub mod training;
