//! Fast elementwise functions (\\(e^x\\), \\(\tanh\\), the logistic
//! sigmoid) and the switch that compiles hot loops for the processor's
//! vector instructions.
//!
//! For `f32` the functions are branch-free polynomials the compiler can
//! vectorise; for `f64` they are the standard library's, so that gradient
//! checks keep every digit. Each element is computed on its own, in the same
//! order of operations on every path, so vectorising changes the speed, not
//! the numbers.

/// \\(e^x\\), \\(\tanh x\\) and \\(\sigma(x)\\) as the fast engine computes
/// them: polynomials for `f32`, the standard library's functions for `f64`
/// (below).
pub trait Exp: Copy {
    /// \\(e^x\\); NaN stays NaN.
    fn exp_fast(self) -> Self;
    /// \\(\tanh x\\); NaN stays NaN.
    fn tanh_fast(self) -> Self;
    /// The logistic function \\(\sigma(x) = 1 / (1 + e^{-x})\\).
    fn sigmoid_fast(self) -> Self;
}

impl Exp for f64 {
    fn exp_fast(self) -> f64 {
        self.exp()
    }

    fn tanh_fast(self) -> f64 {
        self.tanh()
    }

    fn sigmoid_fast(self) -> f64 {
        1.0 / (1.0 + (-self).exp())
    }
}

impl Exp for f32 {
    /// Cody–Waite range reduction \\(x = n \ln 2 + r\\), \\(|r| \le \ln 2 / 2\\),
    /// a degree-7 polynomial for \\(e^r\\), then \\(2^n\\) built from its bits.
    /// Relative error below 3e-7 on \\([-87, 88]\\); inputs below -87 give
    /// \\(e^{-87}\\), above 88 give \\(e^{88}\\).
    #[inline(always)]
    fn exp_fast(self) -> f32 {
        const LOG2E: f32 = std::f32::consts::LOG2_E;
        const LN2_HI: f32 = 0.693_359_4;
        const LN2_LO: f32 = -2.121_944_4e-4;
        // Adding and subtracting 1.5 * 2^23 rounds to the nearest integer.
        const ROUND: f32 = 12_582_912.0;
        let x = self.clamp(-87.0, 88.0);
        let t = x * LOG2E + ROUND;
        let n = t - ROUND;
        let r = x - n * LN2_HI - n * LN2_LO;
        let p = 1.987_569_1e-4;
        let p = p * r + 1.398_199_9e-3;
        let p = p * r + 8.333_452e-3;
        let p = p * r + 4.166_579_6e-2;
        let p = p * r + 1.666_666_5e-1;
        let p = p * r + 0.5;
        let p = p * r * r + r + 1.0;
        // The low bits of `t` hold n; integer arithmetic (no float-to-int
        // conversion) keeps the loop vectorisable. 2^n = bits (n + 127) << 23.
        let n_bits = t.to_bits().wrapping_sub(ROUND.to_bits());
        let scale = f32::from_bits(n_bits.wrapping_add(127) << 23);
        p * scale
    }

    /// For \\(|x| < 0.4\\) the odd Taylor series up to \\(x^{11}\\) (the next
    /// term is below 1e-7 of the result); above, \\(1 - 2 / (e^{2|x|} + 1)\\);
    /// the sign is copied from \\(x\\). Both are computed and one is
    /// selected, so the loop has no branch. Relative error below 1e-6.
    #[inline(always)]
    fn tanh_fast(self) -> f32 {
        let a = self.abs();
        let a2 = a * a;
        // Coefficients of x, x^3, ..., x^11 in tanh's series: 1, -1/3, 2/15,
        // -17/315, 62/2835, -1382/155925.
        let p = -8.863_235e-3;
        let p = p * a2 + 2.186_949e-2;
        let p = p * a2 - 5.396_825_5e-2;
        let p = p * a2 + 1.333_333_4e-1;
        let p = p * a2 - 3.333_333_4e-1;
        let small = p * a2 * a + a;
        let large = 1.0 - 2.0 / ((a + a).exp_fast() + 1.0);
        // NaN fails `a < 0.4` and stays NaN through `exp_fast`.
        let t = if a < 0.4 { small } else { large };
        t.copysign(self)
    }

    /// \\(1 / (1 + e^{-x})\\) with [`Exp::exp_fast`].
    #[inline(always)]
    fn sigmoid_fast(self) -> f32 {
        1.0 / (1.0 + (-self).exp_fast())
    }
}

/// Runs `f` compiled with AVX-512, or else AVX2 and FMA, enabled when the
/// processor has them (checked at run time), so that the loops inside use
/// 16- or 8-wide vectors; on other processors it runs `f` as it is. The numbers are the same either
/// way: Rust never fuses a multiply and an add on its own.
///
/// Mark the closure `#[inline(always)]`: a closure the compiler keeps as a
/// function of its own is compiled without AVX2, and its loops fall back to
/// 4-wide SSE.
#[inline(always)]
pub fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx512f,avx2,fma")]
        #[inline]
        fn avx512<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        #[target_feature(enable = "avx2,fma")]
        #[inline]
        fn avx2<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the feature was detected just above.
            return unsafe { avx512(f) };
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the features `avx2` needs were detected just above.
            return unsafe { avx2(f) };
        }
    }
    f()
}

#[cfg(test)]
mod tests {
    use super::Exp;

    /// Every 1e-4 from -10 to 10, plus tiny and huge inputs: the documented bounds hold.
    #[test]
    fn fast_functions_stay_within_their_documented_error() {
        let mut xs: Vec<f32> = (-100_000..=100_000).map(|i| i as f32 * 1e-4).collect();
        xs.extend([1e-30f32, -1e-12, 1e-7, 15.0, -40.0, 88.0, -87.0]);
        let (mut worst_tanh, mut worst_sigmoid) = (0.0f64, 0.0f64);
        for &x in &xs {
            let exact = (x as f64).tanh();
            if exact != 0.0 {
                worst_tanh = worst_tanh.max(((x.tanh_fast() as f64) - exact).abs() / exact.abs());
            }
            let exact = 1.0 / (1.0 + (-(x as f64)).exp());
            worst_sigmoid =
                worst_sigmoid.max(((x.sigmoid_fast() as f64) - exact).abs() / exact.abs());
        }
        assert!(
            worst_tanh < 1e-6,
            "tanh: worst relative error {worst_tanh:e}"
        );
        assert!(
            worst_sigmoid < 1e-6,
            "sigmoid: worst relative error {worst_sigmoid:e}"
        );
        assert_eq!(0.0f32.tanh_fast(), 0.0);
    }
}

#[cfg(test)]
mod examples {
    #[test]
    fn exp_fast_example() {
        use crate::fast::kernels::math::Exp;
        for x in [-80.0f32, -3.7, -0.5, 0.0, 0.25, 10.0, 88.0] {
            assert!((x.exp_fast() - x.exp()).abs() <= 3e-7 * x.exp());
        }
        assert!(f32::NAN.exp_fast().is_nan());
    }

    #[test]
    fn tanh_fast_example() {
        use crate::fast::kernels::math::Exp;
        for x in [-9.0f32, -1.5, -0.4, -0.01, 0.0, 1e-6, 0.39, 0.41, 2.0, 30.0] {
            assert!((x.tanh_fast() - x.tanh()).abs() <= 1e-6 * x.tanh().abs());
        }
        assert!(f32::NAN.tanh_fast().is_nan());
    }

    #[test]
    fn sigmoid_fast_example() {
        use crate::fast::kernels::math::Exp;
        for x in [-30.0f32, -2.0, 0.0, 0.5, 9.0] {
            let exact = 1.0 / (1.0 + (-x as f64).exp());
            assert!((x.sigmoid_fast() as f64 - exact).abs() <= 1e-6 * exact);
        }
    }

    #[test]
    fn vectorized_example() {
        let xs = vec![0.5f32; 100];
        let s = crate::fast::kernels::math::vectorized(
            #[inline(always)]
            || xs.iter().map(|x| x * 2.0).sum::<f32>(),
        );
        assert_eq!(s, 100.0);
    }
}
