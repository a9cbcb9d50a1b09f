//! The one time step that differs between the RNN, GRU and LSTM layers:
//! the [`Cell`] trait and the views a step reads and writes.

use super::state::LayerState;
use super::{ModelKind, RnnConfig};

use crate::error::Result;
use crate::fast::FastReal;
use std::fmt;

/// One time step of one layer in one direction, forward: the inputs the
/// [`Cell`] reads and the places it writes. Every slice is row-major with
/// `batch` rows; `G` is the number of gates, `H` = `hidden`.
pub struct CellForward<'a, A> {
    /// Hidden size \\(H\\).
    pub hidden: usize,
    /// \\(x_t W_{ih}^\top + b_{ih}\\), `(batch, G H)`.
    pub xw: &'a [A],
    /// \\(h_{t-1} W_{hh}^\top + b_{hh}\\), `(batch, G H)`.
    pub hw: &'a [A],
    /// \\(h_{t-1}\\), `(batch, H)`.
    pub h_prev: &'a [A],
    /// \\(c_{t-1}\\), `(batch, H)` (LSTM; empty otherwise).
    pub c_prev: &'a [A],
    /// Written: \\(h_t\\), `(batch, H)`.
    pub h: &'a mut [A],
    /// Written: \\(c_t\\), `(batch, H)` (LSTM; empty otherwise).
    pub c: &'a mut [A],
    /// Written: what the backward step needs, `(batch, Cell::CACHE * H)`.
    pub cache: &'a mut [A],
}

/// One time step backward: the gradient arriving at the step's outputs, and
/// the places the [`Cell`] writes the gradients of its inputs.
pub struct CellBackward<'a, A> {
    /// Hidden size \\(H\\).
    pub hidden: usize,
    /// \\(h_{t-1}\\), `(batch, H)`.
    pub h_prev: &'a [A],
    /// \\(h_t\\), `(batch, H)`.
    pub h: &'a [A],
    /// \\(c_{t-1}\\), `(batch, H)` (LSTM; empty otherwise).
    pub c_prev: &'a [A],
    /// What the forward step cached, `(batch, Cell::CACHE * H)`.
    pub cache: &'a [A],
    /// In: \\(\partial L / \partial h_t\\). Out: the part of
    /// \\(\partial L / \partial h_{t-1}\\) that does not pass through \\(W_{hh}\\)
    /// (GRU: \\(z \odot \partial h_t\\); zero for RNN and LSTM).
    pub dh: &'a mut [A],
    /// In: \\(\partial L / \partial c_t\\) from later steps. Out:
    /// \\(\partial L / \partial c_{t-1}\\) (LSTM; empty otherwise).
    pub dc: &'a mut [A],
    /// Out: \\(\partial L / \partial (x_t W_{ih}^\top + b_{ih})\\), `(batch, G H)`.
    pub d_xw: &'a mut [A],
    /// Out: \\(\partial L / \partial (h_{t-1} W_{hh}^\top + b_{hh})\\), `(batch, G H)`;
    /// may be empty for a cell with [`Cell::SAME_PRE_ACTIVATION_GRADS`].
    pub d_hw: &'a mut [A],
}

/// The time step of a recurrent layer: [`super::RnnCell`], [`super::GruCell`]
/// or [`super::LstmCell`]. [`super::Recurrent`] does the products with the weights
/// (all time steps at once for \\(W_{ih}\\), one step at a time for
/// \\(W_{hh}\\)); the cell does the element-wise rest, forward and backward.
///
/// The products a cell sees are PyTorch's: gate block \\(k\\) of \\(x W_{ih}^\top\\)
/// is `xw[.., k*H..(k+1)*H]`, in PyTorch's gate order.
///
/// One RNN step by hand, two rows, one unit: \\(h = \tanh(xw + hw)\\), and back,
/// \\(\partial a = \partial h\, (1 - h^2)\\):
///
/// ```
/// use d2l_rnn::nn::{Cell, CellBackward, CellForward, Nonlinearity, RnnCell};
/// let cell = RnnCell { nonlinearity: Nonlinearity::Tanh };
/// let mut h = [0.0f64; 2];
/// cell.forward_step(CellForward { hidden: 1, xw: &[0.2, -1.0], hw: &[0.3, 1.0], h_prev: &[0.0, 0.0],
///     c_prev: &[], h: &mut h, c: &mut [], cache: &mut [] });
/// assert!((h[0] - 0.5f64.tanh()).abs() < 1e-15 && h[1] == 0.0);
/// let (mut dh, mut d_xw, mut d_hw) = ([1.0, 1.0], [0.0; 2], [0.0; 2]);
/// cell.backward_step(CellBackward { hidden: 1, h_prev: &[0.0, 0.0], h: &h, c_prev: &[], cache: &[],
///     dh: &mut dh, dc: &mut [], d_xw: &mut d_xw, d_hw: &mut d_hw });
/// assert_eq!((d_xw, d_hw, dh), ([1.0 - h[0] * h[0], 1.0], [1.0 - h[0] * h[0], 1.0], [0.0, 0.0]));
/// // Its two gradients are the same, so it also takes an empty `d_hw` and writes `d_xw` alone.
/// let (mut dh, mut d_xw_only) = ([1.0, 1.0], [0.0; 2]);
/// cell.backward_step(CellBackward { hidden: 1, h_prev: &[0.0, 0.0], h: &h, c_prev: &[], cache: &[],
///     dh: &mut dh, dc: &mut [], d_xw: &mut d_xw_only, d_hw: &mut [] });
/// assert_eq!(d_xw_only, d_xw);
/// ```
pub trait Cell<A: FastReal>: Clone + fmt::Debug + Send + Sync + 'static {
    /// Which cell this is.
    const KIND: ModelKind;
    /// Gate blocks stacked in the weights: 1 (RNN), 3 (GRU), 4 (LSTM).
    const GATES: usize;
    /// Values cached per time step and row, in units of `hidden`.
    const CACHE: usize;
    /// Whether [`Cell::backward_step`] writes the same values into `d_xw`
    /// and `d_hw` (the gates add \(XW\) and \(HW\) before any
    /// nonlinearity: RNN, LSTM; not the GRU, whose candidate scales \(HW\)
    /// by the reset gate). The engine then keeps one buffer for both and
    /// sums it once for both biases: it may pass an **empty** `d_hw`, which
    /// such a cell must leave empty (it writes `d_hw` only when it is not).
    ///
    /// ```
    /// use d2l_rnn::nn::{Cell, GruCell, LstmCell};
    /// assert!(<LstmCell as Cell<f32>>::SAME_PRE_ACTIVATION_GRADS);
    /// assert!(!<GruCell as Cell<f32>>::SAME_PRE_ACTIVATION_GRADS);
    /// ```
    const SAME_PRE_ACTIVATION_GRADS: bool = false;
    /// The layer's state: `Array3` (`h`) or a pair (`h`, `c`).
    type State: LayerState<A>;
    /// The cell for these options; an option the cell does not have is an error.
    fn from_config(cfg: &RnnConfig) -> Result<Self>;
    /// One step forward.
    fn forward_step(&self, step: CellForward<'_, A>);
    /// The same step backward.
    fn backward_step(&self, step: CellBackward<'_, A>);
    /// Whether the last gate block's hidden product reads a gated state,
    /// \\((g \odot h_{t-1}) W^\top\\) (the book's GRU, \\((R \odot H) W_{hh}\\)),
    /// instead of \\(h_{t-1} W^\top\\). The engine then computes the other
    /// blocks of `hw`, calls [`Cell::gate_hidden`], multiplies the gated
    /// state the cell left in the cache's last `H` columns into the last
    /// block, and calls [`Cell::forward_step`]. Backwards it multiplies the
    /// last block of `d_hw` back into the gated state's gradient and hands
    /// it to [`Cell::backward_gated`] before it multiplies the other blocks.
    fn gated_hidden(&self) -> bool {
        false
    }
    /// Forward, before the last block's product: the gate and the gated
    /// state \\(g \odot h_{t-1}\\), into the cache (`hw`'s last block is not
    /// computed yet).
    fn gate_hidden(&self, _step: CellForward<'_, A>) {}
    /// Backward, after [`Cell::backward_step`] and the product: the gate's
    /// gradients from `d_gated` \\(= \partial (g \odot h_{t-1})\\) `(batch, H)`,
    /// and its part of `dh`.
    fn backward_gated(&self, _step: CellBackward<'_, A>, _d_gated: &[A]) {}
}
