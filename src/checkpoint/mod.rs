//! Checkpoints: a model's parameters and its vocabulary in one
//! [safetensors](https://huggingface.co/docs/safetensors) file.
//!
//! Tensors are stored as little-endian `F32` under their parameter names:
//! `W_xh`, `W_hh`, `b_h`, `W_hq`, `b_q` for the from-scratch RNN (the
//! from-scratch GRU and LSTM add their gates' `W_xz`, `W_hz`, `b_z`, …), and for
//! the concise models exactly the names and shapes of PyTorch's
//! `model.state_dict()` (`rnn.weight_ih_l0`, …, `dense.weight`,
//! `dense.bias`), so `safetensors.torch.load_file` gives a dictionary that
//! PyTorch's `RNNModel.load_state_dict` accepts. The metadata holds
//! `format = d2l-rnn`, the model kind (`model`, `impl`), the hidden size, the
//! vocabulary as a JSON list of characters and, for concise models, every
//! layer option. Files are written atomically. Loading checks the kind, every
//! name, shape and dtype and the vocabulary, and reports every mismatch by
//! name. [`load_any`] opens any checkpoint and returns the model it holds.

//!
//! | file | what |
//! |---|---|
//! | `format.rs` | the file format: writing, reading, filling named tensors, the vocabulary check |
//! | `scratch.rs` | the from-scratch models (`W_xh`, …) |
//! | `concise.rs` | the concise models (PyTorch's `state_dict()` names) |
//! | `state.rs` | [`TrainingState`]: epochs done, settings and Adam's moments, for `train --load` |
//! | `any.rs` | [`AnyModel`], [`load_any`]: whichever model a file holds |

mod any;
mod concise;
mod format;
mod new_model;
mod scratch;
mod state;

pub use any::{load_any, AnyModel};
pub use concise::{load_concise, save_concise};
pub use format::{
    check_vocab, default_path, load_tensors_into, read_checkpoint, save_checkpoint, CheckpointInfo,
    Implementation, OPTIMIZER_PREFIX, VOCAB_KEY,
};
pub use scratch::{load_gru_scratch, load_lstm_scratch, load_rnn_scratch};
pub use state::{read_training_state, AdamState, TrainingState};
