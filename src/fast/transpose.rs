//! Matrix transposes: the row-major copies of \\(W^\top\\) the fast models
//! multiply by, and the one-hot input's gather and scatter, which read and
//! write \\(W_{ih}\\) through its transpose.
//!
//! A transpose only moves values, so every path gives the same numbers. For
//! `f32` on a processor with AVX it moves 8 x 8 blocks through vector
//! registers (eight loads, 24 shuffles, eight stores) instead of one value at
//! a time; elsewhere it copies value by value, tile by tile.

use crate::real::Real;
use crate::scratch::Gate;
use ndarray::{Array2, ArrayView2, ArrayViewMut2};
#[cfg(target_arch = "x86_64")]
use std::any::TypeId;

/// `dst = srcᵀ` ([`transpose_into`]), resizing `dst` first when its shape differs.
///
/// ```
/// use ndarray::{array, Array2};
/// let mut t = Array2::zeros((0, 0));
/// d2l_rnn::fast::transpose::transposed_copy(&array![[1.0f32, 2.0]], &mut t);
/// assert_eq!(t, array![[1.0], [2.0]]);
/// ```
pub fn transposed_copy<A: Copy + num_traits::Zero + 'static>(src: &Array2<A>, dst: &mut Array2<A>) {
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

/// Tile side of the value-by-value path: 32 x 32 values of `f32` are 4 KiB,
/// so a source tile and a destination tile stay in L1.
const TILE: usize = 32;

/// Source rows per band of the block path: a band's 16-value pieces (one
/// cache line) are read for two neighbouring 8-column blocks while still in
/// L1, and its destination rows are written 64 values at a time.
const BAND: usize = 64;

/// `dst = srcᵀ`: `src` `(m, n)`, `dst` `(n, m)`.
///
/// ```
/// use ndarray::{array, Array2};
/// let src = Array2::from_shape_fn((40, 70), |(i, j)| (i * 70 + j) as f32);
/// let mut dst = Array2::zeros((70, 40));
/// d2l_rnn::fast::transpose::transpose_into(src.view(), dst.view_mut());
/// assert_eq!(dst, src.t());
/// ```
pub fn transpose_into<A: Copy + 'static>(src: ArrayView2<'_, A>, mut dst: ArrayViewMut2<'_, A>) {
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
        unsafe { avx::transpose(from, to, m, n) };
        return;
    }
    tiled(from, to, m, n);
}

/// Value by value, tile by tile: each destination row is written
/// contiguously, the strided side is the read.
fn tiled<A: Copy>(from: &[A], to: &mut [A], m: usize, n: usize) {
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

#[cfg(target_arch = "x86_64")]
mod avx {
    use super::BAND;
    use std::arch::x86_64::*;

    /// `to = fromᵀ` for `from` `(m, n)` row-major: whole 8 x 8 blocks through
    /// registers, the edges (the last `m % 8` rows, `n % 8` columns) value by value.
    ///
    /// # Safety
    /// The processor must have AVX; `from.len() == to.len() == m * n`.
    #[target_feature(enable = "avx")]
    pub(super) unsafe fn transpose(from: &[f32], to: &mut [f32], m: usize, n: usize) {
        assert!(from.len() == m * n && to.len() == m * n);
        let (m8, n8) = (m / 8 * 8, n / 8 * 8);
        let (src, dst) = (from.as_ptr(), to.as_mut_ptr());
        for i0 in (0..m8).step_by(BAND) {
            let i1 = (i0 + BAND).min(m8);
            for j in (0..n8).step_by(8) {
                for i in (i0..i1).step_by(8) {
                    // SAFETY: rows i..i+8 <= m and columns j..j+8 <= n of
                    // `from`; rows j..j+8 <= n and columns i..i+8 <= m of `to`.
                    unsafe { block(src.add(i * n + j), n, dst.add(j * m + i), m) };
                }
            }
        }
        for i in m8..m {
            for j in 0..n {
                to[j * m + i] = from[i * n + j];
            }
        }
        for j in n8..n {
            for i in 0..m8 {
                to[j * m + i] = from[i * n + j];
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
