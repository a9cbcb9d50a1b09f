//! What a training run records: per-epoch perplexity and time, and samples.

use crate::error::Result;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One epoch's result, as in the section's printed lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
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
    /// What gradient clipping met during the epoch (absent in histories
    /// written before it was recorded).
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub clipping: Option<ClipStats>,
}

/// The global gradient norms \(\|g\|\) of one epoch's mini-batches, taken
/// before clipping, and the share of mini-batches whose norm exceeded
/// \(\theta\) and was scaled down. In the history JSON its fields sit beside
/// the epoch's other fields.
///
/// ```
/// use d2l_rnn::train::ClipStats;
/// let stats = ClipStats::from_norms(&[0.5, 0.004, 2.0, 0.02], 0.01).unwrap();
/// assert_eq!((stats.grad_norm_min, stats.grad_norm_max), (0.004, 2.0));
/// assert_eq!(stats.grad_norm_median, (0.02 + 0.5) / 2.0); // even count: mean of the middle two
/// assert_eq!(stats.clipped_share, 0.75);                  // 3 of 4 norms above 0.01
/// assert_eq!(ClipStats::from_norms(&[], 0.01), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClipStats {
    /// The smallest norm.
    pub grad_norm_min: f64,
    /// The median norm (the mean of the middle two for an even count).
    pub grad_norm_median: f64,
    /// The largest norm.
    pub grad_norm_max: f64,
    /// The fraction of mini-batches clipped, in \([0, 1]\).
    pub clipped_share: f64,
}

impl ClipStats {
    /// Summarises `norms` for the threshold `theta`; `None` when there are none.
    pub fn from_norms(norms: &[f64], theta: f64) -> Option<ClipStats> {
        let mut sorted = norms.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let (first, last) = (*sorted.first()?, *sorted.last()?);
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        let clipped = sorted.iter().filter(|&&g| g > theta).count();
        Some(ClipStats {
            grad_norm_min: first,
            grad_norm_median: median,
            grad_norm_max: last,
            clipped_share: clipped as f64 / n as f64,
        })
    }
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
/// generated samples. Serialises to JSON as `{"epochs": [{"epoch",
/// "perplexity", "seconds", "grad_norm_min", "grad_norm_median",
/// "grad_norm_max", "clipped_share"}, ...], "samples": [{"epoch", "text"}, ...]}`
/// (`"valid_perplexity"` too when text is held out).
///
/// ```
/// use d2l_rnn::train::{EpochRecord, History};
/// let h = History { epochs: vec![EpochRecord { epoch: 1, perplexity: 2.5, seconds: 0.1, ..Default::default() }], samples: vec![] };
/// assert_eq!(h.to_json(), r#"{"epochs":[{"epoch":1,"perplexity":2.5,"seconds":0.1}],"samples":[]}"#);
/// assert_eq!(h.final_perplexity(), Some(2.5));
/// // The clipping fields come and go together.
/// let json = r#"{"epochs":[{"epoch":1,"perplexity":2.5,"seconds":0.1,"grad_norm_min":0.2,
///     "grad_norm_median":0.5,"grad_norm_max":3.0,"clipped_share":1.0}],"samples":[]}"#;
/// let read: History = serde_json::from_str(json).unwrap();
/// assert_eq!(read.epochs[0].clipping.unwrap().grad_norm_max, 3.0);
/// let old: History = serde_json::from_str(&h.to_json()).unwrap();
/// assert_eq!(old, h);
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

    /// Reads a history [`History::save_json`] wrote; an error names the file and what in it
    /// is not a history.
    ///
    /// ```
    /// use d2l_rnn::train::{EpochRecord, History};
    /// let path = std::env::temp_dir().join(format!("d2l-history-doc-{}.json", std::process::id()));
    /// let h = History { epochs: vec![EpochRecord { epoch: 1, perplexity: 2.5, ..Default::default() }], samples: vec![] };
    /// h.save_json(&path)?;
    /// assert_eq!(History::load_json(&path)?, h);
    /// std::fs::write(&path, "{\"epochs\": 3}").unwrap();
    /// let err = History::load_json(&path).unwrap_err().to_string();
    /// assert!(err.contains("is not a history written by `train --history`"), "{err}");
    /// # std::fs::remove_file(&path).ok();
    /// # Ok::<(), d2l_rnn::Error>(())
    /// ```
    pub fn load_json(path: &Path) -> Result<History> {
        let text = std::fs::read_to_string(path).map_err(|source| crate::Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|e| crate::Error::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("is not a history written by `train --history` ({e})"),
            ),
        })
    }
}
