//! Row gathers and scatters: the one-hot input products and their gradients.

use crate::real::Real;
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
