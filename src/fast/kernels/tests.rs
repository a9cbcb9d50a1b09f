//! The fast engine's data-movement and update kernels against plain loops:
//! the transposes (16 x 16 vector tiles for `f32`, walked either way, a
//! tiled copy otherwise) and the blocked parameter passes of clipping and
//! the optimisers.

use super::transpose::{
    row_padding, transpose_into, transpose_padded_into, transposed_copy, transposed_copy_padded,
};
use super::update::{self, BLOCK};
use crate::model::Parameters;
use crate::optim::{grad_clipping, Adam, Optimizer, Sgd};
use crate::scratch::{GatedParams, RnnParams};
use ndarray::{s, Array2, ArrayD, ArrayViewD};

fn numbered<A: From<u16>>(m: usize, n: usize) -> Array2<A> {
    Array2::from_shape_fn((m, n), |(i, j)| A::from((i * n + j) as u16))
}

#[test]
fn transposes_of_every_edge_shape_match_the_definition() {
    for m in (1..=19).chain([31, 32, 33, 64, 65, 130, 300]) {
        for n in (1..=19).chain([24, 40, 67, 1024, 1027]) {
            let a = numbered::<f32>(m, n);
            let mut t = Array2::zeros((0, 0));
            transposed_copy(&a, &mut t);
            assert_eq!(t, a.t(), "f32 ({m}, {n})");
            let b = numbered::<f64>(m, n);
            let mut u = Array2::zeros((n, m));
            transpose_into(b.view(), u.view_mut());
            assert_eq!(u, b.t(), "f64 ({m}, {n})");
        }
    }
}

#[test]
fn padded_transposes_and_their_way_back_match_the_definition() {
    // 1024 and 2048 columns of f32 (and 512 of f64) get padded rows.
    for m in [1, 15, 16, 17, 33, 256, 512, 1024, 2048] {
        for n in [1, 3, 16, 31, 257, 1027] {
            let a = numbered::<f32>(m, n);
            let mut buf = Array2::from_elem((2, 2), -1.0);
            let t = transposed_copy_padded(&a, &mut buf);
            assert_eq!(t, a.t(), "f32 ({m}, {n})");
            assert_eq!(buf.dim(), (n, m + row_padding::<f32>(m)));
            let mut back = Array2::zeros((m, n));
            transpose_padded_into(&buf, m, back.view_mut());
            assert_eq!(back, a, "f32 back ({m}, {n})");
            let b = numbered::<f64>(m, n);
            let mut buf = Array2::zeros((0, 0));
            assert_eq!(
                transposed_copy_padded(&b, &mut buf),
                b.t(),
                "f64 ({m}, {n})"
            );
            let mut back = Array2::zeros((m, n));
            transpose_padded_into(&buf, m, back.view_mut());
            assert_eq!(back, b, "f64 back ({m}, {n})");
        }
    }
    assert_eq!(
        (row_padding::<f32>(2048), row_padding::<f64>(1024)),
        (16, 8)
    );
}

#[test]
#[should_panic(expected = "transpose_padded_into: 4 columns of (2, 3) into (4, 2)")]
fn transposing_more_columns_than_a_padded_buffer_holds_is_refused() {
    let a = numbered::<f32>(2, 3);
    let mut t = Array2::zeros((4, 2));
    transpose_padded_into(&a, 4, t.view_mut());
}

#[test]
fn transposing_a_view_that_is_not_contiguous_still_works() {
    let a = numbered::<f32>(20, 30);
    let part = a.slice(s![2..18, 3..29;2]);
    let mut t = Array2::zeros((13, 16));
    transpose_into(part, t.view_mut());
    assert_eq!(t, part.t());
}

#[test]
#[should_panic(expected = "transpose_into: (2, 3) into (2, 3)")]
fn transposing_into_the_wrong_shape_is_refused() {
    let a = numbered::<f32>(2, 3);
    let mut t = Array2::zeros((2, 3));
    transpose_into(a.view(), t.view_mut());
}

/// Gradients with values that make sums order-sensitive.
fn spread_grads(v: usize, h: usize, scale: f32) -> RnnParams<f32> {
    let mut g = RnnParams::<f32>::zeros(v, h);
    for (k, (_, mut t)) in g.tensors_mut().into_iter().enumerate() {
        for (i, x) in t.iter_mut().enumerate() {
            *x = scale * (((i * 7919 + k * 104_729) % 2003) as f32 - 1001.0) / 1001.0;
        }
    }
    g
}

#[test]
fn the_blocked_norm_agrees_with_a_plain_sum_and_clips_to_theta() {
    let g = spread_grads(300, 200, 3.0); // 300*200 values: several blocks
    assert!(g.num_elements() > 3 * BLOCK);
    let plain: f64 = g
        .tensors()
        .iter()
        .flat_map(|(_, t)| t.iter().map(|&v| (v as f64) * (v as f64)))
        .sum();
    let views: Vec<ArrayViewD<f32>> = g.tensors().into_iter().map(|(_, t)| t).collect();
    let blocked = update::sum_of_squares(&views);
    assert!(
        (blocked - plain).abs() <= 1e-12 * plain,
        "{blocked} vs {plain}"
    );
    let mut clipped = g.clone();
    let norm = grad_clipping(&mut clipped, 0.5);
    assert!((norm - plain.sqrt()).abs() < 1e-9 * norm);
    let after: f64 = update::sum_of_squares(
        &clipped
            .tensors()
            .into_iter()
            .map(|(_, t)| t)
            .collect::<Vec<_>>(),
    );
    assert!((after.sqrt() - 0.5).abs() < 1e-6, "{}", after.sqrt());
    // Each value is scaled by the same factor, exactly as one multiplication.
    let s = (0.5 / norm) as f32;
    assert_eq!(clipped.hidden.w_h[[3, 4]], g.hidden.w_h[[3, 4]] * s);
}

#[test]
fn the_blocked_updates_equal_the_formulas_value_by_value() {
    let g = spread_grads(300, 200, 0.01);
    let w0 = spread_grads(300, 200, 1.0);
    let mut w = w0.clone();
    Sgd { lr: 0.5 }.step(&mut w, &g);
    for ((_, a), ((_, b), (_, d))) in w.tensors().iter().zip(w0.tensors().iter().zip(g.tensors())) {
        let expect: ArrayD<f32> = b.to_owned() - &(d.to_owned() * 0.5f32);
        assert_eq!(a, &expect);
    }
    let mut w = w0.clone();
    let mut adam = Adam::new(1e-2);
    adam.step(&mut w, &g);
    adam.step(&mut w, &g);
    // Two steps by hand, in f32, in the documented order of operations.
    let (b1, b2, eps) = (0.9f32, 0.999f32, 1e-8f32);
    let (i, j) = (17, 123);
    let (gv, mut x, mut m, mut v) = (g.w_hq[[i, j]], w0.w_hq[[i, j]], 0.0f32, 0.0f32);
    for t in 1..=2 {
        m = b1 * m + (1.0 - 0.9f64) as f32 * gv;
        v = b2 * v + (1.0 - 0.999f64) as f32 * gv * gv;
        let step = (1e-2 / (1.0 - 0.9f64.powi(t))) as f32;
        let bc2 = (1.0 - 0.999f64.powi(t)).sqrt() as f32;
        x -= step * m / (v.sqrt() / bc2 + eps);
    }
    assert_eq!(w.w_hq[[i, j]], x);
}

#[test]
#[should_panic(expected = "gradients: tensor 0 has shape [3], its parameter [2]")]
fn an_update_with_gradients_of_another_shape_is_refused_by_name() {
    let (mut w, g) = (
        ndarray::array![1.0f32, 2.0],
        ndarray::array![1.0f32, 2.0, 3.0],
    );
    update::descend(&mut [w.view_mut().into_dyn()], &[g.view().into_dyn()], 0.1);
}
