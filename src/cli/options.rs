//! The options of `train`, as the command line parsed them.

use d2l_rnn::checkpoint::Implementation;
use d2l_rnn::data::Sampling;
use d2l_rnn::nn::{ModelKind, Nonlinearity};
use d2l_rnn::{Error, Result};
use std::path::PathBuf;

/// Which from-scratch model trains: the fast engine (default) or the
/// readable model of `d2l_rnn::scratch` (same numbers, slower).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Fast,
    Readable,
}

impl std::str::FromStr for Engine {
    type Err = Error;

    fn from_str(s: &str) -> Result<Engine> {
        match s.to_ascii_lowercase().as_str() {
            "fast" => Ok(Engine::Fast),
            "readable" => Ok(Engine::Readable),
            _ => Err(Error::InvalidArgument {
                name: "engine",
                value: s.to_string(),
                hint: "use fast or readable".into(),
            }),
        }
    }
}

/// The options of `train`; `None` means "not given": the checkpoint's value
/// when going on from one (`--load`), else the section's.
#[derive(Clone, Debug)]
pub struct TrainOptions {
    pub model: Option<ModelKind>,
    pub implementation: Option<Implementation>,
    pub engine: Engine,
    pub sampling: Option<Sampling>,
    pub epochs: usize,
    pub hidden: Option<usize>,
    pub lr: Option<f64>,
    pub clip: Option<f64>,
    pub batch_size: Option<usize>,
    pub num_steps: Option<usize>,
    pub seed: Option<u64>,
    pub corpus: Option<PathBuf>,
    pub max_chars: Option<usize>,
    pub history: Option<PathBuf>,
    pub save: Option<PathBuf>,
    pub load: Option<PathBuf>,
    pub plot: Option<PathBuf>,
    pub valid_frac: f64,
    pub pred_period: usize,
    pub pred_len: usize,
    pub prefixes: Vec<String>,
    pub num_layers: Option<usize>,
    pub bidirectional: bool,
    pub nonlinearity: Option<Nonlinearity>,
}

pub fn invalid(name: &'static str, value: impl ToString, hint: impl Into<String>) -> Error {
    Error::InvalidArgument {
        name,
        value: value.to_string(),
        hint: hint.into(),
    }
}
