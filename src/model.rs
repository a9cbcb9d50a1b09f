//! What every model in this crate is: the contract between a model and the
//! one training loop ([`crate::train`]).
//!
//! A model can start a state, run forward over a mini-batch of time steps
//! while keeping what the backward pass needs, run that backward pass by hand,
//! and lend out its parameters together with their gradients. Clipping,
//! optimisers, checkpoints and the loop work on any such model.

use ndarray::{Array2, Array3, ArrayView2, ArrayViewD, ArrayViewMutD, Dimension};

pub use crate::real::Real;

/// A named set of tensors: a model's parameters, or their gradients (same
/// names, same shapes, same order).
///
/// Tensors are lent out as dynamic-dimensional views so that clipping,
/// optimisers and checkpoints need not know the model.
///
/// ```
/// use d2l_rnn::model::Parameters;
/// use d2l_rnn::scratch::get_params;
/// let params = get_params(7, 5, 0);
/// let names: Vec<_> = params.tensors().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["W_xh", "W_hh", "b_h", "W_hq", "b_q"]);
/// assert_eq!(params.num_elements(), 7 * 5 + 5 * 5 + 5 + 5 * 7 + 7);
/// ```
pub trait Parameters<A> {
    /// `(name, view)` of every tensor, in a fixed order.
    fn tensors(&self) -> Vec<(&'static str, ArrayViewD<'_, A>)>;
    /// `(name, mutable view)` of every tensor, in the same order as [`Parameters::tensors`].
    fn tensors_mut(&mut self) -> Vec<(&'static str, ArrayViewMutD<'_, A>)>;
    /// Total number of scalars.
    fn num_elements(&self) -> usize {
        self.tensors().iter().map(|(_, t)| t.len()).sum()
    }
}

/// A recurrent language model that the training loop can drive.
///
/// Inputs are character indices shaped `(batch_size, num_steps)`, as the
/// section's mini-batches `X`. Logits come back shaped
/// `(num_steps * batch_size, vocab_size)` in time-major order: row
/// `t * batch_size + i` is time step `t` of sequence `i`, the order of
/// `torch.cat(outputs, dim=0)` in the section.
pub trait RecurrentModel {
    /// Scalar type of parameters and activations.
    type Elem: Real;
    /// Hidden state carried between time steps (`H`, or `(H, C)` for an LSTM),
    /// lent out as named tensors like the parameters (`H`, `C`).
    type State: Clone + Parameters<Self::Elem>;
    /// The parameter set; gradients use the same type.
    type Params: Parameters<Self::Elem>;

    /// Size of the vocabulary: width of the one-hot input and of the logits.
    fn vocab_size(&self) -> usize;

    /// A zero state for `batch_size` sequences (`init_rnn_state` in the section).
    fn begin_state(&self, batch_size: usize) -> Self::State;

    /// Runs the model over `inputs` `(batch_size, num_steps)` starting from
    /// `state`, which is replaced by the state after the last step. Returns the
    /// logits `(num_steps * batch_size, vocab_size)` and keeps what
    /// [`RecurrentModel::backward`] needs.
    fn forward(
        &mut self,
        inputs: ArrayView2<'_, usize>,
        state: &mut Self::State,
    ) -> ArrayView2<'_, Self::Elem>;

    /// Backpropagation through time for the last call of `forward`: given
    /// `dL/dlogits`, overwrites the gradients of all parameters. The gradient
    /// stops at the initial state: the state is detached between mini-batches.
    fn backward(&mut self, dlogits: ArrayView2<'_, Self::Elem>);

    /// The parameters.
    fn params(&self) -> &Self::Params;

    /// The parameters and their gradients, borrowed together for an update.
    fn params_and_grads(&mut self) -> (&mut Self::Params, &mut Self::Params);
}

/// What a model offers beside one training step: a walk over a prefix
/// that skips the output layer (writing text), and the gradient of the
/// initial state, which training drops (the state is detached) and gradient
/// checks and tests read.
///
/// ```
/// use d2l_rnn::model::{RecurrentModel, RecurrentModelExt};
/// use d2l_rnn::scratch::{get_params, RnnScratch};
/// let mut model = RnnScratch::new(get_params(4, 3, 0));
/// let mut state = model.begin_state(1);
/// let logits = model.forward(ndarray::array![[1usize, 2]].view(), &mut state).to_owned();
/// model.backward(logits.view()); // any dL/dlogits
/// assert_eq!(model.state_grad().dim(), (1, 3)); // dL/dH_0, the state's shape
/// ```
pub trait RecurrentModelExt: RecurrentModel {
    /// Runs only the recurrence over `inputs` `(batch_size, num_steps)` from
    /// `state`, leaving the state after the last step in `state`, as
    /// [`RecurrentModel::forward`] would, without the output layer: what
    /// writing text needs for a prefix, whose predictions nobody reads.
    /// Nothing is kept for [`RecurrentModel::backward`]. The default runs
    /// `forward` and drops the logits; the fast models skip the output layer.
    ///
    /// ```
    /// use d2l_rnn::fast::RnnFast;
    /// use d2l_rnn::model::{RecurrentModel, RecurrentModelExt};
    /// use ndarray::array;
    /// let mut model = RnnFast::init(10, 8, 0);
    /// let (mut advanced, mut stepped) = (model.begin_state(1), model.begin_state(1));
    /// model.advance(array![[1usize, 2, 3]].view(), &mut advanced); // 3 steps, no output layer
    /// for c in [1usize, 2, 3] {
    ///     let _ = model.forward(array![[c]].view(), &mut stepped); // one step at a time
    /// }
    /// assert_eq!(advanced, stepped); // the same state, to the last bit
    /// assert!(advanced.iter().any(|&h| h != 0.0));
    /// ```
    fn advance(&mut self, inputs: ArrayView2<'_, usize>, state: &mut Self::State) {
        let _ = self.forward(inputs, state);
    }

    /// Gradient of the loss with respect to the initial state of the last
    /// `forward`, from the last `backward` (the same shape as the state).
    /// Training drops it; gradient checks and tests read it.
    fn state_grad(&self) -> Self::State;
}

/// A hidden state `H` is one named tensor.
///
/// ```
/// use d2l_rnn::model::Parameters;
/// let h = ndarray::Array2::<f32>::zeros((2, 3));
/// assert_eq!(h.tensors()[0].0, "H");
/// ```
impl<A, D: Dimension> Parameters<A> for ndarray::Array<A, D>
where
    ndarray::Array<A, D>: StateTensor,
{
    fn tensors(&self) -> Vec<(&'static str, ArrayViewD<'_, A>)> {
        vec![("H", self.view().into_dyn())]
    }

    fn tensors_mut(&mut self) -> Vec<(&'static str, ArrayViewMutD<'_, A>)> {
        vec![("H", self.view_mut().into_dyn())]
    }
}

/// An LSTM's state `(H, C)` is two named tensors.
///
/// ```
/// use d2l_rnn::model::Parameters;
/// let s = (ndarray::Array2::<f32>::zeros((2, 3)), ndarray::Array2::<f32>::ones((2, 3)));
/// let names: Vec<_> = s.tensors().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["H", "C"]);
/// ```
impl<A, D: Dimension> Parameters<A> for (ndarray::Array<A, D>, ndarray::Array<A, D>)
where
    ndarray::Array<A, D>: StateTensor,
{
    fn tensors(&self) -> Vec<(&'static str, ArrayViewD<'_, A>)> {
        vec![
            ("H", self.0.view().into_dyn()),
            ("C", self.1.view().into_dyn()),
        ]
    }

    fn tensors_mut(&mut self) -> Vec<(&'static str, ArrayViewMutD<'_, A>)> {
        vec![
            ("H", self.0.view_mut().into_dyn()),
            ("C", self.1.view_mut().into_dyn()),
        ]
    }
}

/// The arrays a state is made of: `(batch, hidden)` matrices for the
/// from-scratch models, `(layers · directions, batch, hidden)` for the
/// concise ones.
pub trait StateTensor {}
impl<A> StateTensor for Array2<A> {}
impl<A> StateTensor for Array3<A> {}
