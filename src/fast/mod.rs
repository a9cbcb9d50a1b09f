//! The fast engines: the from-scratch models' twins that training uses.
//!
//! What a student reads is [`crate::scratch`]: the book's formulas written
//! plainly on ndarray. The models here compute the same numbers (a test
//! compares every logit and gradient with the readable models' in f64) and
//! are 3 to 10 times faster, because they
//!
//! - gather rows of \\(W_{xh}\\) instead of multiplying by one-hot matrices,
//!   and keep every buffer between calls (nothing is allocated per step);
//! - stack all hidden states and multiply them by \\(W_{hq}\\) in one
//!   product, forwards and backwards;
//! - share a mini-batch between two cores through the one [`engine`] that
//!   every trainable model (these three and the concise `RNNModel`) runs
//!   through: one core walks through time while both compute the output
//!   layer ([`output`]) of the steps already done, and back again; a free core takes half
//!   of a step's sequences ([`halves`]); clipping and the optimisers run in
//!   blocks on both cores ([`update`]);
//! - compute \\(e^x\\), \\(\tanh\\) and \\(\sigma\\) as polynomials compiled
//!   for AVX-512 or AVX2 ([`math`]) and multiply with tuned kernels ([`linalg`]).
//!
//! | readable ([`crate::scratch`]) | fast (here) |
//! |---|---|
//! | [`crate::scratch::RnnScratch`] | [`RnnFast`] |
//! | [`crate::scratch::GruScratch`] | [`GruFast`] |
//! | [`crate::scratch::LstmScratch`] | [`LstmFast`] |
//!
//! Both kinds share the parameter types ([`crate::scratch::RnnParams`], …),
//! so checkpoints and optimisers do not care which one trained.

pub mod engine;
mod gemm;
mod gru;
mod gru_steps;
pub mod halves;
pub mod linalg;
mod lstm;
mod lstm_steps;
pub mod math;
pub mod output;
pub mod pipeline;
mod rnn;
pub mod rows;
pub mod transpose;
pub mod update;

pub use gru::GruFast;
pub use lstm::LstmFast;
pub use rnn::RnnFast;
