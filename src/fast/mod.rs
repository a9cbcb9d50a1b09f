//! The from-scratch models on the one recurrence engine, and the engine's
//! two-core pipeline.
//!
//! What a student reads is [`crate::scratch`]: the book's formulas written
//! plainly on ndarray. Training runs the same parameters as a
//! [`FastModel`]: the step is the concise layers' cell ([`crate::nn::RnnCell`],
//! [`crate::nn::GruCell`] with the book's reset gate, [`crate::nn::LstmCell`])
//! and the walk through time is theirs (`src/nn/engine/`), so every
//! trainable model walks time through one implementation. Only the weight
//! layout differs, and an adapter bridges it: the book's \\(W_x\\) `(V, H)` is
//! the table the engine gathers one-hot rows from, \\(W_h^\top\\) and the one
//! bias fill PyTorch's places, and the weight gradients are summed in the
//! book's orientation while the walk back goes on. The numbers are the
//! readable models' (a test compares every logit and gradient in f64), 3 to
//! 10 times faster, because the engine
//!
//! - gathers rows of \\(W_x\\) instead of multiplying by one-hot matrices,
//!   and keeps every buffer between calls (nothing is allocated per step);
//! - stacks all hidden states and multiplies them by \\(W_{hq}\\) in one
//!   product, forwards and backwards;
//! - shares a mini-batch between two cores (`engine.rs`): one core walks
//!   through time while both compute the output layer of the steps already
//!   done, and back again; a free core takes half of a step's sequences;
//!   clipping and the optimisers run in blocks on both cores;
//! - computes \\(e^x\\), \\(\tanh\\) and \\(\sigma\\) as polynomials compiled
//!   for AVX-512 or AVX2 and multiplies with `gemm`'s kernels.
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
pub use fast_model::{BookState, FastLayout, FastModel};
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
