//! The from-scratch LSTM on the one engine: [`LstmFast`].

use super::fast_model::{FastLayout, FastModel};
use crate::fast::FastReal;
use crate::nn::LstmCell;
use crate::scratch::{LstmParams, LstmState};

/// The LSTM as a fast trainable model: what [`crate::scratch::LstmScratch`]
/// computes, stepped by [`LstmCell`] on the engine the concise layers use
/// ([`FastModel`]).
///
/// The formulas are those of [`crate::scratch::LstmScratch`]; the cell
/// stacks the gates in PyTorch's order (input \\(I\\), forget \\(F\\),
/// candidate \\(\tilde C\\), output \\(O\\)), so one gather gives every
/// gate's \\(X_t W_{x\cdot} + b_\cdot\\) and one product every gate's
/// \\(H_{t-1} W_{h\cdot}\\). The output layer runs chunk by chunk beside the
/// walk; each gate's \\(\partial W_{h\cdot} = \sum_t H_{t-1}^\top \partial A^{\cdot}_t\\)
/// is summed while the walk back goes on. \\((\partial H_0, \partial C_0)\\) is
/// [`crate::model::RecurrentModelExt::state_grad`].
///
/// ```
/// use d2l_rnn::model::RecurrentModel;
/// use d2l_rnn::fast::LstmFast;
/// use d2l_rnn::scratch::get_lstm_params;
/// use ndarray::Array2;
/// let mut model = LstmFast::new(get_lstm_params(1027, 256, 0));
/// let x = Array2::from_shape_vec((2, 5), (0..10).collect()).unwrap();
/// let mut state = model.begin_state(2); // (H, C)
/// let logits = model.forward(x.view(), &mut state);
/// assert_eq!(logits.dim(), (10, 1027)); // (num_steps * batch_size, vocab_size)
/// assert!(logits.iter().all(|o| o.abs() < 0.01)); // N(0, 0.01²) weights: near-uniform output
/// assert_eq!((state.0.dim(), state.1.dim()), ((2, 256), (2, 256)));
/// assert!(state.1.iter().any(|&c| c != 0.0));
/// ```
pub type LstmFast<A = f32> = FastModel<LstmParams<A>, A>;

impl<A: FastReal> FastLayout<A> for LstmParams<A> {
    type Cell = LstmCell;
    type State = LstmState<A>;
    /// PyTorch's i, f, g, o from the book's I, F, O, C̃.
    const CELL_ORDER: &'static [usize] = &[0, 1, 3, 2];

    fn cell() -> LstmCell {
        LstmCell
    }
}

impl LstmFast<f32> {
    /// The model with the book's initialisation [`crate::scratch::get_lstm_params`]:
    /// the builder [`crate::train::train_and_predict_rnn`] takes.
    ///
    /// ```
    /// use d2l_rnn::model::RecurrentModel;
    /// assert_eq!(d2l_rnn::fast::LstmFast::init(7, 5, 0).vocab_size(), 7);
    /// ```
    pub fn init(vocab_size: usize, num_hiddens: usize, seed: u64) -> Self {
        LstmFast::new(crate::scratch::get_lstm_params(
            vocab_size,
            num_hiddens,
            seed,
        ))
    }
}
