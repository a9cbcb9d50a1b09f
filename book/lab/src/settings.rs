//! The lab's settings, read from the page's query string: the names of the
//! command line's `train` options, the same defaults.

use d2l_rnn::checkpoint::Implementation;
use d2l_rnn::data::Sampling;
use d2l_rnn::nn::ModelKind;
use d2l_rnn::train::TrainConfig;
use d2l_rnn::{Error, Result};
use std::str::FromStr;

/// The most hidden units the lab trains: a larger model takes more than a
/// minute per epoch in a page.
pub const MAX_HIDDEN: usize = 1024;
/// The most sequences per mini-batch, time steps and epochs the lab takes.
const MAX_BATCH: usize = 1024;
const MAX_STEPS: usize = 1000;
const MAX_EPOCHS: usize = 100_000;

/// What the page asks for: the model and its training.
#[derive(Clone, Debug, PartialEq)]
pub struct LabSettings {
    /// RNN, GRU or LSTM.
    pub model: ModelKind,
    /// From scratch (SGD) or concise (Adam), as `d2l-rnn train --impl`.
    pub implementation: Implementation,
    /// The training loop's settings (`num_hiddens`, `lr`, `clipping_theta`, …).
    pub train: TrainConfig,
}

impl LabSettings {
    /// Reads `model`, `impl`, `sampling`, `lr`, `clip`, `hidden`, `num_steps`,
    /// `batch_size`, `epochs`, `seed`, `pred_period`, `pred_len` and `prefix`
    /// (repeatable) from name–value pairs; other names (`autostart`, say) are
    /// the page's. A name not given takes the command line's default: the
    /// section's from-scratch settings, or for `impl=concise` Adam's learning
    /// rate 0.001 and consecutive sampling. An empty value counts as not given.
    ///
    /// ```
    /// use d2l_rnn_lab::LabSettings;
    /// let pairs = |s: &[(&str, &str)]| s.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
    /// let s = LabSettings::from_pairs(&pairs(&[("model", "gru"), ("hidden", "64"), ("prefix", "分开")]))?;
    /// assert_eq!((s.train.num_hiddens, s.train.lr, s.train.num_epochs), (64, 100.0, 250));
    /// assert_eq!(s.train.prefixes, ["分开"]);
    /// let err = LabSettings::from_pairs(&pairs(&[("lr", "fast")])).unwrap_err();
    /// assert_eq!(err.to_string(), "invalid lr = fast: it must be a finite number above 0");
    /// # Ok::<(), d2l_rnn::Error>(())
    /// ```
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<LabSettings> {
        let get = |name: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, v)| k == name && !v.trim().is_empty())
                .map(|(_, v)| v.trim())
        };
        let model = get("model").map_or(Ok(ModelKind::Rnn), ModelKind::from_str)?;
        let implementation = get("impl").map_or(Ok(Implementation::Scratch), |v| v.parse())?;
        let concise = implementation == Implementation::Concise;
        let sampling = match get("sampling") {
            Some(v) => v.parse()?,
            None if concise => Sampling::Consecutive,
            None => Sampling::Random,
        };
        let lr = number(get("lr"), "lr", if concise { 1e-3 } else { 100.0 })?;
        let clipping_theta = number(get("clip"), "clip", 0.01)?;
        let prefixes: Vec<String> = pairs
            .iter()
            .filter(|(k, v)| k == "prefix" && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect();
        let train = TrainConfig {
            num_epochs: count(get("epochs"), "epochs", 250, MAX_EPOCHS)?,
            num_steps: count(get("num_steps"), "num_steps", 35, MAX_STEPS)?,
            batch_size: count(get("batch_size"), "batch_size", 32, MAX_BATCH)?,
            lr,
            clipping_theta,
            num_hiddens: count(get("hidden"), "hidden", 256, MAX_HIDDEN)?,
            pred_period: count(get("pred_period"), "pred_period", 50, MAX_EPOCHS)?,
            pred_len: count(get("pred_len"), "pred_len", 50, 10_000)?,
            prefixes: if prefixes.is_empty() {
                TrainConfig::default().prefixes
            } else {
                prefixes
            },
            sampling,
            seed: get("seed").map_or(Ok(0), |v| {
                v.parse()
                    .map_err(|_| invalid("seed", v, "use a whole number from 0"))
            })?,
            ..TrainConfig::default()
        };
        train.validate()?;
        Ok(LabSettings {
            model,
            implementation,
            train,
        })
    }
}

fn invalid(name: &'static str, value: &str, hint: impl Into<String>) -> Error {
    Error::InvalidArgument {
        name,
        value: value.to_string(),
        hint: hint.into(),
    }
}

/// A finite number above 0, `default` when not given.
fn number(value: Option<&str>, name: &'static str, default: f64) -> Result<f64> {
    let Some(v) = value else {
        return Ok(default);
    };
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(invalid(name, v, "it must be a finite number above 0")),
    }
}

/// A whole number from 1 to `max`, `default` when not given.
fn count(value: Option<&str>, name: &'static str, default: usize, max: usize) -> Result<usize> {
    let Some(v) = value else {
        return Ok(default);
    };
    match v.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(invalid(
            name,
            v,
            format!("use a whole number from 1 to {max} in the lab"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(s: &[(&str, &str)]) -> Vec<(String, String)> {
        s.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn concise_takes_adams_defaults() {
        let s = LabSettings::from_pairs(&pairs(&[("impl", "concise"), ("model", "LSTM")])).unwrap();
        assert_eq!(s.model, ModelKind::Lstm);
        assert_eq!(
            (s.train.lr, s.train.sampling),
            (1e-3, Sampling::Consecutive)
        );
    }

    #[test]
    fn bad_values_are_named() {
        for (name, value, says) in [
            (
                "model",
                "transformer",
                "invalid model = transformer: use rnn, gru or lstm",
            ),
            (
                "lr",
                "0",
                "invalid lr = 0: it must be a finite number above 0",
            ),
            ("lr", "-1", "invalid lr = -1"),
            ("clip", "NaN", "invalid clip = NaN"),
            (
                "hidden",
                "0",
                "invalid hidden = 0: use a whole number from 1 to 1024",
            ),
            ("hidden", "5000", "invalid hidden = 5000"),
            (
                "sampling",
                "shuffled",
                "invalid sampling = shuffled: use random or consecutive",
            ),
            ("seed", "-3", "invalid seed = -3"),
        ] {
            let err = LabSettings::from_pairs(&pairs(&[(name, value)])).unwrap_err();
            assert!(err.to_string().starts_with(says), "{name}: {err}");
        }
    }

    #[test]
    fn the_last_value_counts_and_empty_is_not_given() {
        let s = LabSettings::from_pairs(&pairs(&[("hidden", "8"), ("hidden", "16"), ("lr", " ")]))
            .unwrap();
        assert_eq!((s.train.num_hiddens, s.train.lr), (16, 100.0));
    }
}
