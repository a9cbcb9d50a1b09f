//! The matrix products every model uses, in one place, so the backend can
//! change without touching the models.
//!
//! Every product goes to the [`gemm`](https://docs.rs/gemm) crate's kernels,
//! pure Rust with AVX-512 kernels where the processor has them. Products on
//! one core ([`Threads::One`]) are cut along the shared axis into blocks of
//! [`SERIAL_DEPTH`], which reproduces the summation order of `matrixmultiply`
//! (ndarray's backend, which this crate used on one core before) to the last
//! bit, at about twice its speed for the models' shapes; products over the
//! thread pool ([`Threads::Pool`])
//! let gemm split the work. Either way each output element is summed by one
//! thread in a fixed order, so results do not depend on timing. A single row
//! times a matrix (writing text) streams the matrix directly.

use crate::fast::kernels::math::vectorized;
use crate::fast::FastReal;
use ndarray::{s, ArrayBase, ArrayView2, Data, DataMut, Ix2};

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
/// (see [`matmul`]).
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

/// [`matmul`] on the calling thread only.
pub fn matmul_serial<A, S1, S2, S3>(
    alpha: A,
    a: &ArrayBase<S1, Ix2>,
    b: &ArrayBase<S2, Ix2>,
    beta: A,
    c: &mut ArrayBase<S3, Ix2>,
) where
    A: FastReal,
    S1: Data<Elem = A>,
    S2: Data<Elem = A>,
    S3: DataMut<Elem = A>,
{
    matmul_with(Threads::One, alpha, a, b, beta, c);
}

/// [`matmul`] with an explicit thread policy.
pub fn matmul_with<A, S1, S2, S3>(
    threads: Threads,
    alpha: A,
    a: &ArrayBase<S1, Ix2>,
    b: &ArrayBase<S2, Ix2>,
    beta: A,
    c: &mut ArrayBase<S3, Ix2>,
) where
    A: FastReal,
    S1: Data<Elem = A>,
    S2: Data<Elem = A>,
    S3: DataMut<Elem = A>,
{
    let ((m, k), (k2, n)) = (a.dim(), b.dim());
    assert!(
        k == k2 && c.dim() == (m, n),
        "matmul: ({m}, {k}) x ({k2}, {n}) into {:?}",
        c.dim()
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        c.mapv_inplace(|v| {
            if beta == A::zero() {
                A::zero()
            } else {
                v * beta
            }
        });
        return;
    }
    if m == 1 {
        if let (Some(x), Some(y)) = (a.row(0).as_slice(), c.row_mut(0).into_slice()) {
            if row_times_matrix(alpha, x, b.view(), beta, y) {
                return;
            }
        }
    }
    if threads == Threads::One {
        serial_in_depth_blocks(alpha, a, b, beta, c);
        return;
    }
    let (sa, sb) = (a.strides(), b.strides());
    let (sc0, sc1) = (c.strides()[0], c.strides()[1]);
    let pa = (a.as_ptr(), sa[0], sa[1]);
    let pb = (b.as_ptr(), sb[0], sb[1]);
    let pc = (c.as_mut_ptr(), sc0, sc1);
    // SAFETY: the shapes were checked above and the pointers and strides come
    // from live ndarray views; `c` is borrowed mutably, so it aliases neither input.
    unsafe { A::gemm_raw(m, n, k, alpha, pa, pb, beta, pc, threads) }
}

/// Depth of the blocks one core's products cut the shared axis into: 256,
/// `matrixmultiply`'s depth for `f32` and `f64`. A product as deep as 1027
/// (the vocabulary) is summed as blocks of 256, 256, 256, 256 and 3, each
/// added to the result in turn.
pub const SERIAL_DEPTH: usize = 256;

/// One core's product, as gemm's kernels computing it in blocks of
/// [`SERIAL_DEPTH`] along the shared axis:
/// \\(C \leftarrow \alpha A_{:,0:256} B_{0:256,:} + \beta C\\), then
/// \\(C \leftarrow \alpha A_{:,256:512} B_{256:512,:} + C\\), and so on. Each element is
/// one chain of fused multiply-adds per block, added to `C` block after block:
/// the order in which `matrixmultiply` (ndarray's backend, which this crate
/// used on one core before) sums, so the numbers are the same to the last bit,
/// and gemm's AVX-512 kernels are about twice as fast where the processor has them.
fn serial_in_depth_blocks<A, S1, S2, S3>(
    alpha: A,
    a: &ArrayBase<S1, Ix2>,
    b: &ArrayBase<S2, Ix2>,
    beta: A,
    c: &mut ArrayBase<S3, Ix2>,
) where
    A: FastReal,
    S1: Data<Elem = A>,
    S2: Data<Elem = A>,
    S3: DataMut<Elem = A>,
{
    let ((m, k), n) = (a.dim(), b.ncols());
    let (sc0, sc1) = (c.strides()[0], c.strides()[1]);
    let pc = (c.as_mut_ptr(), sc0, sc1);
    let mut start = 0;
    while start < k {
        let depth = SERIAL_DEPTH.min(k - start);
        let a_part = a.slice(s![.., start..start + depth]);
        let b_part = b.slice(s![start..start + depth, ..]);
        let (sa, sb) = (a_part.strides(), b_part.strides());
        let pa = (a_part.as_ptr(), sa[0], sa[1]);
        let pb = (b_part.as_ptr(), sb[0], sb[1]);
        let beta_part = if start == 0 { beta } else { A::one() };
        // SAFETY: the caller checked the shapes; the pointers and strides
        // come from live ndarray views, and `c` is borrowed mutably, so it
        // aliases neither input.
        unsafe { A::gemm_raw(m, n, depth, alpha, pa, pb, beta_part, pc, Threads::One) }
        start += depth;
    }
}

/// \\(y \leftarrow \alpha x B + \beta y\\) for one row `x (k)`, `B (k, n)`,
/// `y (n)`: the products of writing text, one character at a time, where a
/// general product spends more time packing than multiplying.
///
/// A `B` whose rows are contiguous (row-major, or a range of its columns)
/// is streamed into `y` four rows per pass (8-wide vectors where the
/// processor has them; the memory traffic, not the arithmetic, sets the
/// speed), each \(y_j\) still summed in row order
/// \(((\beta y_j + \alpha x_0 B_{0j}) + \alpha x_1 B_{1j}) + \dots\), so any
/// range of columns gives the same numbers as the whole product; a
/// column-major `B` (a transposed weight) gives `n` dot products kept in
/// eight partial sums. Returns `false`, untouched, for other layouts.
fn row_times_matrix<A: FastReal>(
    alpha: A,
    x: &[A],
    b: ArrayView2<'_, A>,
    beta: A,
    y: &mut [A],
) -> bool {
    let scale = |y: &mut [A]| {
        if beta == A::zero() {
            y.fill(A::zero());
        } else if beta != A::one() {
            y.iter_mut().for_each(|v| *v *= beta);
        }
    };
    let n = y.len();
    if b.strides()[1] == 1 || n == 1 {
        // Rows contiguous: y += (alpha x_i) B_i for each row i, four rows per
        // pass so that y is loaded and stored a quarter as often.
        let Some(rows) = b
            .outer_iter()
            .map(|r| r.to_slice())
            .collect::<Option<Vec<_>>>()
        else {
            return false;
        };
        vectorized(
            #[inline(always)]
            || {
                scale(y);
                let mut i = 0;
                while i + 4 <= x.len() {
                    let a = [x[i], x[i + 1], x[i + 2], x[i + 3]].map(|xi| alpha * xi);
                    let (r0, r1, r2, r3) = (rows[i], rows[i + 1], rows[i + 2], rows[i + 3]);
                    for ((((v, &p0), &p1), &p2), &p3) in
                        y.iter_mut().zip(r0).zip(r1).zip(r2).zip(r3)
                    {
                        let mut sum = *v;
                        sum += a[0] * p0;
                        sum += a[1] * p1;
                        sum += a[2] * p2;
                        sum += a[3] * p3;
                        *v = sum;
                    }
                    i += 4;
                }
                for (&xi, row) in x[i..].iter().zip(&rows[i..]) {
                    let a = alpha * xi;
                    for (v, &p) in y.iter_mut().zip(*row) {
                        *v += a * p;
                    }
                }
            },
        );
        true
    } else if let Some(cols) = b.t().as_slice() {
        // Column-major: y_j = alpha <x, B_{:, j}> + beta y_j.
        let k = x.len();
        vectorized(
            #[inline(always)]
            || {
                for (v, col) in y.iter_mut().zip(cols.chunks_exact(k)) {
                    let mut lanes = [A::zero(); 8];
                    let (xc, cc) = (x.chunks_exact(8), col.chunks_exact(8));
                    let rest: A = xc
                        .remainder()
                        .iter()
                        .zip(cc.remainder())
                        .map(|(&p, &q)| p * q)
                        .sum();
                    for (x8, c8) in xc.zip(cc) {
                        for ((l, &p), &q) in lanes.iter_mut().zip(x8).zip(c8) {
                            *l += p * q;
                        }
                    }
                    let dot = lanes.iter().copied().sum::<A>() + rest;
                    *v = if beta == A::zero() {
                        alpha * dot
                    } else {
                        alpha * dot + beta * *v
                    };
                }
            },
        );
        true
    } else {
        false
    }
}

/// \\(C \leftarrow \alpha A B + \beta C\\) for `A (m, k)`, `B (k, n)`, `C (m, n)`;
/// any of them may be a transposed or sliced view.
///
/// With \\(\beta = 0\\) the old contents of `C` are ignored (NaN included).
/// Mismatched shapes are a bug in the caller and panic with the shapes.
pub fn matmul<A, S1, S2, S3>(
    alpha: A,
    a: &ArrayBase<S1, Ix2>,
    b: &ArrayBase<S2, Ix2>,
    beta: A,
    c: &mut ArrayBase<S3, Ix2>,
) where
    A: FastReal,
    S1: Data<Elem = A>,
    S2: Data<Elem = A>,
    S3: DataMut<Elem = A>,
{
    matmul_with(Threads::Pool, alpha, a, b, beta, c);
}

#[cfg(test)]
mod tests {
    use super::matmul_serial;
    use ndarray::{s, Array2};

    /// One row times a matrix: row-major, a range of columns and a
    /// transposed matrix all agree with a plain triple loop, for `k` not a
    /// multiple of four and every kind of `beta`; a range of columns gives
    /// exactly the numbers of the whole product.
    #[test]
    fn one_row_products_match_a_plain_loop() {
        let (k, n) = (7, 13);
        let x = Array2::from_shape_fn((1, k), |(_, i)| 0.3 * i as f32 - 1.0);
        let b = Array2::from_shape_fn((k, n), |(i, j)| ((i * n + j) % 11) as f32 * 0.25 - 1.2);
        let bt = b.t().as_standard_layout().into_owned(); // (n, k), so bt.t() is column-major
        for beta in [0.0f32, 1.0, 0.5] {
            let start = Array2::from_shape_fn((1, n), |(_, j)| j as f32);
            let expected = Array2::from_shape_fn((1, n), |(_, j)| {
                let dot: f64 = (0..k).map(|i| f64::from(x[[0, i]] * b[[i, j]])).sum();
                2.0 * dot + f64::from(beta * start[[0, j]])
            });
            let mut whole = start.clone();
            matmul_serial(2.0, &x, &b, beta, &mut whole);
            let mut transposed = start.clone();
            matmul_serial(2.0, &x, &bt.t(), beta, &mut transposed);
            for (got, want) in whole.iter().chain(&transposed).zip(expected.iter().cycle()) {
                assert!(
                    (f64::from(*got) - want).abs() < 1e-5,
                    "beta {beta}: {got} vs {want}"
                );
            }
            let mut part = start.slice(s![.., 3..9]).to_owned();
            matmul_serial(2.0, &x, &b.slice(s![.., 3..9]), beta, &mut part);
            assert_eq!(part, whole.slice(s![.., 3..9]), "beta {beta}");
        }
    }
}

#[cfg(test)]
mod examples {
    #[test]
    fn matmul_serial_example() {
        use ndarray::array;
        let a = array![[1.0f64, 2.0]];
        let mut c = array![[0.0f64]];
        crate::fast::kernels::linalg::matmul_serial(2.0, &a, &a.t(), 0.0, &mut c);
        assert_eq!(c[[0, 0]], 10.0);
    }

    #[test]
    fn serial_depth_example() {
        use crate::fast::kernels::linalg::{matmul_serial, SERIAL_DEPTH};
        use ndarray::Array2;
        assert_eq!(SERIAL_DEPTH, 256);
        let a = Array2::from_elem((2, 1027), 1.0f32);
        let b = Array2::from_elem((1027, 3), 0.5f32);
        let mut c = Array2::zeros((2, 3));
        matmul_serial(1.0, &a, &b, 0.0, &mut c);
        assert!(c.iter().all(|&v| v == 513.5));
    }

    #[test]
    fn matmul_example() {
        use ndarray::array;
        let a = array![[1.0f32, 2.0], [3.0, 4.0]];
        let mut c = array![[1.0f32, 1.0], [1.0, 1.0]];
        crate::fast::kernels::linalg::matmul(1.0, &a, &a.t(), 1.0, &mut c); // c += a aᵀ
        assert_eq!(c, array![[6.0, 12.0], [12.0, 26.0]]);
    }
}
