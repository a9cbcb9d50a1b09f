//! PyTorch's `nn.GRU`.

use super::recurrent::{Cell, CellBackward, CellForward, Recurrent};
use super::{ModelKind, Nonlinearity, RnnConfig};
use crate::error::{Error, Result};
use crate::fast::FastReal;
use ndarray::Array3;

/// The time step of [`Gru`], with PyTorch's gate order r, z, n in the
/// stacked weights (rows `0..H`, `H..2H`, `2H..3H`):
///
/// \\[ \begin{aligned}
/// r &= \sigma(x W_{ir}^\top + b_{ir} + h_{t-1} W_{hr}^\top + b_{hr}), \\\\
/// z &= \sigma(x W_{iz}^\top + b_{iz} + h_{t-1} W_{hz}^\top + b_{hz}), \\\\
/// n &= \tanh(x W_{in}^\top + b_{in} + r \odot (h_{t-1} W_{hn}^\top + b_{hn})), \\\\
/// h_t &= (1 - z) \odot n + z \odot h_{t-1}.
/// \end{aligned} \\]
///
/// Note \\(b_{hn}\\) inside the reset gate's product, as in PyTorch (and
/// cuDNN). Cached per step: \\(r, z, n\\) and \\(h_{t-1} W_{hn}^\top + b_{hn}\\).
///
/// Backward, with \\(\hat n = h_{t-1} W_{hn}^\top + b_{hn}\\):
/// \\(\partial n_{pre} = \partial h_t \odot (1 - z) \odot (1 - n^2)\\),
/// \\(\partial z_{pre} = \partial h_t \odot (h_{t-1} - n) \odot z(1 - z)\\),
/// \\(\partial r_{pre} = \partial n_{pre} \odot \hat n \odot r(1 - r)\\);
/// the input product gets \\((\partial r_{pre}, \partial z_{pre}, \partial n_{pre})\\),
/// the hidden product \\((\partial r_{pre}, \partial z_{pre}, r \odot \partial n_{pre})\\),
/// and \\(h_{t-1}\\) directly \\(z \odot \partial h_t\\).
///
/// With [`ResetGate::BeforeProduct`] the candidate is the book's,
/// \\(n = \tanh(x W_{in}^\top + b_{in} + (r \odot h_{t-1}) W_{hn}^\top + b_{hn})\\)
/// ([`Cell::gated_hidden`]); the cache keeps \\(r \odot h_{t-1}\\) in the last
/// slot, and backwards \\(\partial (r \odot h_{t-1}) = \partial n_{pre} W_{hn}\\) gives
/// \\(\partial r_{pre} = \partial (r \odot h_{t-1}) \odot h_{t-1} \odot r(1 - r)\\) and adds
/// \\(r \odot \partial (r \odot h_{t-1})\\) to \\(h_{t-1}\\)'s direct part.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GruCell {
    /// Where the reset gate meets the hidden product.
    pub reset: ResetGate,
}

/// Where a GRU's reset gate applies: to the hidden product (PyTorch,
/// cuDNN) or to the state before it (the book's \\((R_t \odot H_{t-1}) W_{hh}\\)).
///
/// ```
/// use d2l_rnn::nn::{GruCell, ResetGate};
/// assert_eq!(GruCell::default().reset, ResetGate::AfterProduct); // nn.GRU's
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ResetGate {
    /// \\(r \odot (h_{t-1} W_{hn}^\top + b_{hn})\\), PyTorch's `nn.GRU`.
    #[default]
    AfterProduct,
    /// \\((r \odot h_{t-1}) W_{hn}^\top + b_{hn}\\), the book's from-scratch GRU.
    BeforeProduct,
}

impl<A: FastReal> Cell<A> for GruCell {
    const KIND: ModelKind = ModelKind::Gru;
    const GATES: usize = 3;
    const CACHE: usize = 4; // r, z, n, h W_hnᵀ + b_hn
    type State = Array3<A>;

    fn from_config(cfg: &RnnConfig) -> Result<Self> {
        no_nonlinearity("GRU", cfg)?;
        Ok(GruCell::default())
    }

    fn gated_hidden(&self) -> bool {
        self.reset == ResetGate::BeforeProduct
    }

    #[inline(always)]
    fn gate_hidden(&self, s: CellForward<'_, A>) {
        let hs = s.hidden;
        let rows = s.xw.chunks_exact(3 * hs).zip(s.hw.chunks_exact(3 * hs));
        let rows = rows.zip(s.h_prev.chunks_exact(hs));
        for (((xw, hw), h_prev), cache) in rows.zip(s.cache.chunks_exact_mut(4 * hs)) {
            let [r, _, _, rh] = gates_mut(cache, hs);
            zip2(r, &xw[..hs], &hw[..hs], |x, h| (x + h).sigmoid_fast());
            zip2(rh, r, h_prev, |r, h| r * h);
        }
    }

    #[inline(always)]
    fn backward_gated(&self, s: CellBackward<'_, A>, d_gated: &[A]) {
        let hs = s.hidden;
        let one = A::one();
        let rows = s.dh.chunks_exact_mut(hs).zip(s.h_prev.chunks_exact(hs));
        let rows = rows
            .zip(s.cache.chunks_exact(4 * hs))
            .zip(d_gated.chunks_exact(hs));
        let outs = s
            .d_xw
            .chunks_exact_mut(3 * hs)
            .zip(s.d_hw.chunks_exact_mut(3 * hs));
        for ((((dh, h_prev), cache), d_rh), (d_xw, d_hw)) in rows.zip(outs) {
            let [r, z, _, _] = gates(cache, hs);
            zip3(&mut d_xw[..hs], d_rh, h_prev, r, |d, hp, r| {
                d * hp * r * (one - r)
            }); // ∂r_pre
            d_hw[..hs].copy_from_slice(&d_xw[..hs]);
            for (j, g) in dh.iter_mut().enumerate() {
                *g = *g * z[j] + d_rh[j] * r[j]; // the direct part of ∂h_{t-1}
            }
        }
    }

    #[inline(always)]
    fn forward_step(&self, s: CellForward<'_, A>) {
        let hs = s.hidden;
        let one = A::one();
        let before = self.reset == ResetGate::BeforeProduct;
        let rows = s.xw.chunks_exact(3 * hs).zip(s.hw.chunks_exact(3 * hs));
        let rows = rows.zip(s.h_prev.chunks_exact(hs));
        let outs =
            s.h.chunks_exact_mut(hs)
                .zip(s.cache.chunks_exact_mut(4 * hs));
        for (((xw, hw), h_prev), (h, cache)) in rows.zip(outs) {
            let [x_r, x_z, x_n] = gates(xw, hs);
            let [h_r, h_z, h_n] = gates(hw, hs); // h_n = h W_hnᵀ + b_hn
            let [r, z, n, hn] = gates_mut(cache, hs);
            // One formula per loop: few streams each, so the loops vectorise.
            zip2(z, x_z, h_z, |x, h| (x + h).sigmoid_fast());
            if before {
                // r and r ⊙ h_{t-1} are in the cache already; h_n = (r ⊙ h_{t-1}) W_hnᵀ + b_hn.
                zip2(n, x_n, h_n, |x, h| (x + h).tanh_fast());
            } else {
                zip2(r, x_r, h_r, |x, h| (x + h).sigmoid_fast());
                zip3(n, x_n, r, h_n, |x, r, h| (x + r * h).tanh_fast());
                hn.copy_from_slice(h_n);
            }
            zip3(h, z, n, h_prev, |z, n, hp| (one - z) * n + z * hp);
        }
    }

    #[inline(always)]
    fn backward_step(&self, s: CellBackward<'_, A>) {
        let hs = s.hidden;
        let one = A::one();
        let before = self.reset == ResetGate::BeforeProduct;
        let rows = s.dh.chunks_exact_mut(hs).zip(s.h_prev.chunks_exact(hs));
        let rows = rows.zip(s.cache.chunks_exact(4 * hs));
        let outs = s
            .d_xw
            .chunks_exact_mut(3 * hs)
            .zip(s.d_hw.chunks_exact_mut(3 * hs));
        for (((dh, h_prev), cache), (d_xw, d_hw)) in rows.zip(outs) {
            let [r, z, n, hn] = gates(cache, hs);
            let [dx_r, dx_z, dx_n] = gates_mut(d_xw, hs);
            let [dh_r, dh_z, dh_n] = gates_mut(d_hw, hs);
            zip3(dx_n, dh, z, n, |g, z, n| g * (one - z) * (one - n * n)); // ∂n_pre
            zip4(dx_z, dh, h_prev, n, z, |g, hp, n, z| {
                g * (hp - n) * z * (one - z)
            }); // ∂z_pre
            dh_z.copy_from_slice(dx_z);
            if before {
                // ∂r_pre and the direct part of ∂h_{t-1} wait for ∂(r ⊙ h_{t-1}).
                dh_n.copy_from_slice(dx_n);
                continue;
            }
            zip3(dx_r, dx_n, hn, r, |dn, hn, r| dn * hn * r * (one - r)); // ∂r_pre
            dh_r.copy_from_slice(dx_r);
            zip2(dh_n, dx_n, r, |dn, r| dn * r);
            update1(dh, z, |g, z| g * z); // the direct part of ∂h_{t-1}
        }
    }
}

/// The `K` gate blocks of one row, each `hs` long.
#[inline(always)]
pub(crate) fn gates<const K: usize, T>(row: &[T], hs: usize) -> [&[T]; K] {
    std::array::from_fn(|k| &row[k * hs..(k + 1) * hs])
}

/// The `K` gate blocks of one row, writable.
#[inline(always)]
pub(crate) fn gates_mut<const K: usize, T>(row: &mut [T], hs: usize) -> [&mut [T]; K] {
    let mut blocks = row.chunks_exact_mut(hs);
    std::array::from_fn(|_| blocks.next().expect("K blocks of hs in a row"))
}

/// `out[j] = f(a[j])`.
#[inline(always)]
pub(crate) fn zip1<A: Copy>(out: &mut [A], a: &[A], f: impl Fn(A) -> A) {
    let a = &a[..out.len()];
    for j in 0..out.len() {
        out[j] = f(a[j]);
    }
}

/// `out[j] = f(a[j], b[j])`.
#[inline(always)]
pub(crate) fn zip2<A: Copy>(out: &mut [A], a: &[A], b: &[A], f: impl Fn(A, A) -> A) {
    let (a, b) = (&a[..out.len()], &b[..out.len()]);
    for j in 0..out.len() {
        out[j] = f(a[j], b[j]);
    }
}

/// `out[j] = f(a[j], b[j], c[j])`.
#[inline(always)]
pub(crate) fn zip3<A: Copy>(out: &mut [A], a: &[A], b: &[A], c: &[A], f: impl Fn(A, A, A) -> A) {
    let (a, b, c) = (&a[..out.len()], &b[..out.len()], &c[..out.len()]);
    for j in 0..out.len() {
        out[j] = f(a[j], b[j], c[j]);
    }
}

/// `out[j] = f(a[j], b[j], c[j], d[j])`.
#[inline(always)]
pub(crate) fn zip4<A: Copy>(
    out: &mut [A],
    a: &[A],
    b: &[A],
    c: &[A],
    d: &[A],
    f: impl Fn(A, A, A, A) -> A,
) {
    let n = out.len();
    let (a, b, c, d) = (&a[..n], &b[..n], &c[..n], &d[..n]);
    for j in 0..n {
        out[j] = f(a[j], b[j], c[j], d[j]);
    }
}

/// `x[j] = f(x[j], a[j])`.
#[inline(always)]
pub(crate) fn update1<A: Copy>(x: &mut [A], a: &[A], f: impl Fn(A, A) -> A) {
    let a = &a[..x.len()];
    for j in 0..x.len() {
        x[j] = f(x[j], a[j]);
    }
}

/// GRU and LSTM have no `nonlinearity` option in PyTorch.
pub(crate) fn no_nonlinearity(layer: &str, cfg: &RnnConfig) -> Result<()> {
    if cfg.nonlinearity != Nonlinearity::Tanh {
        return Err(Error::InvalidArgument {
            name: "nonlinearity",
            value: cfg.nonlinearity.to_string(),
            hint: format!(
                "{layer} has fixed activations; only RNN takes nonlinearity (leave it tanh)"
            ),
        });
    }
    Ok(())
}

/// PyTorch's `nn.GRU`: the layer [`Recurrent`] with the [`GruCell`] step.
///
/// `weight_ih_l{k}` is `(3 H, input features)` and `weight_hh_l{k}` `(3 H, H)`,
/// the gates stacked r, z, n as in PyTorch, so weights copy over unchanged.
/// Input, state and output shapes are those of [`super::Rnn`].
///
/// By hand, one unit, \\(W_{ih} = (0.5, -0.5, 1)\\), \\(W_{hh} = (1, 2, -1)\\),
/// \\(b_{hn} = 0.5\\), other biases 0, inputs 1 then −1:
/// step 1: \\(r = \sigma(0.5)\\), \\(z = \sigma(-0.5)\\), \\(n = \tanh(1 + 0.5 r) = 0.86459\\),
/// \\(h_1 = (1 - z) n = 0.53817\\); step 2 gives \\(h_2 = 0.31412\\).
///
/// ```
/// use d2l_rnn::nn::{Gru, RnnConfig};
/// use ndarray::array;
/// let mut gru = Gru::new(RnnConfig::new(1, 1), 0)?;
/// let w = &mut gru.params.cells[0];
/// w.weight_ih.assign(&array![[0.5f32], [-0.5], [1.0]]);
/// w.weight_hh.assign(&array![[1.0f32], [2.0], [-1.0]]);
/// w.bias_ih.fill(0.0);
/// w.bias_hh.assign(&array![0.0f32, 0.0, 0.5]);
/// let (y, h_n) = gru.forward(array![[[1.0f32]], [[-1.0]]].view(), None)?;
/// assert!((y[[0, 0, 0]] - 0.538170).abs() < 1e-6, "{y}");
/// assert!((h_n[[0, 0, 0]] - 0.314123).abs() < 1e-6, "{h_n}");
/// assert_eq!(gru.to_string(), "GRU(1, 1)");
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub type Gru<A = f32> = Recurrent<GruCell, A>;
