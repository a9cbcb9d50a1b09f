//! # d2l-rnn
//!
//! The recurrent neural network section of *Dive into Deep Learning*
//! (Chinese edition), step by step in Rust: a character-level language model
//! trained on Jay Chou's lyrics, first from scratch with backpropagation
//! through time written by hand, then with a concise layer API.
//!
//! | step of the section                         | item                                   |
//! |---------------------------------------------|----------------------------------------|
//! | read the lyrics, build the vocabulary       | [`data::load_data_jay_lyrics`]         |
//! | one-hot vectors                             | [`scratch::one_hot`], [`scratch::to_onehot`] |
//! | initialise parameters                       | [`scratch::get_params`]                |
//! | the model                                   | [`scratch::init_rnn_state`], [`scratch::rnn`] |
//! | clip gradients                              | [`optim::grad_clipping`]               |
//! | predict                                     | [`predict::predict_rnn`]               |
//! | perplexity                                  | [`loss::perplexity`]                   |
//! | train and write lyrics                      | [`train::train_and_predict_rnn`]       |
//! | random / consecutive sampling               | [`data::data_iter_random`], [`data::data_iter_consecutive`] |
//! | backward pass (PyTorch's `l.backward()`)    | [`scratch::RnnScratch`] (readable), [`fast::RnnFast`] (fast) |
//!
//! Every model implements [`model::RecurrentModel`] and trains through the
//! one loop [`train::train`]. What a student reads is [`scratch`]: the
//! book's math written plainly, forward and backward. Training runs the same
//! parameters through the one recurrence engine ([`fast`]: the concise
//! layers' cells and walk through time), which a test proves equal to the
//! readable models.
//! Every random choice takes a seed.
//!
//! The modules in layers (each imports only from the layers above it):
//!
//! | layer | modules |
//! |---|---|
//! | scalars | [`real`] |
//! | contracts | [`model`], [`error`] |
//! | data | [`data`], [`io`] |
//! | readable models | [`scratch`] |
//! | fast engines | [`nn`] (the cells and the walk through time, the concise layers), [`fast`] (the two-core pipeline, the kernels, the from-scratch parameters on the engine) |
//! | training | [`loss`], [`optim`], [`predict`], [`train`], [`checkpoint`], [`plot`] |
//!
//! ```
//! use d2l_rnn::data::Corpus;
//! use d2l_rnn::fast::RnnFast;
//! use d2l_rnn::train::{train_and_predict_rnn, TrainConfig};
//! let corpus = Corpus::from_text(&"分开 不分开 ".repeat(40));
//! let cfg = TrainConfig { num_epochs: 20, num_steps: 6, batch_size: 4, num_hiddens: 16,
//!     lr: 1.0, clipping_theta: 1.0, pred_period: 20, pred_len: 6, ..Default::default() };
//! let (_model, history) = train_and_predict_rnn(RnnFast::init, &corpus, &cfg)?;
//! assert!(history.final_perplexity().unwrap() < 4.0); // 5 characters, well learnt
//! # Ok::<(), d2l_rnn::Error>(())
//! ```

pub mod checkpoint;
pub mod data;
pub mod error;
pub mod fast;
pub mod inspect;
pub mod io;
pub mod loss;
pub mod model;
pub mod nn;
pub mod optim;
pub mod predict;
pub mod real;
pub mod scratch;
pub mod train;

pub use error::{Error, Result};
pub mod plot;

#[cfg(doctest)]
mod book;
