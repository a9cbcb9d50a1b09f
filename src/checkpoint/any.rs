//! Whichever model a checkpoint holds.

use super::concise::{read_concise, tensor_names, write_concise};
use super::format::{checkpoint_error, read_checkpoint, write_checkpoint, Implementation};
use super::scratch::{load_gru_scratch, load_lstm_scratch, load_rnn_scratch};
use super::state::{read_training_state, TrainingState};
use crate::data::Vocab;
use crate::error::Result;
use crate::fast::{GruFast, LstmFast, RnnFast};
use crate::inspect::{
    gradient_through_time, read_units, temperatures, GradientThroughTime, LossAt, Temperatures,
    UnitReading,
};
use crate::model::{Parameters, RecurrentModel};
use crate::nn::{GruCell, LstmCell, ModelKind, RNNModel, RnnCell, RnnConfig};
use crate::predict::{predict_streaming, predict_with, Sampler};
use crate::scratch::GatedParams;
use crate::train::ModelShape;
use std::path::Path;

/// Any model a checkpoint can hold; [`load_any`] returns one.
// One value per program run: the variants' different sizes cost nothing worth a Box.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum AnyModel {
    /// The from-scratch RNN (its fast engine; `RnnScratch::new(m.params)` gives the readable one).
    RnnScratch(RnnFast<f32>),
    /// The from-scratch GRU.
    GruScratch(GruFast<f32>),
    /// The from-scratch LSTM.
    LstmScratch(LstmFast<f32>),
    /// `RNNModel` with `nn.RNN`.
    Rnn(RNNModel<RnnCell>),
    /// `RNNModel` with `nn.GRU`.
    Gru(RNNModel<GruCell>),
    /// `RNNModel` with `nn.LSTM`.
    Lstm(RNNModel<LstmCell>),
}

/// Runs `$body` with `$m` bound to the model inside any variant.
macro_rules! with_model {
    ($any:expr, $m:ident => $body:expr) => {
        match $any {
            AnyModel::RnnScratch($m) => $body,
            AnyModel::GruScratch($m) => $body,
            AnyModel::LstmScratch($m) => $body,
            AnyModel::Rnn($m) => $body,
            AnyModel::Gru($m) => $body,
            AnyModel::Lstm($m) => $body,
        }
    };
}

impl AnyModel {
    /// RNN, GRU or LSTM.
    pub fn kind(&self) -> ModelKind {
        match self {
            AnyModel::RnnScratch(_) | AnyModel::Rnn(_) => ModelKind::Rnn,
            AnyModel::GruScratch(_) | AnyModel::Gru(_) => ModelKind::Gru,
            AnyModel::LstmScratch(_) | AnyModel::Lstm(_) => ModelKind::Lstm,
        }
    }

    /// From scratch or concise.
    pub fn implementation(&self) -> Implementation {
        match self {
            AnyModel::RnnScratch(_) | AnyModel::GruScratch(_) | AnyModel::LstmScratch(_) => {
                Implementation::Scratch
            }
            AnyModel::Rnn(_) | AnyModel::Gru(_) | AnyModel::Lstm(_) => Implementation::Concise,
        }
    }

    /// The model's sizes, for [`ModelShape::check_fits`].
    ///
    /// ```
    /// use d2l_rnn::checkpoint::AnyModel;
    /// use d2l_rnn::fast::GruFast;
    /// use d2l_rnn::nn::ModelKind;
    /// use d2l_rnn::train::ModelShape;
    /// let any = AnyModel::GruScratch(GruFast::init(7, 5, 0));
    /// let shape = ModelShape { kind: ModelKind::Gru, vocab_size: 7, num_hiddens: 5, num_layers: 1, directions: 1 };
    /// assert_eq!(any.shape(), shape);
    /// ```
    pub fn shape(&self) -> ModelShape {
        let scratch = |vocab_size, num_hiddens| ModelShape {
            kind: self.kind(),
            vocab_size,
            num_hiddens,
            num_layers: 1,
            directions: 1,
        };
        let concise = |c: &RnnConfig| ModelShape {
            kind: self.kind(),
            vocab_size: c.input_size,
            num_hiddens: c.hidden_size,
            num_layers: c.num_layers,
            directions: if c.bidirectional { 2 } else { 1 },
        };
        match self {
            AnyModel::RnnScratch(m) => scratch(m.params.vocab_size(), m.params.num_hiddens()),
            AnyModel::GruScratch(m) => scratch(m.params.vocab_size(), m.params.num_hiddens()),
            AnyModel::LstmScratch(m) => scratch(m.params.vocab_size(), m.params.num_hiddens()),
            AnyModel::Rnn(m) => concise(m.config()),
            AnyModel::Gru(m) => concise(m.config()),
            AnyModel::Lstm(m) => concise(m.config()),
        }
    }

    /// The section's greedy `predict_rnn` with whichever model this is.
    pub fn predict(&mut self, prefix: &str, num_chars: usize, vocab: &Vocab) -> Result<String> {
        self.predict_with(prefix, num_chars, vocab, &Sampler::default())
    }

    /// [`predict_with`] (temperature, top-k, seed) with whichever model this is.
    pub fn predict_with(
        &mut self,
        prefix: &str,
        num_chars: usize,
        vocab: &Vocab,
        sampler: &Sampler,
    ) -> Result<String> {
        with_model!(self, m => predict_with(prefix, num_chars, m, vocab, sampler))
    }

    /// [`gradient_through_time`] with whichever model this is.
    pub fn gradient_through_time(
        &mut self,
        vocab: &Vocab,
        text: &str,
        loss_at: LossAt,
    ) -> Result<GradientThroughTime> {
        with_model!(self, m => gradient_through_time(m, vocab, text, loss_at))
    }

    /// [`read_units`] with whichever model this is.
    pub fn read_units(&mut self, vocab: &Vocab, text: &str) -> Result<UnitReading> {
        with_model!(self, m => read_units(m, vocab, text))
    }

    /// [`temperatures`] with whichever model this is.
    pub fn temperatures(
        &mut self,
        vocab: &Vocab,
        prefix: &str,
        num_chars: usize,
        temperatures_: &[f64],
        seed: u64,
    ) -> Result<Temperatures> {
        with_model!(self, m => temperatures(m, vocab, prefix, num_chars, temperatures_, seed))
    }

    /// [`predict_streaming`]: each character to `emit` as it is chosen.
    ///
    /// ```
    /// use d2l_rnn::checkpoint::AnyModel;
    /// use d2l_rnn::data::Vocab;
    /// use d2l_rnn::fast::RnnFast;
    /// use d2l_rnn::predict::Sampler;
    /// let vocab = Vocab::from_text("分开不了");
    /// let mut any = AnyModel::RnnScratch(RnnFast::init(vocab.len(), 8, 0));
    /// let mut written = Vec::new();
    /// any.predict_streaming("分开", 3, &vocab, &Sampler::default(), |c| {
    ///     written.push(c);
    ///     Ok(())
    /// })?;
    /// assert_eq!(written.len(), 5); // the prefix, then 3 characters, one call each
    /// assert_eq!(written.iter().collect::<String>(), any.predict("分开", 3, &vocab)?);
    /// # Ok::<(), d2l_rnn::Error>(())
    /// ```
    pub fn predict_streaming(
        &mut self,
        prefix: &str,
        num_chars: usize,
        vocab: &Vocab,
        sampler: &Sampler,
        emit: impl FnMut(char) -> Result<()>,
    ) -> Result<()> {
        with_model!(self, m => predict_streaming(prefix, num_chars, m, vocab, sampler, emit))
    }

    /// Writes the model to `path` with the right metadata.
    pub fn save(&self, path: &Path, vocab: &Vocab) -> Result<()> {
        self.write(path, vocab, None)
    }

    /// Writes the model with how far it was trained, for `train --load`;
    /// [`AnyModel::read_training_state`] reads it back.
    ///
    /// ```
    /// use d2l_rnn::checkpoint::{load_any, read_checkpoint, AdamState, AnyModel, TrainingState};
    /// use d2l_rnn::data::{Sampling, Vocab};
    /// use d2l_rnn::nn::{Gru, RNNModel, RnnConfig};
    /// use d2l_rnn::train::{ClipStats, EpochRecord};
    /// let path = std::env::temp_dir().join(format!("d2l-doc-trained-{}.safetensors", std::process::id()));
    /// let vocab = Vocab::from_text("分开不了");
    /// let model = AnyModel::Gru(RNNModel::new(Gru::new(RnnConfig::new(vocab.len(), 3), 0)?, vocab.len(), 0)?);
    /// let moments: Vec<_> = model.tensor_shapes().into_iter().map(ndarray::ArrayD::<f32>::zeros).collect();
    /// let adam = AdamState { step: 7, exp_avg: moments.clone(), exp_avg_sq: moments };
    /// let history = vec![EpochRecord { epoch: 1, perplexity: 3.5, seconds: 0.25,
    ///     clipping: ClipStats::from_norms(&[0.02, 0.007], 0.01), ..Default::default() }];
    /// let state = TrainingState { epochs_done: 2, lr: 1e-3, clip: 0.01, batch_size: 32, num_steps: 35,
    ///     sampling: Sampling::Consecutive, seed: 0, adam: Some(adam), history };
    /// model.save_trained(&path, &vocab, &state)?;
    /// let (loaded, _) = load_any(&path)?;
    /// let (bytes, info) = read_checkpoint(&path)?;
    /// assert_eq!(loaded.read_training_state(&path, &bytes, &info.metadata)?, Some(state));
    /// # std::fs::remove_file(&path).ok();
    /// # Ok::<(), d2l_rnn::Error>(())
    /// ```
    pub fn save_trained(&self, path: &Path, vocab: &Vocab, state: &TrainingState) -> Result<()> {
        self.write(path, vocab, Some(state))
    }

    fn write(&self, path: &Path, vocab: &Vocab, state: Option<&TrainingState>) -> Result<()> {
        let kind = self.kind().to_string();
        match self {
            AnyModel::RnnScratch(m) => write_scratch(path, &m.params, vocab, &kind, state),
            AnyModel::GruScratch(m) => write_scratch(path, &m.params, vocab, &kind, state),
            AnyModel::LstmScratch(m) => write_scratch(path, &m.params, vocab, &kind, state),
            AnyModel::Rnn(m) => write_concise(path, m, vocab, state),
            AnyModel::Gru(m) => write_concise(path, m, vocab, state),
            AnyModel::Lstm(m) => write_concise(path, m, vocab, state),
        }
    }

    /// The shapes of this model's parameter tensors, in order.
    pub fn tensor_shapes(&self) -> Vec<Vec<usize>> {
        with_model!(self, m => m.params().tensors().iter().map(|(_, t)| t.shape().to_vec()).collect())
    }

    /// The training state saved in `bytes` for this model's parameters
    /// (see [`AnyModel::save_trained`]); `None` for a file saved without one.
    pub fn read_training_state(
        &self,
        path: &Path,
        bytes: &[u8],
        metadata: &std::collections::HashMap<String, String>,
    ) -> Result<Option<TrainingState>> {
        with_model!(self, m => read_training_state(path, bytes, metadata, m.params()))
    }
}

/// Opens any checkpoint this crate writes and returns the model it holds
/// (chosen by its `model` and `impl` metadata) with its vocabulary.
///
/// ```
/// use d2l_rnn::checkpoint::{load_any, save_concise, AnyModel, Implementation};
/// use d2l_rnn::data::Vocab;
/// use d2l_rnn::nn::{Lstm, ModelKind, RNNModel, RnnConfig};
/// let path = std::env::temp_dir().join(format!("d2l-doc-any-{}.safetensors", std::process::id()));
/// let vocab = Vocab::from_text("分开不了");
/// let model = RNNModel::new(Lstm::new(RnnConfig::new(vocab.len(), 8), 0)?, vocab.len(), 0)?;
/// save_concise(&path, &model, &vocab)?;
/// let (mut any, vocab) = load_any(&path)?;
/// assert_eq!((any.kind(), any.implementation()), (ModelKind::Lstm, Implementation::Concise));
/// assert_eq!(any.predict("分开", 5, &vocab)?.chars().count(), 7);
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn load_any(path: &Path) -> Result<(AnyModel, Vocab)> {
    let (bytes, info) = read_checkpoint(path)?;
    let kind: ModelKind = info
        .model
        .parse()
        .map_err(|_| checkpoint_error(path, format!("unknown model kind {:?}", info.model)))?;
    let implementation: Implementation = info.implementation.parse().map_err(|_| {
        checkpoint_error(
            path,
            format!("unknown implementation {:?}", info.implementation),
        )
    })?;
    match (kind, implementation) {
        (ModelKind::Rnn, Implementation::Scratch) => {
            let (model, vocab) = load_rnn_scratch(path)?;
            Ok((AnyModel::RnnScratch(model), vocab))
        }
        (ModelKind::Rnn, Implementation::Concise) => {
            let (m, v) = read_concise::<RnnCell>(path, &bytes, info, None)?;
            Ok((AnyModel::Rnn(m), v))
        }
        (ModelKind::Gru, Implementation::Concise) => {
            let (m, v) = read_concise::<GruCell>(path, &bytes, info, None)?;
            Ok((AnyModel::Gru(m), v))
        }
        (ModelKind::Lstm, Implementation::Concise) => {
            let (m, v) = read_concise::<LstmCell>(path, &bytes, info, None)?;
            Ok((AnyModel::Lstm(m), v))
        }
        (ModelKind::Gru, Implementation::Scratch) => {
            let (model, vocab) = load_gru_scratch(path)?;
            Ok((AnyModel::GruScratch(model), vocab))
        }
        (ModelKind::Lstm, Implementation::Scratch) => {
            let (model, vocab) = load_lstm_scratch(path)?;
            Ok((AnyModel::LstmScratch(model), vocab))
        }
    }
}

/// A from-scratch model's parameters, with the training state when given.
fn write_scratch<P: Parameters<f32> + GatedParams<f32>>(
    path: &Path,
    params: &P,
    vocab: &Vocab,
    kind: &str,
    state: Option<&TrainingState>,
) -> Result<()> {
    write_checkpoint(
        path,
        params,
        vocab,
        kind,
        "scratch",
        params.num_hiddens(),
        state.map(TrainingState::metadata).unwrap_or_default(),
        state.map_or_else(Vec::new, |s| s.tensors(&tensor_names(params))),
    )
}
