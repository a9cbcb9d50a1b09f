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
//! | GRU (6.7): `get_params`, `init_gru_state`, `gru` | [`get_gru_params`] → [`GruParams`], [`init_gru_state`], [`gru`], [`GruScratch`] |
//! | LSTM (6.8): `get_params`, `init_lstm_state`, `lstm` | [`get_lstm_params`] → [`LstmParams`], [`init_lstm_state`], [`lstm`], [`LstmScratch`] |

mod gru;
mod lstm;
mod onehot;
mod params;
mod rnn;

pub use gru::{get_gru_params, gru, init_gru_state, GruParams, GruScratch};
pub use lstm::{get_lstm_params, init_lstm_state, lstm, LstmParams, LstmScratch, LstmState};
pub use onehot::{one_hot, to_onehot};
pub use params::{get_params, RnnParams};
pub use rnn::{init_rnn_state, rnn, RnnScratch};
