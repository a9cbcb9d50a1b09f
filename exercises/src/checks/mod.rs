//! One module per group of chapters.

pub mod clipping;
pub mod data;
pub mod gated;
pub mod rnn;
