//! The kernels the engine is built from, private to the crate: matrix
//! products on `gemm`'s kernels ([`linalg`], [`gemm`]), vectorised
//! \\(e^x\\), \\(\tanh\\), \\(\sigma\\) ([`math`]), loops over rows ([`rows`]),
//! transposes ([`transpose`]), the clipping and optimiser passes
//! ([`update`]), and how two cores share a step ([`pipeline`], [`halves`]).
//!
//! The folder is private to the crate (`pub(crate) mod kernels` in
//! [`crate::fast`]); the benchmarks that time a kernel alone see it through the
//! `bench-internals` feature. Each kernel has unit tests beside its code; the
//! models built on them are checked against the readable models by the
//! integration tests.

pub mod gemm;
pub mod halves;
pub mod linalg;
pub mod math;
pub mod pipeline;
pub mod rows;
#[cfg(test)]
mod tests;
pub mod transpose;
pub mod update;
