//! PyTorch's `nn.RNN`: the section's recurrent layer.

use super::recurrent::{Cell, CellBackward, CellForward, Recurrent};
use super::{ModelKind, Nonlinearity, RnnConfig};
use crate::error::Result;
use crate::fast::FastReal;
use ndarray::Array3;

/// The time step of [`Rnn`]:
///
/// \\[ h_t = \phi(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh}), \\]
///
/// \\(\phi\\) = tanh or relu. Backward: \\(\partial a = \partial h_t \odot
/// \phi'\\) with \\(\phi' = 1 - h_t^2\\) (tanh) or \\(\mathbb{1}(h_t > 0)\\) (relu); both
/// products' gradients are \\(\partial a\\), and nothing reaches \\(h_{t-1}\\)
/// except through \\(W_{hh}\\).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RnnCell {
    /// \\(\phi\\).
    pub nonlinearity: Nonlinearity,
}

impl<A: FastReal> Cell<A> for RnnCell {
    const KIND: ModelKind = ModelKind::Rnn;
    const GATES: usize = 1;
    const CACHE: usize = 0; // h_t is enough
    const SAME_PRE_ACTIVATION_GRADS: bool = true;
    type State = Array3<A>;

    fn from_config(cfg: &RnnConfig) -> Result<Self> {
        Ok(RnnCell {
            nonlinearity: cfg.nonlinearity,
        })
    }

    #[inline(always)]
    fn forward_step(&self, s: CellForward<'_, A>) {
        let rows = s.h.iter_mut().zip(s.xw).zip(s.hw);
        match self.nonlinearity {
            Nonlinearity::Tanh => rows.for_each(|((h, &x), &w)| *h = (x + w).tanh_fast()),
            Nonlinearity::Relu => rows.for_each(|((h, &x), &w)| *h = (x + w).max(A::zero())),
        }
    }

    #[inline(always)]
    fn backward_step(&self, s: CellBackward<'_, A>) {
        let relu = self.nonlinearity == Nonlinearity::Relu;
        let rows = s.dh.iter_mut().zip(s.h).zip(s.d_xw.iter_mut());
        for ((dh, &h), dx) in rows {
            let slope = if relu {
                if h > A::zero() {
                    A::one()
                } else {
                    A::zero()
                }
            } else {
                A::one() - h * h
            };
            *dx = *dh * slope;
            *dh = A::zero();
        }
        // Both products see the same pre-activation.
        if !s.d_hw.is_empty() {
            s.d_hw.copy_from_slice(s.d_xw);
        }
    }
}

/// PyTorch's `nn.RNN`: for each layer and direction,
///
/// \\[ h_t = \phi(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh}), \\]
///
/// with `weight_ih_l{k}` \\(W_{ih}\\) `(hidden_size, input features)`,
/// `weight_hh_l{k}` \\(W_{hh}\\) `(hidden_size, hidden_size)`, biases
/// `(hidden_size,)`, all initialised from \\(U(-1/\sqrt{H}, 1/\sqrt{H})\\).
/// Input `(num_steps, batch, input_size)`, optional initial state `h_0`
/// `(num_layers * num_directions, batch, hidden_size)` (zeros when absent);
/// output `(num_steps, batch, num_directions * hidden_size)` and `h_n`. See
/// [`Recurrent`] for the forward and backward passes and [`RnnCell`] for the step.
///
/// The section's example, `nn.RNN(input_size=vocab_size, hidden_size=256)`
/// on a `(35, 2, 1027)` input with no state:
///
/// ```
/// use d2l_rnn::nn::{Rnn, RnnConfig};
/// use ndarray::Array3;
/// let (vocab_size, num_hiddens, num_steps, batch_size) = (1027, 256, 35, 2);
/// let mut rnn_layer = Rnn::new(RnnConfig::new(vocab_size, num_hiddens), 0)?;
/// let x = Array3::from_shape_fn((num_steps, batch_size, vocab_size), |(t, i, v)| ((t + i + v) % 7) as f32 / 7.0);
/// let (y, state_new) = rnn_layer.forward(x.view(), None)?;
/// assert_eq!(y.shape(), &[35, 2, 256]);
/// assert_eq!(state_new.shape(), &[1, 2, 256]);
/// assert_eq!(y.slice(ndarray::s![34, .., ..]), state_new.slice(ndarray::s![0, .., ..])); // h_n is the last output
/// assert_eq!(rnn_layer.to_string(), "RNN(1027, 256)");
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
///
/// Numbers by hand, one unit, two steps:
/// \\(h_1 = \tanh(0.5 \cdot 1 + 0.1) = 0.53705\\),
/// \\(h_2 = \tanh(0.5 \cdot 2 + 0.1 - h_1) = 0.51016\\):
///
/// ```
/// use d2l_rnn::nn::{Rnn, RnnConfig};
/// use ndarray::array;
/// let mut rnn = Rnn::new(RnnConfig::new(1, 1), 0)?;
/// let w = &mut rnn.params.cells[0];
/// w.weight_ih.fill(0.5);
/// w.weight_hh.fill(-1.0);
/// w.bias_ih.fill(0.1);
/// w.bias_hh.fill(0.0);
/// let (y, h_n) = rnn.forward(array![[[1.0f32]], [[2.0]]].view(), None)?;
/// assert!((y[[0, 0, 0]] - 0.537050).abs() < 1e-6 && (y[[1, 0, 0]] - 0.510163).abs() < 1e-6);
/// assert_eq!(h_n[[0, 0, 0]], y[[1, 0, 0]]);
/// // A state of the wrong shape is an error naming both shapes.
/// let err = rnn.forward(array![[[1.0f32]]].view(), Some(&ndarray::Array3::zeros((2, 1, 1)))).unwrap_err();
/// assert!(err.to_string().contains("[2, 1, 1]") && err.to_string().contains("[1, 1, 1]"), "{err}");
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub type Rnn<A = f32> = Recurrent<RnnCell, A>;
