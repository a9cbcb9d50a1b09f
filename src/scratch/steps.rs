//! Cutting a mini-batch into time steps and stacking the steps' outputs
//! back, in the time-major order the loss expects.

use crate::real::Real;
use ndarray::{Array2, ArrayView2, Axis, Slice};

/// The inputs of each time step: column `t` of a mini-batch
/// `(batch_size, num_steps)` of indices, as a `Vec` `(batch_size,)`.
///
/// ```
/// use ndarray::array;
/// let x = array![[0usize, 1, 2], [3, 4, 5]]; // 2 sequences, 3 steps
/// assert_eq!(d2l_rnn::scratch::time_steps(x.view()), vec![vec![0, 3], vec![1, 4], vec![2, 5]]);
/// ```
pub fn time_steps(inputs: ArrayView2<'_, usize>) -> Vec<Vec<usize>> {
    inputs.columns().into_iter().map(|x| x.to_vec()).collect()
}

/// Stacks the outputs \\(Y_1, \dots, Y_T\\), each `(batch_size, width)`, into
/// one matrix `(T * batch_size, width)` whose row `t * batch_size + i` is
/// step `t` of sequence `i` (the section's `torch.cat(outputs, dim=0)`).
///
/// ```
/// use ndarray::array;
/// let ys = [array![[1.0, 2.0]], array![[3.0, 4.0]]];
/// assert_eq!(d2l_rnn::scratch::stack_steps(&ys, 1, 2), array![[1.0, 2.0], [3.0, 4.0]]);
/// ```
pub fn stack_steps<A: Real>(ys: &[Array2<A>], batch_size: usize, width: usize) -> Array2<A> {
    let n = batch_size;
    let mut stacked = Array2::zeros((ys.len() * n, width));
    for (t, y) in ys.iter().enumerate() {
        stacked
            .slice_axis_mut(Axis(0), Slice::from(t * n..(t + 1) * n))
            .assign(y);
    }
    stacked
}

/// The rows of step `t` in a time-major matrix: \\(\partial L / \partial Y_t\\)
/// `(batch_size, width)` out of `(T * batch_size, width)`.
pub(crate) fn step_rows<A>(m: &ArrayView2<'_, A>, t: usize, batch_size: usize) -> Array2<A>
where
    A: Clone,
{
    // (`slice_axis` rather than `s![]`, whose expansion allows unsafe code.)
    m.slice_axis(Axis(0), Slice::from(t * batch_size..(t + 1) * batch_size))
        .to_owned()
}

/// The logistic function \\(\sigma(x) = 1 / (1 + e^{-x})\\).
///
/// ```
/// assert_eq!(d2l_rnn::scratch::sigmoid(0.0f64), 0.5);
/// ```
pub fn sigmoid<A: Real>(x: A) -> A {
    A::one() / (A::one() + (-x).exp())
}
