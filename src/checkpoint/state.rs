//! How far a model was trained, saved beside its weights so that
//! `train --load` goes on exactly where the run stopped: the settings, the
//! epochs done, and Adam's step and moments.
//!
//! Settings are metadata entries `train.*`; Adam's moments are tensors named
//! `optimizer.exp_avg.<parameter>` and `optimizer.exp_avg_sq.<parameter>`
//! (PyTorch's names for them). Loading the weights skips `optimizer.*`; a
//! PyTorch user drops those keys before `load_state_dict`.

use super::format::{checkpoint_error, OPTIMIZER_PREFIX};
use crate::data::Sampling;
use crate::error::Result;
use crate::model::Parameters;
use crate::train::EpochRecord;
use ndarray::{ArrayD, IxDyn};
use safetensors::tensor::Dtype;
use safetensors::SafeTensors;
use std::collections::HashMap;
use std::path::Path;

/// Adam's state: the step count and one pair of moments per parameter
/// tensor, in the model's tensor order (each of its tensor's shape); what
/// `optim::Adam::state` gives and `optim::Adam::with_state` takes. Saved and
/// read back in the example of `AnyModel::save_trained`.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamState {
    /// Steps taken (PyTorch's `state['step']`).
    pub step: u64,
    /// First moments \\(m\\) (`exp_avg`).
    pub exp_avg: Vec<ArrayD<f32>>,
    /// Second moments \\(v\\) (`exp_avg_sq`).
    pub exp_avg_sq: Vec<ArrayD<f32>>,
}

/// What a training run leaves for the next one.
///
/// ```
/// use d2l_rnn::checkpoint::TrainingState;
/// use d2l_rnn::data::Sampling;
/// let s = TrainingState { epochs_done: 4, lr: 100.0, clip: 0.01, batch_size: 32, num_steps: 35,
///     sampling: Sampling::Consecutive, seed: 0, adam: None, history: vec![] };
/// let meta: std::collections::HashMap<String, String> =
///     s.metadata().into_iter().map(|(k, v)| (k.to_string(), v)).collect();
/// assert_eq!(meta["train.epochs"], "4");
/// assert_eq!(meta["train.optimizer"], "sgd");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TrainingState {
    /// Epochs trained so far.
    pub epochs_done: usize,
    /// Learning rate.
    pub lr: f64,
    /// Clipping threshold \\(\theta\\).
    pub clip: f64,
    /// Sequences per mini-batch.
    pub batch_size: usize,
    /// Time steps per mini-batch.
    pub num_steps: usize,
    /// How mini-batches were cut.
    pub sampling: Sampling,
    /// Seed of the shuffles (and of the weights).
    pub seed: u64,
    /// Adam's state, or `None` for SGD (which has none).
    pub adam: Option<AdamState>,
    /// Every epoch trained so far, earlier runs' first (metadata `train.history`, the
    /// history JSON's `"epochs"` list): what `inspect clipping` draws from a checkpoint.
    /// Empty for checkpoints written before it was kept.
    pub history: Vec<EpochRecord>,
}

impl TrainingState {
    /// The metadata entries `train.*`.
    pub fn metadata(&self) -> Vec<(&'static str, String)> {
        let mut entries = vec![
            ("train.epochs", self.epochs_done.to_string()),
            ("train.lr", self.lr.to_string()),
            ("train.clip", self.clip.to_string()),
            ("train.batch_size", self.batch_size.to_string()),
            ("train.num_steps", self.num_steps.to_string()),
            ("train.sampling", self.sampling.to_string()),
            ("train.seed", self.seed.to_string()),
        ];
        if !self.history.is_empty() {
            let json = serde_json::to_string(&self.history).unwrap_or_default();
            entries.push(("train.history", json));
        }
        match &self.adam {
            Some(adam) => {
                entries.push(("train.optimizer", "adam".into()));
                entries.push(("train.adam_step", adam.step.to_string()));
            }
            None => entries.push(("train.optimizer", "sgd".into())),
        }
        entries
    }

    /// Adam's moments as named tensors, for `names` (the model's tensor names).
    pub fn tensors(&self, names: &[&str]) -> Vec<(String, ArrayD<f32>)> {
        let Some(adam) = &self.adam else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (kind, moments) in [("exp_avg", &adam.exp_avg), ("exp_avg_sq", &adam.exp_avg_sq)] {
            for (name, m) in names.iter().zip(moments) {
                out.push((format!("{OPTIMIZER_PREFIX}{kind}.{name}"), m.clone()));
            }
        }
        out
    }
}

/// Reads the training state of a checkpoint written with one, for a model
/// with parameters `params` (their names and shapes say which moments to
/// expect); `Ok(None)` when the file has none (written by `save`, or before
/// this existed). A malformed entry is an error naming it. Example:
/// `AnyModel::save_trained`.
pub fn read_training_state<P: Parameters<f32>>(
    path: &Path,
    bytes: &[u8],
    metadata: &HashMap<String, String>,
    params: &P,
) -> Result<Option<TrainingState>> {
    let Some(epochs) = metadata.get("train.epochs") else {
        return Ok(None);
    };
    let get = |key: &str| {
        metadata
            .get(key)
            .ok_or_else(|| checkpoint_error(path, format!("metadata has no {key:?}")))
    };
    fn parse<T: std::str::FromStr>(path: &Path, key: &str, text: &str) -> Result<T> {
        text.parse()
            .map_err(|_| checkpoint_error(path, format!("metadata {key} = {text:?} is malformed")))
    }
    let history = match metadata.get("train.history") {
        None => Vec::new(),
        Some(json) => serde_json::from_str(json).map_err(|e| {
            checkpoint_error(
                path,
                format!("metadata train.history is not an epoch list: {e}"),
            )
        })?,
    };
    let sampling_text = get("train.sampling")?;
    let sampling: Sampling = parse(path, "train.sampling", sampling_text)?;
    let adam = match get("train.optimizer")?.as_str() {
        "sgd" => None,
        "adam" => Some(read_adam(
            path,
            bytes,
            parse(path, "train.adam_step", get("train.adam_step")?)?,
            params,
        )?),
        other => {
            return Err(checkpoint_error(
                path,
                format!("metadata train.optimizer = {other:?}; expected sgd or adam"),
            ))
        }
    };
    Ok(Some(TrainingState {
        epochs_done: parse(path, "train.epochs", epochs)?,
        lr: parse(path, "train.lr", get("train.lr")?)?,
        clip: parse(path, "train.clip", get("train.clip")?)?,
        batch_size: parse(path, "train.batch_size", get("train.batch_size")?)?,
        num_steps: parse(path, "train.num_steps", get("train.num_steps")?)?,
        sampling,
        seed: parse(path, "train.seed", get("train.seed")?)?,
        adam,
        history,
    }))
}

/// Adam's moments for every tensor of `params`, each of the tensor's shape.
fn read_adam<P: Parameters<f32>>(
    path: &Path,
    bytes: &[u8],
    step: u64,
    params: &P,
) -> Result<AdamState> {
    let st = SafeTensors::deserialize(bytes)
        .map_err(|e| checkpoint_error(path, format!("cannot read tensors ({e})")))?;
    let mut moments = [Vec::new(), Vec::new()];
    for (k, kind) in ["exp_avg", "exp_avg_sq"].iter().enumerate() {
        for (name, t) in params.tensors() {
            let key = format!("{OPTIMIZER_PREFIX}{kind}.{name}");
            let view = st
                .tensor(&key)
                .map_err(|_| checkpoint_error(path, format!("missing tensor {key}")))?;
            if view.dtype() != Dtype::F32 || view.shape() != t.shape() {
                return Err(checkpoint_error(
                    path,
                    format!(
                        "{key} has dtype {:?} and shape {:?}, expected F32 and {:?}",
                        view.dtype(),
                        view.shape(),
                        t.shape()
                    ),
                ));
            }
            let values: Vec<f32> = view
                .data()
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            let array = ArrayD::from_shape_vec(IxDyn(view.shape()), values)
                .map_err(|e| checkpoint_error(path, format!("{key}: {e}")))?;
            moments[k].push(array);
        }
    }
    let [exp_avg, exp_avg_sq] = moments;
    Ok(AdamState {
        step,
        exp_avg,
        exp_avg_sq,
    })
}
