//! The from-scratch RNN on the one engine: [`RnnFast`].

use super::fast_model::{FastLayout, FastModel};
use crate::fast::FastReal;
use crate::nn::{Nonlinearity, RnnCell};
use crate::scratch::RnnParams;
use ndarray::Array2;

/// The section's RNN as a fast trainable model: what
/// [`crate::scratch::RnnScratch`] computes, stepped by [`RnnCell`] on the
/// engine the concise layers use ([`FastModel`]).
///
/// **Forward**, for inputs \\(x\\) `(batch_size n, num_steps T)` of indices:
/// \\(A_t = W_{xh}\[x_{:,t}\] + b_h + H_{t-1} W_{hh}\\) (the one-hot product is a
/// row gather, done for all steps before the walk), \\(H_t = \tanh A_t\\), and
/// \\(O = \[H_1; \dots; H_T\] W_{hq} + b_q\\) `(T n, q)`, chunk by chunk beside the walk.
///
/// **Backward**, given \\(\partial L / \partial O\\):
/// \\(\partial H = \partial O\, W_{hq}^\top\\); for \\(t = T, \dots, 1\\):
/// \\(\partial A_t = (\partial H_t + \partial A_{t+1} W_{hh}^\top) \odot (1 - H_t^2)\\);
/// \\(\partial W_{hh} = \sum_t H_{t-1}^\top \partial A_t\\), \\(\partial b_h = \sum \partial A_t\\),
/// \\(\partial W_{xh}\[x_{i,t}\] \mathrel{+}= \partial A_t\[i\]\\);
/// \\(\partial H_0 = \partial A_1 W_{hh}^\top\\) ([`crate::model::RecurrentModelExt::state_grad`]).
///
/// ```
/// use d2l_rnn::model::RecurrentModel;
/// use d2l_rnn::fast::RnnFast;
/// use d2l_rnn::scratch::get_params;
/// use ndarray::Array2;
/// let mut model = RnnFast::new(get_params(1027, 256, 0));
/// let x = Array2::from_shape_vec((2, 5), (0..10).collect()).unwrap();
/// let mut state = model.begin_state(2);
/// let logits = model.forward(x.view(), &mut state);
/// assert_eq!(logits.dim(), (10, 1027)); // (num_steps * batch_size, vocab_size)
/// assert_eq!(state.dim(), (2, 256));
/// ```
pub type RnnFast<A = f32> = FastModel<RnnParams<A>, A>;

impl<A: FastReal> FastLayout<A> for RnnParams<A> {
    type Cell = RnnCell;
    type State = Array2<A>;
    const CELL_ORDER: &'static [usize] = &[0];
    const SUM_PER_CHUNK: bool = true;

    fn cell() -> RnnCell {
        RnnCell {
            nonlinearity: Nonlinearity::Tanh,
        }
    }
}

impl RnnFast<f32> {
    /// The model with the book's initialisation [`crate::scratch::get_params`]:
    /// the builder [`crate::train::train_and_predict_rnn`] takes.
    ///
    /// ```
    /// use d2l_rnn::model::RecurrentModel;
    /// assert_eq!(d2l_rnn::fast::RnnFast::init(7, 5, 0).vocab_size(), 7);
    /// ```
    pub fn init(vocab_size: usize, num_hiddens: usize, seed: u64) -> Self {
        RnnFast::new(crate::scratch::get_params(vocab_size, num_hiddens, seed))
    }
}
