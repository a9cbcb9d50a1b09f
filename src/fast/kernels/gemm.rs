//! gemm's f32 and f64 kernels, called without the `gemm` facade crate (which would also
//! build complex-number kernels this crate never uses): [`Gemm`] for `f32` and `f64`.
//! In the browser (`wasm32`), where gemm has no SIMD kernels, matrixmultiply's instead
//! (WebAssembly SIMD with `-C target-feature=+simd128`); there is one thread there.

use super::linalg::{Gemm, Threads};

#[cfg(target_arch = "wasm32")]
macro_rules! impl_matrixmultiply {
    ($t:ty, $kernel:path) => {
        impl Gemm for $t {
            unsafe fn gemm_raw(
                m: usize,
                n: usize,
                k: usize,
                alpha: $t,
                a: (*const $t, isize, isize),
                b: (*const $t, isize, isize),
                beta: $t,
                c: (*mut $t, isize, isize),
                _threads: Threads,
            ) {
                // matrixmultiply's convention: c = alpha a b + beta c, row stride first,
                // c not read when beta is 0: as this trait's.
                $kernel(
                    m, k, n, alpha, a.0, a.1, a.2, b.0, b.1, b.2, beta, c.0, c.1, c.2,
                );
            }
        }
    };
}

#[cfg(target_arch = "wasm32")]
impl_matrixmultiply!(f32, matrixmultiply::sgemm);
#[cfg(target_arch = "wasm32")]
impl_matrixmultiply!(f64, matrixmultiply::dgemm);

#[cfg(not(target_arch = "wasm32"))]
/// A matrix operand for gemm's kernels: pointer, column stride, row stride.
type Operand<T> = (*const T, isize, isize);
/// The destination, likewise.
#[cfg(not(target_arch = "wasm32"))]
type Destination<T> = (*mut T, isize, isize);

/// What the `gemm` facade does before it calls a kernel, written out here so that the
/// facade (which also builds complex kernels) is not a dependency: a destination whose
/// columns are contiguous is computed transposed, and negative strides are flipped. The
/// kernels then see exactly the arguments the facade gave them, so the numbers are the same.
///
/// # Safety
/// As gemm's: the pointers and strides describe valid `m x k`, `k x n` and `m x n` matrices.
#[cfg(not(target_arch = "wasm32"))]
unsafe fn normalise<T>(
    (m, n, k): (usize, usize, usize),
    dst: Destination<T>,
    lhs: Operand<T>,
    rhs: Operand<T>,
) -> ((usize, usize), Destination<T>, Operand<T>, Operand<T>) {
    let (mut dst, dst_cs, dst_rs) = dst;
    let transpose = dst_cs.abs() < dst_rs.abs();
    let (m, n, mut dst_cs, mut dst_rs, mut lhs, mut rhs) = if transpose {
        (
            n,
            m,
            dst_rs,
            dst_cs,
            (rhs.0, rhs.2, rhs.1),
            (lhs.0, lhs.2, lhs.1),
        )
    } else {
        (m, n, dst_cs, dst_rs, lhs, rhs)
    };
    if dst_rs < 0 && m > 0 {
        dst = dst.wrapping_offset((m - 1) as isize * dst_rs);
        dst_rs = -dst_rs;
        lhs.0 = lhs.0.wrapping_offset((m - 1) as isize * lhs.2);
        lhs.2 = -lhs.2;
    }
    if dst_cs < 0 && n > 0 {
        dst = dst.wrapping_offset((n - 1) as isize * dst_cs);
        dst_cs = -dst_cs;
        rhs.0 = rhs.0.wrapping_offset((n - 1) as isize * rhs.1);
        rhs.1 = -rhs.1;
    }
    if lhs.1 < 0 && k > 0 {
        lhs.0 = lhs.0.wrapping_offset((k - 1) as isize * lhs.1);
        lhs.1 = -lhs.1;
        rhs.0 = rhs.0.wrapping_offset((k - 1) as isize * rhs.2);
        rhs.2 = -rhs.2;
    }
    ((m, n), (dst, dst_cs, dst_rs), lhs, rhs)
}

#[cfg(not(target_arch = "wasm32"))]
macro_rules! impl_gemm {
    ($t:ty, $kernel:path) => {
        impl Gemm for $t {
            unsafe fn gemm_raw(
                m: usize,
                n: usize,
                k: usize,
                alpha: $t,
                a: (*const $t, isize, isize),
                b: (*const $t, isize, isize),
                beta: $t,
                c: (*mut $t, isize, isize),
                threads: Threads,
            ) {
                // gemm's convention: dst = dst_scale * dst + product_scale * lhs rhs,
                // with column stride first.
                let ((m, n), dst, lhs, rhs) =
                    normalise((m, n, k), (c.0, c.2, c.1), (a.0, a.2, a.1), (b.0, b.2, b.1));
                $kernel()(
                    m,
                    n,
                    k,
                    dst.0,
                    dst.1,
                    dst.2,
                    beta != 0.0,
                    lhs.0,
                    lhs.1,
                    lhs.2,
                    rhs.0,
                    rhs.1,
                    rhs.2,
                    beta,
                    alpha,
                    false,
                    false,
                    false,
                    match threads {
                        Threads::Pool => gemm_common::Parallelism::Rayon(0),
                        Threads::One => gemm_common::Parallelism::None,
                    },
                );
            }
        }
    };
}

#[cfg(not(target_arch = "wasm32"))]
impl_gemm!(f32, gemm_f32::gemm::f32::get_gemm_fn);
#[cfg(not(target_arch = "wasm32"))]
impl_gemm!(f64, gemm_f64::gemm::f64::get_gemm_fn);

#[cfg(test)]
mod tests {
    use ndarray::{s, Array2};

    /// The kernels called directly (without gemm's facade) on every layout the facade
    /// handles: a column-major destination (computed transposed), and negative strides
    /// in the destination, the left and the right operand, against a plain loop.
    #[test]
    fn gemm_kernels_handle_every_layout() {
        use super::super::linalg::{Gemm, Threads};
        use crate::fast::kernels::linalg::matmul;
        let (m, k, n) = (37, 29, 41); // large enough for the gemm path
        let a = Array2::from_shape_fn((m, k), |(i, j)| ((i * 7 + j * 3) % 13) as f64 - 6.0);
        let b = Array2::from_shape_fn((k, n), |(i, j)| ((i * 5 + j * 11) % 17) as f64 - 8.0);
        let expected = Array2::from_shape_fn((m, n), |(i, j)| {
            (0..k).map(|l| a[[i, l]] * b[[l, j]]).sum::<f64>()
        });
        let check = |c: &Array2<f64>, what: &str| {
            assert!(
                c.iter().zip(&expected).all(|(x, y)| (x - y).abs() < 1e-9),
                "{what}"
            );
        };
        let mut c = Array2::zeros((m, n));
        matmul(1.0, &a, &b, 0.0, &mut c);
        check(&c, "row-major");
        let mut ct = Array2::<f64>::zeros((n, m));
        matmul(1.0, &b.t(), &a.t(), 0.0, &mut ct); // (A B)^T = B^T A^T, column-major views
        check(&ct.t().to_owned(), "transposed operands");
        // Reversed rows of A and of C, reversed columns of B and of C.
        let (ar, br) = (a.slice(s![..;-1, ..]), b.slice(s![.., ..;-1]));
        let mut cr = Array2::<f64>::zeros((m, n));
        matmul(1.0, &ar, &br, 0.0, &mut cr.slice_mut(s![..;-1, ..;-1]));
        check(&cr, "negative strides");
        // A column-major destination, through the raw call, on one thread.
        let mut cc = Array2::<f64>::zeros((n, m)); // cc.t() is (m, n), column-major
        let mut view = cc.view_mut().reversed_axes();
        let st = |v: &[isize]| (v[0], v[1]);
        let (ars, acs) = st(a.strides());
        let (brs, bcs) = st(b.strides());
        let (crs, ccs) = st(view.strides());
        // SAFETY: the pointers and strides describe the three matrices above.
        unsafe {
            f64::gemm_raw(
                m,
                n,
                k,
                1.0,
                (a.as_ptr(), ars, acs),
                (b.as_ptr(), brs, bcs),
                0.0,
                (view.as_mut_ptr(), crs, ccs),
                Threads::One,
            );
        }
        check(&cc.t().to_owned(), "column-major destination");
    }
}
