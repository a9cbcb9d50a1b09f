//! Row gathers and scatters (the one-hot input products and their
//! gradients) and flat views of row blocks.

use super::math::vectorized;
use crate::fast::FastReal;
use ndarray::{Array1, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, Zip};

/// `out[r] = table[indices[r]] + bias` for each row `r`: the product of
/// one-hot rows with `table`, plus the bias. Large gathers run as two halves
/// of rows on two cores (copies and one addition each, so the same numbers).
pub(crate) fn gather_rows<A: FastReal>(
    mut out: ArrayViewMut2<'_, A>,
    table: ArrayView2<'_, A>,
    bias: ArrayView1<'_, A>,
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
                add_rows(row, table.row(c), bias);
            }
        },
    );
}

/// Gathers from this many values run on two cores.
const PARALLEL_GATHER: usize = 1 << 17;

/// `out = a + b` for three rows of one length.
#[inline(always)]
pub(crate) fn add_rows<A: FastReal>(
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

/// `acc = f(acc, a)` element by element, for two rows of one length (slice
/// loops, so that the compiler vectorises them).
#[inline(always)]
fn combine<A: FastReal>(
    mut acc: ArrayViewMut1<'_, A>,
    a: ArrayView1<'_, A>,
    f: impl Fn(A, A) -> A,
) {
    match (acc.as_slice_mut(), a.as_slice()) {
        (Some(acc), Some(a)) => {
            let a = &a[..acc.len()];
            for j in 0..acc.len() {
                acc[j] = f(acc[j], a[j]);
            }
        }
        _ => Zip::from(acc).and(a).for_each(|o, &a| *o = f(*o, a)),
    }
}

/// `acc += a` for two rows of one length.
#[inline(always)]
pub(crate) fn accumulate<A: FastReal>(acc: ArrayViewMut1<'_, A>, a: ArrayView1<'_, A>) {
    combine(acc, a, |x, y| x + y);
}

/// `d_table = 0`, then `d_table[indices[r]] += d_out[r]` for each row `r`
/// (the weight gradient of [`gather_rows`]), and, when given,
/// `d_bias = Σ_r d_out[r]`, in one pass over `d_out`. Each column sums its
/// rows in order from zero; a table row no index names is set to zero, the
/// others start as `0 + d_out[r]` at their first row (the same numbers as a
/// zeroed table, without writing it twice). A large table is done as two
/// halves of columns on two cores.
pub(crate) fn add_rows_at<A: FastReal>(
    d_table: ArrayViewMut2<'_, A>,
    d_bias: Option<ArrayViewMut1<'_, A>>,
    d_out: ArrayView2<'_, A>,
    indices: &[usize],
) {
    let width = d_table.ncols();
    if d_out.len() >= PARALLEL_GATHER && width >= 32 {
        let half = width / 2 / 16 * 16; // whole cache lines of f32 on the left
        let (left, right) = d_table.split_at(Axis(1), half);
        let (in_left, in_right) = d_out.split_at(Axis(1), half);
        let (b_left, b_right) = match d_bias {
            Some(b) => {
                let (l, r) = b.split_at(Axis(0), half);
                (Some(l), Some(r))
            }
            None => (None, None),
        };
        rayon::join(
            || scatter_sum(left, b_left, in_left, indices),
            || scatter_sum(right, b_right, in_right, indices),
        );
    } else {
        scatter_sum(d_table, d_bias, d_out, indices);
    }
}

/// `acc = 0 + a` for two rows of one length (what `acc = 0; acc += a` gives,
/// negative zeros included).
#[inline(always)]
fn start_row<A: FastReal>(acc: ArrayViewMut1<'_, A>, a: ArrayView1<'_, A>) {
    combine(acc, a, |_, y| A::zero() + y);
}

/// [`add_rows_at`] on one thread.
fn scatter_sum<A: FastReal>(
    mut d_table: ArrayViewMut2<'_, A>,
    mut d_bias: Option<ArrayViewMut1<'_, A>>,
    d_out: ArrayView2<'_, A>,
    indices: &[usize],
) {
    let mut seen = vec![false; d_table.nrows()];
    if let Some(b) = d_bias.as_mut() {
        b.fill(A::zero());
    }
    vectorized(
        #[inline(always)]
        || {
            for (row, &c) in d_out.outer_iter().zip(indices) {
                if let Some(b) = d_bias.as_mut() {
                    accumulate(b.view_mut(), row);
                }
                let target = d_table.row_mut(c);
                if seen[c] {
                    accumulate(target, row);
                } else {
                    seen[c] = true;
                    start_row(target, row);
                }
            }
        },
    );
    for (mut row, _) in d_table.outer_iter_mut().zip(&seen).filter(|(_, &s)| !s) {
        row.fill(A::zero());
    }
}

/// `m[r] += row` for every row `r` of `m` `(rows, n)` (a bias added to
/// every row of a product), on this thread, as slice loops compiled for the
/// processor's vector instructions: the same numbers as ndarray's `m += &row`.
pub(crate) fn add_to_rows<A: FastReal>(mut m: ArrayViewMut2<'_, A>, row: ArrayView1<'_, A>) {
    vectorized(
        #[inline(always)]
        || {
            for r in m.outer_iter_mut() {
                accumulate(r, row.view());
            }
        },
    );
}

/// `out = Σ_r m[r]`, rows added in order from zero, on this thread.
pub(crate) fn sum_rows_serial<A: FastReal>(mut out: ArrayViewMut1<'_, A>, m: ArrayView2<'_, A>) {
    out.fill(A::zero());
    vectorized(
        #[inline(always)]
        || {
            for row in m.outer_iter() {
                accumulate(out.view_mut(), row);
            }
        },
    );
}

/// `out = Σ_r m[r]`, rows added in order, without allocating (two halves
/// of columns on two cores when large).
pub(crate) fn sum_rows_into<A: FastReal>(out: &mut Array1<A>, m: ArrayView2<'_, A>) {
    let out = out.view_mut().insert_axis(Axis(0));
    in_column_halves(out, m, &|mut out, m| sum_rows_serial(out.row_mut(0), m));
}

/// Work on `(out, input)` that treats each column on its own: run as
/// `f(out, input)`, or, when `input` is large, on two cores as `f` of the
/// left columns and `f` of the right ones (same widths).
fn in_column_halves<A: FastReal>(
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

#[cfg(test)]
mod tests {
    use super::{add_rows_at, PARALLEL_GATHER};
    use ndarray::{Array1, Array2};

    /// The fused scatter against a zeroed table and plain additions in row
    /// order, bit for bit: small (one thread) and large (two column halves),
    /// with a table row no index names, repeated indices and negative zeros.
    #[test]
    fn scatter_matches_zeroed_table_and_plain_sums() {
        for (rows, width) in [(7, 5), (PARALLEL_GATHER / 40 + 3, 40)] {
            let table_rows = 9;
            let d_out = Array2::from_shape_fn((rows, width), |(r, j)| {
                if (r + j) % 11 == 0 {
                    -0.0f32
                } else {
                    ((r * 31 + j * 7) % 23) as f32 * 0.37 - 4.0
                }
            });
            // Row 4 is never named; row 0 often.
            let indices: Vec<usize> = (0..rows)
                .map(|r| [0, 3, 0, 8, 1, 2, 5, 6, 7][r % 9])
                .collect();
            let (mut expected, mut expected_bias) = (
                Array2::<f32>::zeros((table_rows, width)),
                Array1::<f32>::zeros(width),
            );
            for (r, &c) in indices.iter().enumerate() {
                for j in 0..width {
                    expected[[c, j]] += d_out[[r, j]];
                    expected_bias[j] += d_out[[r, j]];
                }
            }
            let mut table = Array2::from_elem((table_rows, width), f32::NAN); // overwritten
            let mut bias = Array1::from_elem(width, f32::NAN);
            add_rows_at(
                table.view_mut(),
                Some(bias.view_mut()),
                d_out.view(),
                &indices,
            );
            let bits = |a: &[f32]| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            let flat = |a: &Array2<f32>| a.iter().copied().collect::<Vec<_>>();
            assert_eq!(
                bits(&flat(&table)),
                bits(&flat(&expected)),
                "table, {rows} rows"
            );
            assert_eq!(bits(&bias.to_vec()), bits(&expected_bias.to_vec()), "bias");
            assert!(
                table.row(4).iter().all(|&v| v.to_bits() == 0),
                "unnamed row is +0"
            );
            // Without a bias, the same table.
            let mut again = Array2::from_elem((table_rows, width), 1.0f32);
            add_rows_at(again.view_mut(), None, d_out.view(), &indices);
            assert_eq!(bits(&flat(&again)), bits(&flat(&table)));
        }
    }
}
