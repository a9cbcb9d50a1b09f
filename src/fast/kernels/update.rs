//! The element-wise passes over every parameter after each backward pass:
//! the gradient's norm and scaling ([`crate::optim::grad_clipping`]) and the
//! updates of [`crate::optim::sgd`] and [`crate::optim::Adam`].
//!
//! Each pass cuts the tensors into blocks of [`BLOCK`] values that the
//! thread pool shares, and runs each block as a plain slice loop compiled
//! for the processor's vector instructions ([`vectorized`]). An update
//! touches each value on its own, so the result does not depend on who ran
//! which block; the norm adds the blocks' partial sums in block order, so it
//! does not either: one thread or two give the same numbers bit for bit.

use super::math::vectorized;
use crate::fast::FastReal;
use ndarray::{ArrayViewD, ArrayViewMutD, Zip};
use rayon::prelude::*;

/// Values per block: 16384 `f32` are 64 KiB, a few microseconds of work,
/// far more than the cost of handing a block to a thread.
pub const BLOCK: usize = 1 << 14;

/// \\(\sum_i g_i^2\\) over every value of every tensor, in `f64`.
///
/// Each block sums into eight lanes (value \\(j\\) into lane \\(j \bmod 8\\)),
/// the lanes are added in order, then the blocks in order.
pub fn sum_of_squares<A: FastReal>(tensors: &[ArrayViewD<'_, A>]) -> f64 {
    let mut blocks: Vec<&[A]> = Vec::new();
    let mut strided = 0.0;
    for t in tensors {
        match t.as_slice() {
            Some(values) => blocks.extend(values.chunks(BLOCK)),
            None => strided += t.iter().map(|&v| square(v)).sum::<f64>(),
        }
    }
    let partial: Vec<f64> = blocks
        .par_iter()
        .map(|block| {
            vectorized(
                #[inline(always)]
                || block_squares(block),
            )
        })
        .collect();
    partial.iter().sum::<f64>() + strided
}

#[inline(always)]
fn square<A: FastReal>(v: A) -> f64 {
    let v = v.to_f64().unwrap_or(f64::NAN);
    v * v
}

#[inline(always)]
fn block_squares<A: FastReal>(block: &[A]) -> f64 {
    let mut lanes = [0.0f64; 8];
    let chunks = block.chunks_exact(8);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (l, &v) in lanes.iter_mut().zip(chunk) {
            *l += square(v);
        }
    }
    lanes.iter().sum::<f64>() + rest.iter().map(|&v| square(v)).sum::<f64>()
}

/// `x = f(x, a)` for every value of the paired tensors (same shapes), block
/// by block on the thread pool: the one loop of scaling and SGD.
fn update_with<A: FastReal>(
    xs: &mut [ArrayViewMutD<'_, A>],
    others: &[ArrayViewD<'_, A>],
    f: impl Fn(A, A) -> A + Sync,
) {
    same_shapes(
        xs.iter().map(|x| x.shape()),
        others.iter().map(|a| a.shape()),
        "gradients",
    );
    let mut work: Vec<(&mut [A], &[A])> = Vec::new();
    for (x, a) in xs.iter_mut().zip(others) {
        if x.is_standard_layout() && a.is_standard_layout() {
            let (x, a) = (standard_mut(x), standard(a));
            work.extend(x.chunks_mut(BLOCK).zip(a.chunks(BLOCK)));
        } else {
            Zip::from(x).and(a).for_each(|x, &a| *x = f(*x, a));
        }
    }
    work.into_par_iter().for_each(|(x, a)| {
        vectorized(
            #[inline(always)]
            || {
                let a = &a[..x.len()];
                for j in 0..x.len() {
                    x[j] = f(x[j], a[j]);
                }
            },
        )
    });
}

/// \\(g \leftarrow s\, g\\) for every value of every tensor.
pub fn scale<A: FastReal>(tensors: &mut [ArrayViewMutD<'_, A>], s: A) {
    let mut work: Vec<&mut [A]> = Vec::new();
    for t in tensors.iter_mut() {
        if t.is_standard_layout() {
            work.extend(standard_mut(t).chunks_mut(BLOCK));
        } else {
            t.mapv_inplace(|v| v * s);
        }
    }
    work.into_par_iter().for_each(|x| {
        vectorized(
            #[inline(always)]
            || x.iter_mut().for_each(|v| *v *= s),
        )
    });
}

/// \\(w \leftarrow w - \eta\, g\\) for every value, `params` and `grads` paired tensor by tensor.
///
/// # Panics
/// If `grads` does not hold one tensor of the same shape for each of `params`.
pub fn descend<A: FastReal>(
    params: &mut [ArrayViewMutD<'_, A>],
    grads: &[ArrayViewD<'_, A>],
    lr: A,
) {
    update_with(params, grads, move |w, g| w - lr * g);
}

/// The constants of one Adam step: decay rates, their complements, the step
/// size \\(\eta / (1 - \beta_1^t)\\), \\(\sqrt{1 - \beta_2^t}\\) and \\(\epsilon\\).
#[derive(Clone, Copy, Debug)]
pub struct AdamStep<A> {
    /// \\(\beta_1\\), \\(\beta_2\\).
    pub betas: (A, A),
    /// \\(1 - \beta_1\\), \\(1 - \beta_2\\).
    pub complements: (A, A),
    /// \\(\eta / (1 - \beta_1^t)\\).
    pub step_size: A,
    /// \\(\sqrt{1 - \beta_2^t}\\).
    pub bias_correction2_sqrt: A,
    /// \\(\epsilon\\).
    pub eps: A,
}

/// One Adam step on paired tensors `(w, g, m, v)` (same shapes):
/// \\(m \leftarrow \beta_1 m + (1 - \beta_1) g\\),
/// \\(v \leftarrow \beta_2 v + (1 - \beta_2) g^2\\),
/// \\(w \leftarrow w - \frac{\eta}{1 - \beta_1^t} \cdot \frac{m}{\sqrt{v} / \sqrt{1 - \beta_2^t} + \epsilon}\\),
/// value by value in that order of operations.
///
/// # Panics
/// If `grads`, `m` and `v` do not each hold one tensor of the same shape for
/// each of `params`.
pub fn adam<A: FastReal>(
    params: &mut [ArrayViewMutD<'_, A>],
    grads: &[ArrayViewD<'_, A>],
    m: &mut [ArrayViewMutD<'_, A>],
    v: &mut [ArrayViewMutD<'_, A>],
    c: AdamStep<A>,
) {
    let one = |w: &mut A, g: A, m: &mut A, v: &mut A| adam_one(w, g, m, v, &c);
    let shapes = || params.iter().map(|w| w.shape());
    same_shapes(shapes(), grads.iter().map(|g| g.shape()), "gradients");
    same_shapes(shapes(), m.iter().map(|t| t.shape()), "first moments");
    same_shapes(shapes(), v.iter().map(|t| t.shape()), "second moments");
    type Block<'a, A> = (&'a mut [A], &'a [A], &'a mut [A], &'a mut [A]);
    let mut work: Vec<Block<'_, A>> = Vec::new();
    let tensors = params
        .iter_mut()
        .zip(grads)
        .zip(m.iter_mut().zip(v.iter_mut()));
    for ((w, g), (m, v)) in tensors {
        let layouts = [w.is_standard_layout(), g.is_standard_layout()];
        if !(layouts.into_iter().all(|s| s) && m.is_standard_layout() && v.is_standard_layout()) {
            Zip::from(w)
                .and(g)
                .and(m)
                .and(v)
                .for_each(|w, &g, m, v| one(w, g, m, v));
            continue;
        }
        let (ws, gs) = (standard_mut(w), standard(g));
        let (ms, vs) = (standard_mut(m), standard_mut(v));
        let blocks = ws.chunks_mut(BLOCK).zip(gs.chunks(BLOCK));
        let moments = ms.chunks_mut(BLOCK).zip(vs.chunks_mut(BLOCK));
        work.extend(blocks.zip(moments).map(|((w, g), (m, v))| (w, g, m, v)));
    }
    work.into_par_iter().for_each(|(w, g, m, v)| {
        vectorized(
            #[inline(always)]
            || {
                let n = w.len();
                let (g, m, v) = (&g[..n], &mut m[..n], &mut v[..n]);
                for j in 0..n {
                    adam_one(&mut w[j], g[j], &mut m[j], &mut v[j], &c);
                }
            },
        )
    });
}

/// Panics, naming the first difference, unless `theirs` has one shape for each of `ours`.
fn same_shapes<'a>(
    ours: impl ExactSizeIterator<Item = &'a [usize]>,
    theirs: impl ExactSizeIterator<Item = &'a [usize]>,
    what: &str,
) {
    assert_eq!(
        ours.len(),
        theirs.len(),
        "{what}: one tensor for each parameter"
    );
    for (k, (a, b)) in ours.zip(theirs).enumerate() {
        assert_eq!(
            a, b,
            "{what}: tensor {k} has shape {b:?}, its parameter {a:?}"
        );
    }
}

/// One value's Adam step, in the order of operations of [`adam`].
#[inline(always)]
fn adam_one<A: FastReal>(w: &mut A, g: A, m: &mut A, v: &mut A, c: &AdamStep<A>) {
    let ((b1, b2), (c1, c2)) = (c.betas, c.complements);
    *m = b1 * *m + c1 * g;
    *v = b2 * *v + c2 * g * g;
    *w -= c.step_size * *m / (v.sqrt() / c.bias_correction2_sqrt + c.eps);
}

/// The values of a tensor of standard layout (checked by the caller).
fn standard<'a, A>(t: &'a ArrayViewD<'_, A>) -> &'a [A] {
    t.as_slice().expect("a tensor of standard layout")
}

/// [`standard`], writable.
fn standard_mut<'a, A>(t: &'a mut ArrayViewMutD<'_, A>) -> &'a mut [A] {
    t.as_slice_mut().expect("a tensor of standard layout")
}

#[cfg(test)]
mod examples {
    #[test]
    fn block_example() {
        // The section's RNN: 1027 x 256 input weights alone make 17 blocks.
        assert_eq!((1027 * 256usize).div_ceil(super::BLOCK), 17);
    }

    #[test]
    fn sum_of_squares_example() {
        use ndarray::{array, ArrayViewD};
        let (a, b) = (array![3.0f32, 4.0], array![[12.0f32]]);
        let tensors: Vec<ArrayViewD<f32>> = vec![a.view().into_dyn(), b.view().into_dyn()];
        assert_eq!(
            crate::fast::kernels::update::sum_of_squares(&tensors),
            169.0
        );
    }

    #[test]
    fn scale_example() {
        use ndarray::array;
        let mut g = array![[1.0f32, -2.0]];
        crate::fast::kernels::update::scale(&mut [g.view_mut().into_dyn()], 0.5);
        assert_eq!(g, array![[0.5, -1.0]]);
    }

    #[test]
    fn descend_example() {
        use ndarray::array;
        let (mut w, g) = (array![1.0f32, 1.0], array![0.5f32, -2.0]);
        crate::fast::kernels::update::descend(
            &mut [w.view_mut().into_dyn()],
            &[g.view().into_dyn()],
            0.5,
        );
        assert_eq!(w, array![0.75, 2.0]);
    }

    #[test]
    fn adamstep_example() {
        // PyTorch's defaults at step t = 1 with lr 1e-3: both bias corrections are 1 - beta.
        let c = crate::fast::kernels::update::AdamStep {
            betas: (0.9f32, 0.999),
            complements: (0.1, 0.001),
            step_size: 1e-3 / 0.1,
            bias_correction2_sqrt: 0.001f32.sqrt(),
            eps: 1e-8,
        };
        assert!((c.step_size - 0.01).abs() < 1e-9);
    }

    #[test]
    fn adam_example() {
        use crate::fast::kernels::update::{adam, AdamStep};
        use ndarray::{array, ArrayD};
        let (mut w, g) = (array![1.0f32].into_dyn(), array![2.0f32].into_dyn());
        let (mut m, mut v) = (ArrayD::zeros(w.raw_dim()), ArrayD::zeros(w.raw_dim()));
        let c = AdamStep {
            betas: (0.5, 0.5),
            complements: (0.5, 0.5),
            step_size: 0.25,
            bias_correction2_sqrt: 1.0,
            eps: 0.0,
        };
        adam(
            &mut [w.view_mut()],
            &[g.view()],
            &mut [m.view_mut()],
            &mut [v.view_mut()],
            c,
        );
        // m = 1, v = 2, w = 1 - 0.25 * 1 / sqrt(2)
        assert_eq!((m[0], v[0]), (1.0, 2.0));
        assert_eq!(w[0], 1.0 - 0.25 * (1.0 / 2f32.sqrt()));
    }
}
