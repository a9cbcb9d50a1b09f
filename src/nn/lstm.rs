//! PyTorch's `nn.LSTM`.

use super::gru::{gates, gates_mut, no_nonlinearity, update1, zip1, zip2, zip3, zip4};
use super::recurrent::{Cell, CellBackward, CellForward, Recurrent};
use super::{ModelKind, RnnConfig};
use crate::error::Result;
use crate::fast::FastReal;
use ndarray::Array3;

/// The time step of [`Lstm`], with PyTorch's gate order i, f, g, o in the
/// stacked weights:
///
/// \\[ \begin{aligned}
/// i &= \sigma(a_i), \quad f = \sigma(a_f), \quad g = \tanh(a_g), \quad o = \sigma(a_o),
/// \qquad a = x W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh}, \\\\
/// c_t &= f \odot c_{t-1} + i \odot g, \qquad h_t = o \odot \tanh(c_t).
/// \end{aligned} \\]
///
/// Cached per step: \\(i, f, g, o, \tanh c_t\\). Backward, with \\(\partial c_t\\)
/// arriving from step \\(t+1\\):
/// \\(\partial c = \partial c_t + \partial h_t \odot o \odot (1 - \tanh^2 c_t)\\),
/// \\(\partial a_i = \partial c \odot g \odot i(1-i)\\),
/// \\(\partial a_f = \partial c \odot c_{t-1} \odot f(1-f)\\),
/// \\(\partial a_g = \partial c \odot i \odot (1 - g^2)\\),
/// \\(\partial a_o = \partial h_t \odot \tanh c_t \odot o(1-o)\\), and
/// \\(\partial c_{t-1} = \partial c \odot f\\); \\(h_{t-1}\\) gets its gradient
/// through \\(W_{hh}\\) only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LstmCell;

impl<A: FastReal> Cell<A> for LstmCell {
    const KIND: ModelKind = ModelKind::Lstm;
    const GATES: usize = 4;
    const CACHE: usize = 5; // i, f, g, o, tanh(c_t)
    const SAME_PRE_ACTIVATION_GRADS: bool = true;
    type State = (Array3<A>, Array3<A>);

    fn from_config(cfg: &RnnConfig) -> Result<Self> {
        no_nonlinearity("LSTM", cfg)?;
        Ok(LstmCell)
    }

    #[inline(always)]
    fn forward_step(&self, s: CellForward<'_, A>) {
        let hs = s.hidden;
        let rows = s.xw.chunks_exact(4 * hs).zip(s.hw.chunks_exact(4 * hs));
        let rows = rows.zip(s.c_prev.chunks_exact(hs));
        let outs = s.h.chunks_exact_mut(hs).zip(s.c.chunks_exact_mut(hs));
        let outs = outs.zip(s.cache.chunks_exact_mut(5 * hs));
        for (((xw, hw), c_prev), ((h, c), cache)) in rows.zip(outs) {
            let [x_i, x_f, x_g, x_o] = gates(xw, hs);
            let [h_i, h_f, h_g, h_o] = gates(hw, hs);
            let [i, f, g, o, tc] = gates_mut(cache, hs);
            // One formula per loop: few streams each, so the loops vectorise.
            zip2(i, x_i, h_i, |x, h| (x + h).sigmoid_fast());
            zip2(f, x_f, h_f, |x, h| (x + h).sigmoid_fast());
            zip2(g, x_g, h_g, |x, h| (x + h).tanh_fast());
            zip2(o, x_o, h_o, |x, h| (x + h).sigmoid_fast());
            zip4(c, f, c_prev, i, g, |f, cp, i, g| f * cp + i * g);
            zip1(tc, c, A::tanh_fast);
            zip2(h, o, tc, |o, tc| o * tc);
        }
    }

    #[inline(always)]
    fn backward_step(&self, s: CellBackward<'_, A>) {
        let hs = s.hidden;
        let one = A::one();
        let rows = s.dh.chunks_exact_mut(hs).zip(s.dc.chunks_exact_mut(hs));
        let rows = rows.zip(s.c_prev.chunks_exact(hs).zip(s.cache.chunks_exact(5 * hs)));
        for (((dh, dc), (c_prev, cache)), d_xw) in rows.zip(s.d_xw.chunks_exact_mut(4 * hs)) {
            let [i, f, g, o, tc] = gates(cache, hs);
            {
                let [a_i, a_f, a_g, a_o] = gates_mut(d_xw, hs);
                // ∂c = ∂c_t (from step t + 1) + ∂h_t ⊙ o ⊙ (1 - tanh² c_t), in place
                update3(dc, dh, o, tc, |dc, dh, o, tc| dc + dh * o * (one - tc * tc));
                zip3(a_o, dh, tc, o, |dh, tc, o| dh * tc * o * (one - o));
                zip3(a_i, dc, g, i, |dc, g, i| dc * g * i * (one - i));
                zip3(a_f, dc, c_prev, f, |dc, cp, f| dc * cp * f * (one - f));
                zip3(a_g, dc, i, g, |dc, i, g| dc * i * (one - g * g));
            }
            update1(dc, f, |dc, f| dc * f); // ∂c_{t-1}
            dh.fill(A::zero()); // h_{t-1} is reached through W_hh only
        }
        // Both products see the same pre-activations.
        if !s.d_hw.is_empty() {
            s.d_hw.copy_from_slice(s.d_xw);
        }
    }
}

/// `x[j] = f(x[j], a[j], b[j], c[j])`.
#[inline(always)]
fn update3<A: Copy>(x: &mut [A], a: &[A], b: &[A], c: &[A], f: impl Fn(A, A, A, A) -> A) {
    let n = x.len();
    let (a, b, c) = (&a[..n], &b[..n], &c[..n]);
    for j in 0..n {
        x[j] = f(x[j], a[j], b[j], c[j]);
    }
}

/// PyTorch's `nn.LSTM`: the layer [`Recurrent`] with the [`LstmCell`] step.
///
/// `weight_ih_l{k}` is `(4 H, input features)` and `weight_hh_l{k}` `(4 H, H)`,
/// gates stacked i, f, g, o as in PyTorch. The state is the pair `(h, c)`,
/// each `(num_layers * num_directions, batch, hidden_size)`; forward returns
/// `(output, (h_n, c_n))`.
///
/// By hand, one unit, \\(W_{ih} = (0.5, -0.5, 1, 2)\\), \\(W_{hh} = (1, 2, -1, 0.5)\\),
/// no biases, inputs 1 then −1: \\(h_1 = 0.38885\\), \\(c_1 = 0.47406\\), then
/// \\(h_2 = -0.0065185\\), \\(c_2 = -0.046206\\).
///
/// ```
/// use d2l_rnn::nn::{Lstm, RnnConfig};
/// use ndarray::array;
/// let mut lstm = Lstm::new(RnnConfig { bias: false, ..RnnConfig::new(1, 1) }, 0)?;
/// let w = &mut lstm.params.cells[0];
/// w.weight_ih.assign(&array![[0.5f32], [-0.5], [1.0], [2.0]]);
/// w.weight_hh.assign(&array![[1.0f32], [2.0], [-1.0], [0.5]]);
/// let (y, (h_n, c_n)) = lstm.forward(array![[[1.0f32]], [[-1.0]]].view(), None)?;
/// assert!((y[[0, 0, 0]] - 0.388850).abs() < 1e-6, "{y}");
/// assert!((h_n[[0, 0, 0]] + 0.0065185).abs() < 1e-6 && (c_n[[0, 0, 0]] + 0.0462064).abs() < 1e-6);
/// assert_eq!(lstm.to_string(), "LSTM(1, 1, bias=False)");
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub type Lstm<A = f32> = Recurrent<LstmCell, A>;
