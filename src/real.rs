//! The scalar type the readable code computes in: a leaf module that
//! imports nothing from the crate.
//!
//! [`Real`] asks only for arithmetic, what the book's formulas need from
//! `f32` and `f64`; the fast engine adds its kernels on top of it
//! ([`crate::fast::FastReal`]).

use ndarray::{LinalgScalar, ScalarOperand};
use std::fmt::Debug;

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
    + Debug
    + Default
    + Send
    + Sync
    + 'static
{
}

impl Real for f32 {}
impl Real for f64 {}
