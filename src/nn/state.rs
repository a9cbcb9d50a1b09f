//! A layer's state as PyTorch shapes it: `h`, or `(h, c)` for the LSTM.

use crate::fast::FastReal;
use ndarray::{Array3, ArrayView3, ArrayViewMut3};
use std::fmt;

/// A layer's state: `h` for RNN and GRU (an `Array3`), `(h, c)` for LSTM (a
/// pair), each part shaped `(num_layers * num_directions, batch, hidden_size)`
/// as in PyTorch. Entry `l * num_directions + d` belongs to layer `l`,
/// direction `d` (0 forward, 1 backward).
///
/// ```
/// use d2l_rnn::nn::LayerState;
/// use ndarray::Array3;
/// let hc = <(Array3<f32>, Array3<f32>)>::zeros((2, 3, 4));
/// assert_eq!((hc.part(1).dim(), <(Array3<f32>, Array3<f32>) as LayerState<f32>>::NAMES), ((2, 3, 4), &["h", "c"][..]));
/// ```
pub trait LayerState<A>: Clone + fmt::Debug + Send + Sync + crate::model::Parameters<A> {
    /// Names of the parts, as in error messages: `["h"]` or `["h", "c"]`.
    const NAMES: &'static [&'static str];
    /// A state of zeros with every part shaped `shape`.
    fn zeros(shape: (usize, usize, usize)) -> Self;
    /// Part `p` (0 = `h`, 1 = `c`).
    fn part(&self, p: usize) -> ArrayView3<'_, A>;
    /// Part `p`, writable.
    fn part_mut(&mut self, p: usize) -> ArrayViewMut3<'_, A>;
}

impl<A: FastReal> LayerState<A> for Array3<A> {
    const NAMES: &'static [&'static str] = &["h"];
    fn zeros(shape: (usize, usize, usize)) -> Self {
        Array3::zeros(shape)
    }
    fn part(&self, _: usize) -> ArrayView3<'_, A> {
        self.view()
    }
    fn part_mut(&mut self, _: usize) -> ArrayViewMut3<'_, A> {
        self.view_mut()
    }
}

impl<A: FastReal> LayerState<A> for (Array3<A>, Array3<A>) {
    const NAMES: &'static [&'static str] = &["h", "c"];
    fn zeros(shape: (usize, usize, usize)) -> Self {
        (Array3::zeros(shape), Array3::zeros(shape))
    }
    fn part(&self, p: usize) -> ArrayView3<'_, A> {
        if p == 0 {
            self.0.view()
        } else {
            self.1.view()
        }
    }
    fn part_mut(&mut self, p: usize) -> ArrayViewMut3<'_, A> {
        if p == 0 {
            self.0.view_mut()
        } else {
            self.1.view_mut()
        }
    }
}
