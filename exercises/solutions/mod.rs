//! Worked answers, one file per chapter: `cargo run -p exercises -- --solutions` checks them.

pub mod bptt;
pub mod clipping_perplexity;
pub mod data_onehot;
pub mod gru;
pub mod lstm;
pub mod rnn_scratch;
pub mod sampling;
pub mod training;
