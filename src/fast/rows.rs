//! Row gathers and scatters (the one-hot input products and their
//! gradients) and flat views of row blocks.

use super::math::vectorized;
use crate::real::Real;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, Zip};

/// `out[r] = table[indices[r]] + bias` for each row `r`: the product of
/// one-hot rows with `table`, plus the bias. Large gathers run as two halves
/// of rows on two cores (copies and one addition each, so the same numbers).
pub(crate) fn gather_rows<A: Real>(
    mut out: ArrayViewMut2<'_, A>,
    table: &Array2<A>,
    bias: &Array1<A>,
    indices: &[usize],
) {
    let rows = out.nrows().min(indices.len());
    if rows >= 2 && rows * out.ncols() >= PARALLEL_GATHER {
        let (first, second) = out.view_mut().split_at(Axis(0), rows / 2);
        let (a, b) = indices.split_at(rows / 2);
        rayon::join(
            || gather_rows(first, table, bias, a),
            || gather_rows(second, table, bias, b),
        );
        return;
    }
    vectorized(
        #[inline(always)]
        || {
            for (row, &c) in out.outer_iter_mut().zip(indices) {
                add_rows(row, table.row(c), bias.view());
            }
        },
    );
}

/// Gathers from this many values run on two cores.
const PARALLEL_GATHER: usize = 1 << 17;

/// `out = a + b` for three rows of one length.
#[inline(always)]
pub(crate) fn add_rows<A: Real>(
    mut out: ArrayViewMut1<'_, A>,
    a: ArrayView1<'_, A>,
    b: ArrayView1<'_, A>,
) {
    match (out.as_slice_mut(), a.as_slice(), b.as_slice()) {
        (Some(o), Some(a), Some(b)) => {
            let (a, b) = (&a[..o.len()], &b[..o.len()]);
            for j in 0..o.len() {
                o[j] = a[j] + b[j];
            }
        }
        _ => Zip::from(out)
            .and(a)
            .and(b)
            .for_each(|o, &a, &b| *o = a + b),
    }
}

/// `acc += a` for two rows of one length.
#[inline(always)]
fn accumulate<A: Real>(mut acc: ArrayViewMut1<'_, A>, a: ArrayView1<'_, A>) {
    match (acc.as_slice_mut(), a.as_slice()) {
        (Some(acc), Some(a)) => {
            let a = &a[..acc.len()];
            for j in 0..acc.len() {
                acc[j] += a[j];
            }
        }
        _ => acc += &a,
    }
}

/// `d_table = 0`, then `d_table[indices[r]] += d_out[r]` for each row `r`:
/// the weight gradient of [`gather_rows`]. A large table is done as two
/// halves of columns on two cores, each summing its rows in order.
pub(crate) fn add_rows_at<A: Real>(
    d_table: ArrayViewMut2<'_, A>,
    d_out: ArrayView2<'_, A>,
    indices: &[usize],
) {
    in_column_halves(d_table, d_out, &|mut d_table, d_out| {
        d_table.fill(A::zero());
        vectorized(
            #[inline(always)]
            || {
                for (row, &c) in d_out.outer_iter().zip(indices) {
                    accumulate(d_table.row_mut(c), row);
                }
            },
        );
    });
}

/// The backward pass of [`gather_rows`]: `d_table` and `d_bias` are
/// overwritten with `d_table[indices[r]] += d_out[r]`, `d_bias = Σ_r d_out[r]`.
pub(crate) fn scatter_rows<A: Real>(
    d_table: &mut Array2<A>,
    d_bias: &mut Array1<A>,
    d_out: ArrayView2<'_, A>,
    indices: &[usize],
) {
    add_rows_at(d_table.view_mut(), d_out, indices);
    sum_rows_into(d_bias, d_out);
}

/// `out = Σ_r m[r]`, rows added in order, without allocating (two halves
/// of columns on two cores when large).
pub(crate) fn sum_rows_into<A: Real>(out: &mut Array1<A>, m: ArrayView2<'_, A>) {
    let out = out.view_mut().insert_axis(Axis(0));
    in_column_halves(out, m, &|mut out, m| {
        let mut out = out.row_mut(0);
        out.fill(A::zero());
        vectorized(
            #[inline(always)]
            || {
                for row in m.outer_iter() {
                    accumulate(out.view_mut(), row);
                }
            },
        );
    });
}

/// Work on `(out, input)` that treats each column on its own: run as
/// `f(out, input)`, or, when `input` is large, on two cores as `f` of the
/// left columns and `f` of the right ones (same widths).
fn in_column_halves<A: Real>(
    out: ArrayViewMut2<'_, A>,
    input: ArrayView2<'_, A>,
    f: &(dyn Fn(ArrayViewMut2<'_, A>, ArrayView2<'_, A>) + Sync),
) {
    let width = out.ncols();
    if input.len() < PARALLEL_GATHER || width < 32 {
        return f(out, input);
    }
    let half = width / 2 / 16 * 16; // whole cache lines of f32 on the left
    let (left, right) = out.split_at(Axis(1), half);
    let (in_left, in_right) = input.split_at(Axis(1), half);
    rayon::join(|| f(left, in_left), || f(right, in_right));
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
