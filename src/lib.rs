//! # d2l-rnn
//!
//! (crate docs: to be written)

pub mod checkpoint;
pub mod data;
pub mod error;
pub mod io;
pub mod linalg;
pub mod loss;
pub mod model;
pub mod optim;
pub mod predict;
pub mod scratch;
pub mod train;

pub use error::{Error, Result};
pub mod plot;
