//! Row gathers and scatters (the one-hot input products and their
//! gradients) and a tiled transpose.

use crate::real::Real;
use crate::scratch::Gate;
use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2, Zip};

/// `out[r] = table[index_r] + bias` for each row `r`: the product of one-hot
/// rows with `table`, plus the bias.
pub(crate) fn gather_rows<A: Real>(
    mut out: ArrayViewMut2<'_, A>,
    table: &Array2<A>,
    bias: &Array1<A>,
    indices: impl Iterator<Item = usize>,
) {
    for (mut row, c) in out.outer_iter_mut().zip(indices) {
        Zip::from(&mut row)
            .and(&table.row(c))
            .and(bias)
            .for_each(|o, &w, &b| *o = w + b);
    }
}

/// The backward pass of [`gather_rows`]: `d_table` and `d_bias` are
/// overwritten with `d_table[index_r] += d_out[r]`, `d_bias = Σ_r d_out[r]`.
pub(crate) fn scatter_rows<A: Real>(
    d_table: &mut Array2<A>,
    d_bias: &mut Array1<A>,
    d_out: ArrayView2<'_, A>,
    indices: impl Iterator<Item = usize>,
) {
    d_table.fill(A::zero());
    for (row, c) in d_out.outer_iter().zip(indices) {
        let mut w = d_table.row_mut(c);
        w += &row;
    }
    sum_rows_into(d_bias, d_out);
}

/// `out = Σ_r m[r]`, without allocating.
pub(crate) fn sum_rows_into<A: Real>(out: &mut Array1<A>, m: ArrayView2<'_, A>) {
    out.fill(A::zero());
    for row in m.outer_iter() {
        *out += &row;
    }
}

/// The elements of a standard-layout view (a row range of a buffer) as one
/// slice, for loops the compiler vectorises.
#[inline(always)]
pub(crate) fn flat<A, S: ndarray::Data<Elem = A>>(
    view: &ndarray::ArrayBase<S, ndarray::Ix2>,
) -> &[A] {
    view.as_slice().expect("rows of a standard-layout buffer")
}

/// [`flat`], writable; takes any 2-D array or view of standard layout.
#[inline(always)]
pub(crate) fn flat_mut<A, S: ndarray::DataMut<Elem = A>>(
    view: &mut ndarray::ArrayBase<S, ndarray::Ix2>,
) -> &mut [A] {
    view.as_slice_mut()
        .expect("rows of a standard-layout buffer")
}

/// `dst = srcᵀ` ([`transpose_into`]), resizing `dst` first when its shape differs.
///
/// ```
/// use ndarray::{array, Array2};
/// let mut t = Array2::zeros((0, 0));
/// d2l_rnn::fast::rows::transposed_copy(&array![[1.0f32, 2.0]], &mut t);
/// assert_eq!(t, array![[1.0], [2.0]]);
/// ```
pub fn transposed_copy<A: Copy + num_traits::Zero>(src: &Array2<A>, dst: &mut Array2<A>) {
    if dst.dim() != src.t().dim() {
        *dst = Array2::zeros(src.t().dim());
    }
    transpose_into(src.view(), dst.view_mut());
}

/// Row-major copies of every gate's \\(W_h^\top\\) into `out` (one array a
/// gate), for a walk back through time that multiplies by them once a step:
/// a row-major matrix packs faster than a transposed view, and the product's
/// numbers are the same.
pub(crate) fn transposed_recurrent_weights<A: Real>(gates: &[&Gate<A>], out: &mut Vec<Array2<A>>) {
    out.resize_with(gates.len(), || Array2::zeros((0, 0)));
    for (t, gate) in out.iter_mut().zip(gates) {
        transposed_copy(&gate.w_h, t);
    }
}

/// Tile side of [`transpose_into`]: 32 x 32 values of `f32` are 4 KiB, so a
/// source tile and a destination tile stay in L1 while one is read by rows and
/// the other written by rows.
const TILE: usize = 32;

/// `dst = srcᵀ`, tile by tile: `src` `(m, n)`, `dst` `(n, m)`. Copies only,
/// so the numbers are the same as an element-by-element transpose; the tiles
/// keep the strided side of the copy inside the cache.
///
/// ```
/// use ndarray::{array, Array2};
/// let src = Array2::from_shape_fn((40, 70), |(i, j)| (i * 70 + j) as f32);
/// let mut dst = Array2::zeros((70, 40));
/// d2l_rnn::fast::rows::transpose_into(src.view(), dst.view_mut());
/// assert_eq!(dst, src.t());
/// ```
pub fn transpose_into<A: Copy>(src: ArrayView2<'_, A>, mut dst: ArrayViewMut2<'_, A>) {
    let (m, n) = src.dim();
    assert_eq!(
        dst.dim(),
        (n, m),
        "transpose_into: ({m}, {n}) into {:?}",
        dst.dim()
    );
    let (Some(from), Some(to)) = (src.as_slice(), dst.as_slice_mut()) else {
        dst.assign(&src.t());
        return;
    };
    // Each destination row is written contiguously; the strided side is the
    // read (a power-of-two stride on the write side, as for weights with
    // 1024 rows, would put every line of a tile in the same cache set).
    for i0 in (0..m).step_by(TILE) {
        let i1 = (i0 + TILE).min(m);
        for j0 in (0..n).step_by(TILE) {
            for j in j0..(j0 + TILE).min(n) {
                for (o, i) in to[j * m + i0..j * m + i1].iter_mut().zip(i0..i1) {
                    *o = from[i * n + j];
                }
            }
        }
    }
}
