//! The from-scratch GRU on the one engine: [`GruFast`].

use super::fast_model::{FastLayout, FastModel};
use crate::fast::FastReal;
use crate::nn::{GruCell, ResetGate};
use crate::scratch::GruParams;
use ndarray::Array2;

/// The GRU as a fast trainable model: what [`crate::scratch::GruScratch`]
/// computes, stepped by [`GruCell`] with the book's reset gate
/// ([`ResetGate::BeforeProduct`]: \\((R_t \odot H_{t-1}) W_{hh}\\)) on the
/// engine the concise layers use ([`FastModel`]).
///
/// The cell stacks the gates in PyTorch's order (reset \\(R\\), update
/// \\(Z\\), candidate \\(\tilde H\\)): one gather gives every gate's
/// \\(X_t W_{x\cdot} + b_\cdot\\), one product \\(H_{t-1} [W_{hr}, W_{hz}]\\),
/// and a second, after the reset gate, \\((R_t \odot H_{t-1}) W_{hh}\\).
/// Backwards, each gate's \\(\partial W_{h\cdot} = \sum_t H_{t-1}^\top \partial A^{\cdot}_t\\)
/// (with \\(R \odot H\\) in place of \\(H\\) for the candidate) is summed while
/// the walk back goes on. \\(\partial H_0\\) is
/// [`crate::model::RecurrentModelExt::state_grad`].
///
/// ```
/// use d2l_rnn::model::RecurrentModel;
/// use d2l_rnn::fast::GruFast;
/// use d2l_rnn::scratch::get_gru_params;
/// use ndarray::Array2;
/// let mut model = GruFast::new(get_gru_params(1027, 256, 0));
/// let x = Array2::from_shape_vec((2, 5), (0..10).collect()).unwrap();
/// let mut state = model.begin_state(2);
/// let logits = model.forward(x.view(), &mut state);
/// assert_eq!(logits.dim(), (10, 1027)); // (num_steps * batch_size, vocab_size)
/// assert!(logits.iter().all(|o| o.abs() < 0.01)); // N(0, 0.01²) weights: near-uniform output
/// assert_eq!(state.dim(), (2, 256));
/// assert!(state.iter().any(|&h| h != 0.0));
/// ```
pub type GruFast<A = f32> = FastModel<GruParams<A>, A>;

impl<A: FastReal> FastLayout<A> for GruParams<A> {
    type Cell = GruCell;
    type State = Array2<A>;
    /// PyTorch's r, z, n from the book's Z, R, H̃.
    const CELL_ORDER: &'static [usize] = &[1, 0, 2];

    fn cell() -> GruCell {
        GruCell {
            reset: ResetGate::BeforeProduct,
        }
    }
}

impl GruFast<f32> {
    /// The model with the book's initialisation [`crate::scratch::get_gru_params`]:
    /// the builder [`crate::train::train_and_predict_rnn`] takes.
    ///
    /// ```
    /// use d2l_rnn::model::RecurrentModel;
    /// assert_eq!(d2l_rnn::fast::GruFast::init(7, 5, 0).vocab_size(), 7);
    /// ```
    pub fn init(vocab_size: usize, num_hiddens: usize, seed: u64) -> Self {
        GruFast::new(crate::scratch::get_gru_params(
            vocab_size,
            num_hiddens,
            seed,
        ))
    }
}
