//! Matrix transposes: the row-major copies of \\(W^\top\\) the fast models
//! multiply by, and the one-hot input's gather and scatter, which read and
//! write \\(W_{ih}\\) through its transpose.
//!
//! A transpose only moves values, so every path gives the same numbers. For
//! `f32` on a processor with AVX it moves 16 x 16 tiles as four 8 x 8 blocks
//! through vector registers (eight loads, 24 shuffles, eight stores each)
//! instead of one value at a time; elsewhere it copies value by value, tile
//! by tile.

use ndarray::{s, Array2, ArrayView2, ArrayViewMut2};
#[cfg(target_arch = "x86_64")]
use std::any::TypeId;
use std::ops::Range;

/// `dst = srcᵀ` ([`transpose_into`]), resizing `dst` first when its shape differs.
#[cfg(test)]
pub fn transposed_copy<A: Copy + Send + Sync + num_traits::Zero + 'static>(
    src: &Array2<A>,
    dst: &mut Array2<A>,
) {
    if dst.dim() != src.t().dim() {
        *dst = Array2::zeros(src.t().dim());
    }
    transpose_into(src.view(), dst.view_mut());
}

/// Tile side of the value-by-value path: 32 x 32 values of `f32` are 4 KiB,
/// so a source tile and a destination tile stay in L1.
const TILE: usize = 32;

/// Tile side of the vector path (see `avx::transpose`).
const TILE_SIMD: usize = 16;

/// `dst = srcᵀ`: `src` `(m, n)`, `dst` `(n, m)`.
pub fn transpose_into<A: Copy + Send + Sync + 'static>(
    src: ArrayView2<'_, A>,
    mut dst: ArrayViewMut2<'_, A>,
) {
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
    rows_of_transpose(from, to, Sizes { m, n, ls: n, ld: m });
}

/// Values added to each row of a row-major `(rows, cols)` copy so that its
/// rows do not start a whole number of 4 KiB apart: 64 bytes when
/// `cols` values are a multiple of 4 KiB, else none. Rows 4 KiB apart share
/// the same L1 cache sets; gemm reading such a right operand for a product
/// of a few rows (a step of a walk through time) loses 10–25 %.
pub fn row_padding<A>(cols: usize) -> usize {
    let size = std::mem::size_of::<A>().max(1);
    if cols > 0 && (cols * size) % 4096 == 0 {
        64 / size
    } else {
        0
    }
}

/// `srcᵀ` `(n, m)` for `src` `(m, n)`, written into the first `m` columns of
/// `dst`, which is resized to `(n, m + row_padding(m))` when its shape
/// differs; returns those columns (the padding is left as it was). A right
/// operand of small products (see [`row_padding`]): the same values as
/// [`transposed_copy`], only the row stride differs.
pub fn transposed_copy_padded<'a, A: Copy + Send + Sync + num_traits::Zero + 'static>(
    src: &Array2<A>,
    dst: &'a mut Array2<A>,
) -> ArrayView2<'a, A> {
    let (m, n) = src.dim();
    let ld = m + row_padding::<A>(m);
    if dst.dim() != (n, ld) {
        *dst = Array2::zeros((n, ld));
    }
    match (src.as_slice(), dst.as_slice_mut()) {
        (Some(from), Some(to)) => rows_of_transpose(from, to, Sizes { m, n, ls: n, ld }),
        _ => dst.slice_mut(s![.., ..m]).assign(&src.t()),
    }
    dst.slice(s![.., ..m])
}

/// `dst = ` the transpose of the first `cols` columns of `src` (a buffer
/// [`transposed_copy_padded`] filled, say: rows padded past the matrix),
/// `dst` `(cols, src.nrows())`.
pub fn transpose_padded_into<A: Copy + Send + Sync + 'static>(
    src: &Array2<A>,
    cols: usize,
    mut dst: ArrayViewMut2<'_, A>,
) {
    let (m, ls) = src.dim();
    assert!(
        cols <= ls && dst.dim() == (cols, m),
        "transpose_padded_into: {cols} columns of {:?} into {:?}",
        src.dim(),
        dst.dim()
    );
    match (src.as_slice(), dst.as_slice_mut()) {
        (Some(from), Some(to)) => rows_of_transpose(
            from,
            to,
            Sizes {
                m,
                n: cols,
                ls,
                ld: m,
            },
        ),
        _ => dst.assign(&src.slice(s![.., ..cols]).t()),
    }
}

/// A transpose's sizes: the source is `(m, n)` with rows `ls >= n` values
/// apart; the destination gets `n` rows `ld >= m` values apart, the first
/// `m` of each written.
#[derive(Clone, Copy, Debug)]
struct Sizes {
    m: usize,
    n: usize,
    ls: usize,
    ld: usize,
}

/// `fromᵀ` into `to` ([`Sizes`]); on two cores when large.
fn rows_of_transpose<A: Copy + Send + Sync + 'static>(from: &[A], to: &mut [A], sz: Sizes) {
    let Sizes { m, n, ld, .. } = sz;
    if m * n < PARALLEL_VALUES || n < 2 * TILE_SIMD {
        band(from, to, sz, 0);
        return;
    }
    // Two bands of destination rows, one a core: copies only, so who
    // copies which band changes nothing.
    let split = n / 2 / TILE_SIMD * TILE_SIMD;
    let (first, second) = to.split_at_mut(split * ld);
    rayon::join(
        || band(from, first, sz, 0),
        || band(from, second, sz, split),
    );
}

/// Matrices from this many values are transposed on two cores (1 MiB of `f32`).
const PARALLEL_VALUES: usize = 1 << 18;

/// Rows `j0..` of `fromᵀ` ([`Sizes`]) into `to`, as many whole rows as it
/// holds; `j0` is a multiple of 16.
fn band<A: Copy + 'static>(from: &[A], to: &mut [A], sz: Sizes, j0: usize) {
    let j1 = j0 + to.len() / sz.ld.max(1);
    #[cfg(target_arch = "x86_64")]
    if TypeId::of::<A>() == TypeId::of::<f32>() && std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: `A` is `f32` (the same type id), so both slices hold `f32`.
        let (from, to) = unsafe {
            (
                &*(from as *const [A] as *const [f32]),
                &mut *(to as *mut [A] as *mut [f32]),
            )
        };
        // SAFETY: AVX was detected just above.
        unsafe { avx::transpose(from, to, sz, j0..j1) };
        return;
    }
    tiled(from, to, sz, j0..j1);
}

/// Value by value, tile by tile, destination rows `js` into `to`: each
/// destination row (`ld` values apart) is written contiguously, the strided
/// side is the read.
fn tiled<A: Copy>(from: &[A], to: &mut [A], sz: Sizes, js: Range<usize>) {
    let Sizes { m, ls, ld, .. } = sz;
    for i0 in (0..m).step_by(TILE) {
        let i1 = (i0 + TILE).min(m);
        for j0 in js.clone().step_by(TILE) {
            for j in j0..(j0 + TILE).min(js.end) {
                let row = (j - js.start) * ld;
                for (o, i) in to[row + i0..row + i1].iter_mut().zip(i0..i1) {
                    *o = from[i * ls + j];
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx {
    use super::{Sizes, TILE_SIMD as T};
    use std::arch::x86_64::*;
    use std::ops::Range;

    /// Rows `js` of `fromᵀ` into `to` ([`Sizes`]): 16 x 16
    /// tiles, each as four 8 x 8 blocks through registers into a small
    /// buffer whose rows are then copied out whole; the edges (the last
    /// `m % 16` rows, `n % 16` columns) value by value.
    ///
    /// Each tile reads one 64-byte piece of 16 source rows and writes one of
    /// 16 destination rows, so the short side's cache lines are used up at
    /// once, while the tiles walk along the other side's rows.
    ///
    /// # Safety
    /// The processor must have AVX; in `sz`'s names, `ls >= n`,
    /// `from.len() == m * ls`, `ld >= m`, `to.len() == js.len() * ld`,
    /// `js.start` a multiple of 16, `js.end <= n`.
    #[target_feature(enable = "avx")]
    pub(super) unsafe fn transpose(from: &[f32], to: &mut [f32], sz: Sizes, js: Range<usize>) {
        let Sizes { m, n, ls, ld } = sz;
        assert!(
            ls >= n
                && from.len() == m * ls
                && ld >= m
                && to.len() == js.len() * ld
                && js.start % T == 0
                && js.end <= n
        );
        let (m16, j16) = (m / T * T, js.start + js.len() / T * T);
        let (src, dst) = (from.as_ptr(), to.as_mut_ptr());
        let mut tile = [0.0f32; T * T];
        let mut one = |i: usize, j: usize| {
            for (a, b) in [(0, 0), (0, 8), (8, 0), (8, 8)] {
                // SAFETY: rows i..i+16 <= m and columns j..j+16 <= n of `from`.
                unsafe {
                    block(
                        src.add((i + a) * ls + j + b),
                        ls,
                        tile.as_mut_ptr().add(b * T + a),
                        T,
                    )
                };
            }
            for (r, row) in tile.chunks_exact(T).enumerate() {
                // SAFETY: row j + r of `fromᵀ` is row j + r - js.start < js.len()
                // of `to`, columns i..i+16 <= m.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        row.as_ptr(),
                        dst.add((j + r - js.start) * ld + i),
                        T,
                    )
                };
            }
        };
        // Walk along the rows whose length is a multiple of 4 KiB (their
        // lines share cache sets and would not survive a second visit); if
        // both or neither are, along the destination's rows.
        const SET_STRIDE: usize = 1024;
        if ls % SET_STRIDE == 0 && ld % SET_STRIDE != 0 {
            for i in (0..m16).step_by(T) {
                for j in (js.start..j16).step_by(T) {
                    one(i, j);
                }
            }
        } else {
            for j in (js.start..j16).step_by(T) {
                for i in (0..m16).step_by(T) {
                    one(i, j);
                }
            }
        }
        for j in js.clone() {
            let row = (j - js.start) * ld;
            let first = if j < j16 { m16 } else { 0 };
            for i in first..m {
                to[row + i] = from[i * ls + j];
            }
        }
    }

    /// One 8 x 8 block: rows of `src` (row stride `ls`) become rows of `dst`
    /// (row stride `ld`).
    ///
    /// # Safety
    /// AVX; eight rows of eight values readable at `src`, writable at `dst`.
    #[target_feature(enable = "avx")]
    #[inline]
    unsafe fn block(src: *const f32, ls: usize, dst: *mut f32, ld: usize) {
        // SAFETY: the caller's bounds; unaligned loads and stores.
        unsafe {
            let r: [__m256; 8] = std::array::from_fn(|k| _mm256_loadu_ps(src.add(k * ls)));
            // Pairs of rows interleaved, then quadruples, then the halves swapped.
            let t0 = _mm256_unpacklo_ps(r[0], r[1]);
            let t1 = _mm256_unpackhi_ps(r[0], r[1]);
            let t2 = _mm256_unpacklo_ps(r[2], r[3]);
            let t3 = _mm256_unpackhi_ps(r[2], r[3]);
            let t4 = _mm256_unpacklo_ps(r[4], r[5]);
            let t5 = _mm256_unpackhi_ps(r[4], r[5]);
            let t6 = _mm256_unpacklo_ps(r[6], r[7]);
            let t7 = _mm256_unpackhi_ps(r[6], r[7]);
            let u0 = _mm256_shuffle_ps::<0x44>(t0, t2);
            let u1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
            let u2 = _mm256_shuffle_ps::<0x44>(t1, t3);
            let u3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
            let u4 = _mm256_shuffle_ps::<0x44>(t4, t6);
            let u5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
            let u6 = _mm256_shuffle_ps::<0x44>(t5, t7);
            let u7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
            let out = [
                _mm256_permute2f128_ps::<0x20>(u0, u4),
                _mm256_permute2f128_ps::<0x20>(u1, u5),
                _mm256_permute2f128_ps::<0x20>(u2, u6),
                _mm256_permute2f128_ps::<0x20>(u3, u7),
                _mm256_permute2f128_ps::<0x31>(u0, u4),
                _mm256_permute2f128_ps::<0x31>(u1, u5),
                _mm256_permute2f128_ps::<0x31>(u2, u6),
                _mm256_permute2f128_ps::<0x31>(u3, u7),
            ];
            for (k, v) in out.into_iter().enumerate() {
                _mm256_storeu_ps(dst.add(k * ld), v);
            }
        }
    }
}

#[cfg(test)]
mod portable {
    use super::{band, tiled, Sizes};

    /// The value-by-value transpose, what a processor without AVX (or not x86)
    /// runs, writes what the vectorised one writes, edges and padding included.
    #[test]
    fn the_portable_transpose_equals_the_vectorised_one() {
        for (m, n, ld) in [(1027, 256, 1040), (35, 17, 35), (16, 16, 16), (3, 40, 8)] {
            let sz = Sizes { m, n, ls: n, ld };
            let from: Vec<f32> = (0..m * n).map(|v| v as f32 * 0.5 - 7.0).collect();
            let (mut fast, mut plain) = (vec![0.0f32; n * ld], vec![0.0f32; n * ld]);
            band(&from, &mut fast, sz, 0);
            tiled(&from, &mut plain, sz, 0..n);
            assert_eq!(fast, plain, "{m} x {n}");
            assert_eq!(plain[ld + 2], from[2 * n + 1]); // row 1 of the transpose, column 2
        }
    }
}

#[cfg(test)]
mod examples {
    #[test]
    fn transposed_copy_example() {
        use ndarray::{array, Array2};
        let mut t = Array2::zeros((0, 0));
        crate::fast::kernels::transpose::transposed_copy(&array![[1.0f32, 2.0]], &mut t);
        assert_eq!(t, array![[1.0], [2.0]]);
    }

    #[test]
    fn transpose_into_example() {
        use ndarray::Array2;
        let src = Array2::from_shape_fn((40, 70), |(i, j)| (i * 70 + j) as f32);
        let mut dst = Array2::zeros((70, 40));
        crate::fast::kernels::transpose::transpose_into(src.view(), dst.view_mut());
        assert_eq!(dst, src.t());
    }

    #[test]
    fn row_padding_example() {
        use crate::fast::kernels::transpose::row_padding;
        assert_eq!(row_padding::<f32>(1024), 16); // the section's LSTM: 4 gates of 256
        assert_eq!(row_padding::<f32>(768), 0); // its GRU
        assert_eq!(row_padding::<f64>(512), 8);
    }

    #[test]
    fn transposed_copy_padded_example() {
        use ndarray::Array2;
        let w = Array2::from_shape_fn((1024, 3), |(i, j)| (i * 3 + j) as f32);
        let mut buf = Array2::zeros((0, 0));
        let t = crate::fast::kernels::transpose::transposed_copy_padded(&w, &mut buf);
        assert_eq!((t.dim(), t.strides()), ((3, 1024), &[1040, 1][..]));
        assert_eq!((t[[2, 1023]], t[[1, 5]]), (3071.0, 16.0));
    }

    #[test]
    fn transpose_padded_into_example() {
        use ndarray::{array, Array2};
        let padded = array![[1.0f32, 2.0, 9.0], [3.0, 4.0, 9.0]]; // a (2, 2) matrix, rows of 3
        let mut t = Array2::zeros((2, 2));
        crate::fast::kernels::transpose::transpose_padded_into(&padded, 2, t.view_mut());
        assert_eq!(t, array![[1.0, 3.0], [2.0, 4.0]]);
    }
}
