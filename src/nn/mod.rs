//! Part 3 of the section, the concise implementation: PyTorch's `nn.RNN`,
//! `nn.GRU`, `nn.LSTM` and `nn.Linear` as layers with hand-written backward
//! passes, the section's `RNNModel`, and its `predict_rnn_pytorch` and
//! `train_and_predict_rnn_pytorch`.
//!
//! | section (PyTorch)                                   | here                                          |
//! |-----------------------------------------------------|-----------------------------------------------|
//! | `nn.RNN(input_size=vocab_size, hidden_size=256)`    | [`Rnn::new`]`(`[`RnnConfig::new`]`(vocab_size, 256), seed)` |
//! | `nn.GRU(...)`, `nn.LSTM(...)`                       | [`Gru::new`], [`Lstm::new`] (same [`RnnConfig`]) |
//! | `Y, state_new = rnn_layer(X, state)`                | [`Recurrent::forward`]`(x.view(), state)`     |
//! | `l.backward()` through the layer                    | [`Recurrent::backward`], written by hand      |
//! | `nn.Linear(hidden_size, vocab_size)`                | [`Linear`]                                    |
//! | `RNNModel(rnn_layer, vocab_size)`                   | [`RNNModel::new`]`(rnn_layer, vocab_size, seed)` |
//! | `torch.optim.Adam(model.parameters(), lr=1e-3)`     | [`crate::optim::Adam::new`]`(1e-3)`           |
//! | `predict_rnn_pytorch`                               | [`predict_rnn_pytorch`]                       |
//! | `train_and_predict_rnn_pytorch`                     | [`train_and_predict_rnn_pytorch`]             |
//! | `model.state_dict()` names                          | [`crate::model::Parameters::tensors`] names: `rnn.weight_ih_l0`, …, `dense.weight`, `dense.bias` |
//!
//! Training uses the one loop, [`crate::train::train`], with
//! [`crate::optim::Adam`] and [`crate::optim::grad_clipping`], which really
//! clips. (In the PyTorch original the concise version's clipping did
//! nothing: `model.parameters()` is a one-shot generator, used up by the loop
//! that computes the norm, so the loop that should scale saw no parameters.)
//!
//! The three layers are one generic type, [`Recurrent`], that handles what
//! they share (stacked layers, two directions, batch-first layout, bias,
//! shape checks, PyTorch's parameter names and initialisation) and a
//! [`Cell`] that holds what differs: one time step forward and its backward.
//! Weights are stored as PyTorch stores them, gates stacked in PyTorch's
//! order, so tensors move between PyTorch and this crate unchanged.
//!
//! ```
//! use d2l_rnn::nn::{Rnn, RnnConfig};
//! use ndarray::Array3;
//! // rnn_layer = nn.RNN(input_size=vocab_size, hidden_size=num_hiddens)
//! let mut rnn_layer = Rnn::new(RnnConfig::new(1027, 256), 0)?;
//! let x = Array3::<f32>::from_elem((35, 2, 1027), 0.5); // (num_steps, batch_size, vocab_size)
//! let (y, state_new) = rnn_layer.forward(x.view(), None)?;
//! assert_eq!((y.dim(), state_new.dim()), ((35, 2, 256), (1, 2, 256)));
//! # Ok::<(), d2l_rnn::Error>(())
//! ```

mod cell;
pub(crate) mod engine;
mod gru;
mod layer_params;
mod linear;
mod lstm;
mod model;
mod pytorch_api;
mod recurrent;
mod rnn;
mod state;

pub use gru::{Gru, GruCell, ResetGate};
pub use linear::{Linear, LinearParams};
pub use lstm::{Lstm, LstmCell};
pub use model::{RNNModel, RNNModelParams};
pub use pytorch_api::{concise_config, predict_rnn_pytorch, train_and_predict_rnn_pytorch};
pub use recurrent::{
    Cell, CellBackward, CellForward, CellWeights, LayerState, Recurrent, RecurrentParams,
};
pub use rnn::{Rnn, RnnCell};

use crate::error::{positive, Result};
use std::collections::BTreeSet;
use std::sync::Mutex;

/// The activation of a plain RNN layer, PyTorch's `nonlinearity` option.
///
/// ```
/// use d2l_rnn::nn::Nonlinearity;
/// assert_eq!("relu".parse::<Nonlinearity>()?, Nonlinearity::Relu);
/// assert_eq!(Nonlinearity::Tanh.to_string(), "tanh");
/// assert!("sigmoid".parse::<Nonlinearity>().is_err());
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Nonlinearity {
    /// \\(\tanh\\), PyTorch's default.
    #[default]
    Tanh,
    /// \\(\max(0, x)\\).
    Relu,
}

crate::error::named_choices!(Nonlinearity, "nonlinearity", {
    Nonlinearity::Tanh => "tanh",
    Nonlinearity::Relu => "relu",
});

/// Which recurrent cell a layer or model uses: `rnn`, `gru` or `lstm`
/// (PyTorch's `nn.RNN`, `nn.GRU`, `nn.LSTM`).
///
/// ```
/// use d2l_rnn::nn::ModelKind;
/// assert_eq!("lstm".parse::<ModelKind>()?, ModelKind::Lstm);
/// assert_eq!(ModelKind::Gru.to_string(), "gru");
/// assert_eq!(ModelKind::Lstm.gates(), 4);
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ModelKind {
    /// \\(H_t = \phi(X_t W_{ih}^\top + b_{ih} + H_{t-1} W_{hh}^\top + b_{hh})\\).
    Rnn,
    /// Gated recurrent unit: reset, update and candidate gates.
    Gru,
    /// Long short-term memory: input, forget, cell and output gates.
    Lstm,
}

impl ModelKind {
    /// Number of gate blocks stacked in `weight_ih` and `weight_hh`: 1, 3 or 4.
    pub fn gates(self) -> usize {
        match self {
            ModelKind::Rnn => 1,
            ModelKind::Gru => 3,
            ModelKind::Lstm => 4,
        }
    }

    /// PyTorch's class name: `RNN`, `GRU` or `LSTM`.
    pub fn torch_name(self) -> &'static str {
        match self {
            ModelKind::Rnn => "RNN",
            ModelKind::Gru => "GRU",
            ModelKind::Lstm => "LSTM",
        }
    }
}

crate::error::named_choices!(ModelKind, "model", {
    ModelKind::Rnn => "rnn",
    ModelKind::Gru => "gru",
    ModelKind::Lstm => "lstm",
});

/// The options of a recurrent layer, as PyTorch's `nn.RNN`, `nn.GRU` and
/// `nn.LSTM` constructors take them.
///
/// `Default` holds the section's layer, `nn.RNN(input_size=1027,
/// hidden_size=256)`, with PyTorch's defaults for the rest;
/// [`RnnConfig::new`] takes the two sizes and keeps PyTorch's defaults.
/// `nonlinearity` is read by [`Rnn`] only; [`Gru`] and [`Lstm`] refuse `Relu`.
///
/// ```
/// use d2l_rnn::nn::{Nonlinearity, RnnConfig};
/// let cfg = RnnConfig::default();
/// assert_eq!((cfg.input_size, cfg.hidden_size, cfg.num_layers), (1027, 256, 1));
/// assert_eq!((cfg.nonlinearity, cfg.bias, cfg.batch_first, cfg.bidirectional),
///            (Nonlinearity::Tanh, true, false, false));
/// let deep = RnnConfig { num_layers: 2, bidirectional: true, ..RnnConfig::new(7, 5) };
/// assert_eq!((deep.num_directions(), deep.layer_input_size(1)), (2, 10));
/// assert_eq!(deep.state_shape(3), (4, 3, 5)); // (num_layers * num_directions, batch, hidden_size)
/// assert!(RnnConfig::new(7, 0).validate().unwrap_err().to_string().contains("hidden_size"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RnnConfig {
    /// Features of each input vector \\(x_t\\) (the vocabulary size for one-hot input).
    pub input_size: usize,
    /// Features of the hidden state \\(h_t\\).
    pub hidden_size: usize,
    /// Stacked layers; layer \\(l > 0\\) reads the outputs of layer \\(l - 1\\).
    pub num_layers: usize,
    /// Activation of [`Rnn`]: tanh (default) or relu.
    pub nonlinearity: Nonlinearity,
    /// Whether the layers have `bias_ih` and `bias_hh`.
    pub bias: bool,
    /// Input and output shaped `(batch, num_steps, features)` instead of
    /// `(num_steps, batch, features)`. The state keeps `(layers * directions, batch, hidden)`.
    pub batch_first: bool,
    /// A second pass over the sequence from the last step to the first; outputs are
    /// concatenated `[forward, backward]` along the features.
    pub bidirectional: bool,
}

impl Default for RnnConfig {
    fn default() -> Self {
        RnnConfig::new(1027, 256)
    }
}

impl RnnConfig {
    /// `input_size` and `hidden_size` with PyTorch's defaults for the rest:
    /// one layer, tanh, bias, time-major, one direction.
    pub fn new(input_size: usize, hidden_size: usize) -> Self {
        RnnConfig {
            input_size,
            hidden_size,
            num_layers: 1,
            nonlinearity: Nonlinearity::Tanh,
            bias: true,
            batch_first: false,
            bidirectional: false,
        }
    }

    /// 2 when bidirectional, else 1.
    pub fn num_directions(&self) -> usize {
        if self.bidirectional {
            2
        } else {
            1
        }
    }

    /// Input features of layer `layer`: `input_size` for the first,
    /// `num_directions * hidden_size` for the others.
    pub fn layer_input_size(&self, layer: usize) -> usize {
        if layer == 0 {
            self.input_size
        } else {
            self.num_directions() * self.hidden_size
        }
    }

    /// Shape of the state `h` (and `c`): `(num_layers * num_directions, batch, hidden_size)`.
    pub fn state_shape(&self, batch: usize) -> (usize, usize, usize) {
        (
            self.num_layers * self.num_directions(),
            batch,
            self.hidden_size,
        )
    }

    /// Checks that every size is at least 1, naming the first that is not.
    pub fn validate(&self) -> Result<()> {
        positive("input_size", self.input_size)?;
        positive("hidden_size", self.hidden_size)?;
        positive("num_layers", self.num_layers)?;
        Ok(())
    }
}

/// A `&'static str` for a parameter name built at run time (`rnn.weight_ih_l3`).
///
/// [`crate::model::Parameters`] names tensors with `&'static str`. Each
/// distinct name is leaked once and then reused, so memory stays bounded by
/// the number of distinct names ever built (a handful per layer).
pub(crate) fn intern(name: String) -> &'static str {
    static NAMES: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(&known) = names.get(name.as_str()) {
        return known;
    }
    let leaked: &'static str = Box::leak(name.into_boxed_str());
    names.insert(leaked);
    leaked
}

/// `[a, b, c]`, the way shapes are printed in error messages.
pub(crate) fn shape_str(shape: &[usize]) -> String {
    format!("{shape:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interned_names_are_shared() {
        let a = intern("rnn.weight_ih_l7".to_string());
        let b = intern(format!("rnn.weight_ih_l{}", 7));
        assert!(std::ptr::eq(a, b));
    }
}
