//! What a training run records: per-epoch perplexity and time, and samples.

use crate::error::Result;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One epoch's result, as in the section's printed lines.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch number.
    pub epoch: usize,
    /// \\(\exp\\) of the mean cross-entropy over the epoch's predictions.
    pub perplexity: f64,
    /// Wall-clock seconds of the epoch's training (prediction excluded).
    pub seconds: f64,
    /// Perplexity on the held-out text (`--valid-frac`); absent when nothing
    /// is held out, so histories without it still load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_perplexity: Option<f64>,
}

/// Text written from a prefix after some epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampleRecord {
    /// The epoch after which it was written.
    pub epoch: usize,
    /// The prefix followed by the generated characters.
    pub text: String,
}

/// What a training run records: per-epoch perplexity and time, and the
/// generated samples. Serialises to JSON as
/// `{"epochs": [{"epoch", "perplexity", "seconds"}, ...], "samples": [...]}`.
///
/// ```
/// use d2l_rnn::train::{EpochRecord, History};
/// let h = History { epochs: vec![EpochRecord { epoch: 1, perplexity: 2.5, seconds: 0.1, valid_perplexity: None }], samples: vec![] };
/// assert_eq!(h.to_json(), r#"{"epochs":[{"epoch":1,"perplexity":2.5,"seconds":0.1}],"samples":[]}"#);
/// assert_eq!(h.final_perplexity(), Some(2.5));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// One record per epoch, in order.
    pub epochs: Vec<EpochRecord>,
    /// Samples written every `pred_period` epochs.
    pub samples: Vec<SampleRecord>,
}

impl History {
    /// The perplexity of the last epoch.
    pub fn final_perplexity(&self) -> Option<f64> {
        self.epochs.last().map(|r| r.perplexity)
    }

    /// Mean seconds per epoch (0 when empty).
    pub fn mean_epoch_seconds(&self) -> f64 {
        let n = self.epochs.len().max(1) as f64;
        self.epochs.iter().map(|r| r.seconds).sum::<f64>() / n
    }

    /// Compact JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Writes the JSON to `path` atomically (a temporary file, then a rename).
    pub fn save_json(&self, path: &Path) -> Result<()> {
        crate::io::write_atomic(path, self.to_json().as_bytes())
    }
}
