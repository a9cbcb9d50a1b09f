//! The training settings, with the section's values as defaults.

use crate::data::Sampling;
use crate::error::{positive, Error, Result};

/// Training settings. `Default` holds the section's from-scratch values:
/// 250 epochs, `num_steps` 35, `batch_size` 32, `lr` 100, clipping
/// \\(\theta\\) = 0.01, 256 hidden units, a prediction of 50 characters after
/// 分开 and 不分开 every 50 epochs, random sampling, seed 0.
///
/// ```
/// let cfg = d2l_rnn::train::TrainConfig::default();
/// assert_eq!((cfg.num_epochs, cfg.num_steps, cfg.batch_size), (250, 35, 32));
/// assert_eq!((cfg.lr, cfg.clipping_theta, cfg.num_hiddens), (100.0, 0.01, 256));
/// assert!(cfg.validate().is_ok());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// Number of passes over the corpus.
    pub num_epochs: usize,
    /// Time steps per mini-batch.
    pub num_steps: usize,
    /// Sequences per mini-batch.
    pub batch_size: usize,
    /// Learning rate.
    pub lr: f64,
    /// Gradient clipping threshold \\(\theta\\) on the global L2 norm.
    pub clipping_theta: f64,
    /// Hidden units \\(h\\) (used when the loop's caller builds the model).
    pub num_hiddens: usize,
    /// Predict after every `pred_period` epochs.
    pub pred_period: usize,
    /// Characters to write after each prefix.
    pub pred_len: usize,
    /// Prefixes to write from.
    pub prefixes: Vec<String>,
    /// How mini-batches are cut from the corpus.
    pub sampling: Sampling,
    /// Seed of every random choice (weights and shuffling).
    pub seed: u64,
    /// Fraction of the corpus, at its end, kept out of training: its
    /// perplexity is reported every epoch beside the training one. 0 (the
    /// default, the section's setting) keeps nothing out.
    pub valid_frac: f64,
    /// Epochs this model has already been trained for (a resumed run): the
    /// epochs are numbered on from here, and the shuffles of the epochs done
    /// are replayed, so that the run goes on exactly as if it had not stopped.
    pub epochs_done: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            num_epochs: 250,
            num_steps: 35,
            batch_size: 32,
            lr: 100.0,
            clipping_theta: 0.01,
            num_hiddens: 256,
            pred_period: 50,
            pred_len: 50,
            prefixes: vec!["分开".into(), "不分开".into()],
            sampling: Sampling::Random,
            seed: 0,
            valid_frac: 0.0,
            epochs_done: 0,
        }
    }
}

/// The most characters training writes after each prefix (`pred_len`): the
/// samples are a glance at the model, kept whole in the history.
///
/// ```
/// use d2l_rnn::train::{TrainConfig, MAX_PRED_LEN};
/// let cfg = TrainConfig { pred_len: MAX_PRED_LEN + 1, ..Default::default() };
/// assert!(cfg.validate().unwrap_err().to_string().contains("generate --len"));
/// ```
pub const MAX_PRED_LEN: usize = 100_000;

impl TrainConfig {
    /// Checks every setting, naming the first bad one.
    ///
    /// ```
    /// let cfg = d2l_rnn::train::TrainConfig { batch_size: 0, ..Default::default() };
    /// assert!(cfg.validate().unwrap_err().to_string().contains("batch_size"));
    /// let cfg = d2l_rnn::train::TrainConfig { num_epochs: 0, ..Default::default() };
    /// assert!(cfg.validate().unwrap_err().to_string().contains("at least one epoch"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        if self.num_epochs == 0 {
            return Err(Error::InvalidArgument {
                name: "num_epochs",
                value: "0".into(),
                hint: "train for at least one epoch (--epochs 1 or more)".into(),
            });
        }
        if !(0.0..0.9).contains(&self.valid_frac) {
            return Err(Error::InvalidArgument {
                name: "valid_frac",
                value: self.valid_frac.to_string(),
                hint: "keep a fraction from 0 (nothing held out) up to below 0.9 of the corpus out of training".into(),
            });
        }
        positive("num_steps", self.num_steps)?;
        positive("batch_size", self.batch_size)?;
        positive("num_hiddens", self.num_hiddens)?;
        positive("pred_period", self.pred_period)?;
        for (name, value) in [("lr", self.lr), ("clipping_theta", self.clipping_theta)] {
            if !(value.is_finite() && value > 0.0) {
                return Err(Error::InvalidArgument {
                    name,
                    value: value.to_string(),
                    hint: "it must be a finite number above 0".into(),
                });
            }
        }
        if self.pred_len > MAX_PRED_LEN {
            return Err(Error::InvalidArgument {
                name: "pred_len",
                value: self.pred_len.to_string(),
                hint: format!(
                    "training writes at most {MAX_PRED_LEN} characters after each prefix; \
                     for longer text save the model (--save) and run `generate --len N`, \
                     which writes as it goes"
                ),
            });
        }
        for prefix in &self.prefixes {
            if prefix.is_empty() {
                return Err(Error::EmptyPrefix);
            }
        }
        Ok(())
    }
}
