//! Part 2 of the section, and the GRU and LSTM after it: the models written
//! from scratch, plainly, as the book teaches them.
//!
//! Everything here is the book's math on ndarray (`dot`, `mapv`, `select`),
//! forward and backward, one time step at a time: no threads, no buffers
//! reused across calls, no vectorisation tricks. These models are the
//! specification; training runs the same parameters through the one
//! recurrence engine ([`crate::fast::FastModel`]), which computes the same
//! numbers (a test compares them).
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
//! | GRU (6.7): `get_params`, `init_gru_state`, `gru` | [`get_gru_params`] → [`GruParams`], [`init_gru_state`], [`gru`], [`GruScratch`] |
//! | LSTM (6.8): `get_params`, `init_lstm_state`, `lstm` | [`get_lstm_params`] → [`LstmParams`], [`init_lstm_state`], [`lstm`], [`LstmScratch`] |

#![forbid(unsafe_code)]

mod gate;
mod gru;
mod lstm;
mod onehot;
mod rnn;
mod steps;

pub use gate::{gated_tensors, gated_tensors_mut, Gate, GateNames, GatedParams, NormalInit};
pub use gru::{get_gru_params, gru, init_gru_state, GruParams, GruScratch};
pub use lstm::{get_lstm_params, init_lstm_state, lstm, LstmParams, LstmScratch, LstmState};
pub use onehot::{one_hot, to_onehot};
pub use rnn::{get_params, init_rnn_state, rnn, RnnParams, RnnScratch};
pub use steps::{sigmoid, stack_steps, time_steps};
