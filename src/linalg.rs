//! The matrix products every model uses, in one place, so the backend can
//! change without touching the models.

use crate::model::Real;
use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayBase, Data, DataMut, Ix2};

/// \\(C \leftarrow \alpha A B + \beta C\\) for `A (m, k)`, `B (k, n)`, `C (m, n)`;
/// any of them may be a transposed or sliced view.
///
/// With \\(\beta = 0\\) the old contents of `C` are ignored (NaN included).
///
/// ```
/// use ndarray::array;
/// let a = array![[1.0f32, 2.0], [3.0, 4.0]];
/// let mut c = array![[1.0f32, 1.0], [1.0, 1.0]];
/// d2l_rnn::linalg::matmul(1.0, &a, &a.t(), 1.0, &mut c); // c += a aᵀ
/// assert_eq!(c, array![[6.0, 12.0], [12.0, 26.0]]);
/// ```
pub fn matmul<A, S1, S2, S3>(
    alpha: A,
    a: &ArrayBase<S1, Ix2>,
    b: &ArrayBase<S2, Ix2>,
    beta: A,
    c: &mut ArrayBase<S3, Ix2>,
) where
    A: Real,
    S1: Data<Elem = A>,
    S2: Data<Elem = A>,
    S3: DataMut<Elem = A>,
{
    general_mat_mul(alpha, a, b, beta, c);
}
