//! Part 2 of the section: a character-level RNN written from scratch.
//!
//! | section (PyTorch)        | here                                   |
//! |--------------------------|----------------------------------------|
//! | `one_hot`, `to_onehot`   | [`one_hot`], [`to_onehot`]             |
//! | `get_params`             | [`get_params`] → [`RnnParams`]         |
//! | `init_rnn_state`, `rnn`  | [`init_rnn_state`], [`rnn`]            |
//! | `l.backward()`           | [`RnnScratch`]'s hand-written BPTT     |
//! | `grad_clipping`, `sgd`   | [`crate::optim::grad_clipping`], [`crate::optim::sgd`] |
//! | `predict_rnn`            | [`crate::predict::predict_rnn`]        |
//! | `train_and_predict_rnn`  | [`crate::train::train_and_predict_rnn`] |

mod onehot;
mod params;
mod rnn;

pub use onehot::{one_hot, to_onehot};
pub use params::{get_params, RnnParams};
pub use rnn::{init_rnn_state, rnn, RnnScratch};
