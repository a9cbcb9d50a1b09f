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
//! - share a mini-batch between two cores through the one engine that
//!   every trainable model (these three and the concise `RNNModel`) runs
//!   through (`engine.rs`): one core walks through time while both compute
//!   the output layer of the steps already done, and back again; a free core
//!   takes half of a step's sequences; clipping and the optimisers run in
//!   blocks on both cores;
//! - compute \\(e^x\\), \\(\tanh\\) and \\(\sigma\\) as polynomials compiled
//!   for AVX-512 or AVX2 and multiply with `gemm`'s kernels.
//!
//! The engine and its kernels (`kernels/`: products, transposes, row loops,
//! vectorised math, update passes, the two cores' synchronisation) are
//! private to the crate; what is public here are the models and
//! [`FastReal`], the scalar types they compute in.
//!
//! | readable ([`crate::scratch`]) | fast (here) |
//! |---|---|
//! | [`crate::scratch::RnnScratch`] | [`RnnFast`] |
//! | [`crate::scratch::GruScratch`] | [`GruFast`] |
//! | [`crate::scratch::LstmScratch`] | [`LstmFast`] |
//!
//! Both kinds share the parameter types ([`crate::scratch::RnnParams`], …),
//! so checkpoints and optimisers do not care which one trained.

pub(crate) mod engine;
#[cfg(test)]
mod engine_tests;
mod fast_model;
mod gru;
#[cfg(not(feature = "bench-internals"))]
pub(crate) mod kernels;
#[cfg(feature = "bench-internals")]
#[doc(hidden)]
pub mod kernels;
mod lstm;
pub(crate) mod output;
mod rnn;

use crate::real::Real;
pub use fast_model::{FastLayout, FastModel};
pub use gru::GruFast;
pub use lstm::LstmFast;
pub use rnn::RnnFast;

/// The scalar types the engine and the training loop compute in, `f32` and
/// `f64`: [`Real`]'s arithmetic with the engine's kernels (matrix products,
/// vectorised \(e^x\), \(\tanh\), \(\sigma\)), which stay inside the crate.
///
/// ```
/// fn trains_in<A: d2l_rnn::fast::FastReal>() -> usize { std::mem::size_of::<A>() }
/// assert_eq!((trains_in::<f32>(), trains_in::<f64>()), (4, 8));
/// ```
pub trait FastReal: Real + kernels::linalg::Gemm + kernels::math::Exp {}

impl FastReal for f32 {}
impl FastReal for f64 {}
