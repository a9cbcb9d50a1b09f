//! The scalar types the crate computes in, as traits: a leaf module that
//! imports nothing from the crate.
//!
//! [`Real`] gathers what every model needs from `f32` and `f64`. Two of its
//! parts are kernels of the fast engine, declared here and implemented
//! beside their code: [`Exp`] in [`crate::fast::math`] and [`Gemm`] in
//! [`crate::fast::linalg`].

use ndarray::{LinalgScalar, ScalarOperand};
use std::fmt::Debug;

/// \\(e^x\\), \\(\tanh x\\) and \\(\sigma(x)\\) as the fast engine computes
/// them: polynomials for `f32`, the standard library's functions for `f64`
/// (see [`crate::fast::math`]).
///
/// ```
/// use d2l_rnn::real::Exp;
/// assert_eq!(0.5f64.tanh_fast(), 0.5f64.tanh());
/// assert!((0.0f32.sigmoid_fast() - 0.5).abs() < 1e-7);
/// ```
pub trait Exp: Copy {
    /// \\(e^x\\); NaN stays NaN.
    fn exp_fast(self) -> Self;
    /// \\(\tanh x\\); NaN stays NaN.
    fn tanh_fast(self) -> Self;
    /// The logistic function \\(\sigma(x) = 1 / (1 + e^{-x})\\).
    fn sigmoid_fast(self) -> Self;
}

/// Whether a matrix product may use several threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threads {
    /// Split large products across the thread pool (gemm decides by size).
    Pool,
    /// Stay on the calling thread: for small products, or when the caller
    /// already runs other work in parallel.
    One,
}

/// How a scalar type multiplies matrices: raw `gemm` calls for `f32`/`f64`
/// (see [`crate::fast::linalg::matmul`]).
pub trait Gemm: Sized {
    /// `c = alpha * a b + beta * c` over raw parts.
    ///
    /// # Safety
    /// Pointers and strides must describe valid, non-overlapping `(m, k)`,
    /// `(k, n)` and `(m, n)` matrices, `c` writable.
    #[allow(clippy::too_many_arguments)]
    unsafe fn gemm_raw(
        m: usize,
        n: usize,
        k: usize,
        alpha: Self,
        a: (*const Self, isize, isize),
        b: (*const Self, isize, isize),
        beta: Self,
        c: (*mut Self, isize, isize),
        threads: Threads,
    );
}

/// The floating point types the models run in: `f32` for training, `f64`
/// for gradient checks.
///
/// ```
/// fn zero<A: d2l_rnn::real::Real>() -> A { A::zero() }
/// assert_eq!(zero::<f32>(), 0.0);
/// ```
pub trait Real:
    LinalgScalar
    + ScalarOperand
    + num_traits::Float
    + num_traits::FromPrimitive
    + std::ops::AddAssign
    + std::ops::SubAssign
    + std::ops::MulAssign
    + std::iter::Sum
    + Gemm
    + Exp
    + Debug
    + Default
    + Send
    + Sync
    + 'static
{
}

impl Real for f32 {}
impl Real for f64 {}
