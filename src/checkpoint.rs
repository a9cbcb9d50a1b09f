//! Checkpoints: a model's parameters and its vocabulary in one
//! [safetensors](https://huggingface.co/docs/safetensors) file.
//!
//! Tensors are stored as little-endian `F32` under their parameter names:
//! `W_xh`, `W_hh`, `b_h`, `W_hq`, `b_q` for the from-scratch RNN (the
//! from-scratch GRU and LSTM add their gates' `W_xz`, `W_hz`, `b_z`, …), and for
//! the concise models exactly the names and shapes of PyTorch's
//! `model.state_dict()` (`rnn.weight_ih_l0`, …, `dense.weight`,
//! `dense.bias`), so `safetensors.torch.load_file` gives a dictionary that
//! PyTorch's `RNNModel.load_state_dict` accepts. The metadata holds
//! `format = d2l-rnn`, the model kind (`model`, `impl`), the hidden size, the
//! vocabulary as a JSON list of characters and, for concise models, every
//! layer option. Files are written atomically. Loading checks the kind, every
//! name, shape and dtype and the vocabulary, and reports every mismatch by
//! name. [`load_any`] opens any checkpoint and returns the model it holds.

use crate::data::Vocab;
use crate::error::{Error, Result};
use crate::model::Parameters;
use crate::nn::{
    Cell, GruCell, LstmCell, ModelKind, Nonlinearity, RNNModel, Recurrent, RnnCell, RnnConfig,
};
use crate::predict::{predict_with, Sampler};
use crate::scratch::{GruParams, GruScratch, LstmParams, LstmScratch, RnnParams, RnnScratch};
use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Metadata key of the vocabulary (a JSON array of one-character strings).
pub const VOCAB_KEY: &str = "vocab";

/// What a checkpoint says about itself.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckpointInfo {
    /// Model kind, for example `rnn`.
    pub model: String,
    /// Implementation, for example `scratch`.
    pub implementation: String,
    /// Number of hidden units.
    pub num_hiddens: usize,
    /// The vocabulary the model was trained with.
    pub vocab: Vocab,
    /// All metadata entries, as stored.
    pub metadata: HashMap<String, String>,
}

fn checkpoint_error(path: &Path, message: impl Into<String>) -> Error {
    Error::Checkpoint {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Writes `params` and `vocab` to `path` (atomically) with the model kind in
/// the metadata.
///
/// ```
/// use d2l_rnn::checkpoint::{load_rnn_scratch, save_checkpoint};
/// use d2l_rnn::data::Vocab;
/// use d2l_rnn::scratch::get_params;
/// let path = std::env::temp_dir().join(format!("d2l-doc-ckpt-{}.safetensors", std::process::id()));
/// let vocab = Vocab::from_text("分开不了");
/// let params = get_params(vocab.len(), 8, 0);
/// save_checkpoint(&path, &params, &vocab, "rnn", "scratch", 8)?;
/// let (model, loaded_vocab) = load_rnn_scratch(&path)?;
/// assert_eq!(model.params, params);
/// assert_eq!(loaded_vocab, vocab);
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn save_checkpoint<P: Parameters<f32>>(
    path: &Path,
    params: &P,
    vocab: &Vocab,
    model: &str,
    implementation: &str,
    num_hiddens: usize,
) -> Result<()> {
    write_checkpoint(
        path,
        params,
        vocab,
        model,
        implementation,
        num_hiddens,
        Vec::new(),
    )
}

fn write_checkpoint<P: Parameters<f32>>(
    path: &Path,
    params: &P,
    vocab: &Vocab,
    model: &str,
    implementation: &str,
    num_hiddens: usize,
    extra: Vec<(&str, String)>,
) -> Result<()> {
    let vocab_json = serde_json::to_string(
        &vocab
            .idx_to_char
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    let metadata: HashMap<String, String> = [
        ("format", "d2l-rnn".to_string()),
        ("model", model.to_string()),
        ("impl", implementation.to_string()),
        ("num_hiddens", num_hiddens.to_string()),
        (VOCAB_KEY, vocab_json),
    ]
    .into_iter()
    .chain(extra)
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let tensors = params.tensors();
    let buffers: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
        .iter()
        .map(|(name, t)| {
            let bytes = t.iter().flat_map(|v| v.to_le_bytes()).collect();
            (name.to_string(), t.shape().to_vec(), bytes)
        })
        .collect();
    let mut views = Vec::with_capacity(buffers.len());
    for (name, shape, bytes) in &buffers {
        let view = TensorView::new(Dtype::F32, shape.clone(), bytes)
            .map_err(|e| checkpoint_error(path, format!("tensor {name}: {e}")))?;
        views.push((name.clone(), view));
    }
    let bytes = safetensors::serialize(views, &Some(metadata))
        .map_err(|e| checkpoint_error(path, e.to_string()))?;
    crate::io::write_atomic(path, &bytes)
}

/// Reads a checkpoint's bytes and metadata, checking that it is a d2l-rnn
/// checkpoint with a well-formed vocabulary.
pub fn read_checkpoint(path: &Path) -> Result<(Vec<u8>, CheckpointInfo)> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let (_, header) = SafeTensors::read_metadata(&bytes).map_err(|e| {
        checkpoint_error(
            path,
            format!("not a readable safetensors file ({e}); it may be truncated or another format"),
        )
    })?;
    let metadata = header.metadata().clone().unwrap_or_default();
    let get = |key: &str| {
        metadata.get(key).cloned().ok_or_else(|| {
            checkpoint_error(
                path,
                format!("metadata has no {key:?}; it was not written by d2l-rnn"),
            )
        })
    };
    let chars: Vec<String> = serde_json::from_str(&get(VOCAB_KEY)?)
        .map_err(|e| checkpoint_error(path, format!("metadata vocab is not a JSON list: {e}")))?;
    let mut idx_to_char = Vec::with_capacity(chars.len());
    for s in &chars {
        let mut it = s.chars();
        match (it.next(), it.next()) {
            (Some(c), None) => idx_to_char.push(c),
            _ => {
                return Err(checkpoint_error(
                    path,
                    format!("vocab entry {s:?} is not one character"),
                ))
            }
        }
    }
    let vocab = Vocab::from_chars(idx_to_char)?;
    let num_hiddens_text = get("num_hiddens")?;
    let num_hiddens = num_hiddens_text.parse().map_err(|_| {
        checkpoint_error(
            path,
            format!("num_hiddens {num_hiddens_text:?} is not a number"),
        )
    })?;
    let info = CheckpointInfo {
        model: get("model")?,
        implementation: get("impl")?,
        num_hiddens,
        vocab,
        metadata,
    };
    Ok((bytes, info))
}

/// Copies the tensors of a checkpoint into `params`, whose names and shapes
/// say what is expected. Every missing tensor, wrong shape and wrong dtype is
/// reported, by name, in one error.
pub fn load_tensors_into<P: Parameters<f32>>(
    path: &Path,
    bytes: &[u8],
    params: &mut P,
) -> Result<()> {
    let st = SafeTensors::deserialize(bytes).map_err(|e| {
        checkpoint_error(
            path,
            format!("cannot read tensors ({e}); the file may be truncated"),
        )
    })?;
    let mut problems = Vec::new();
    let expected: Vec<&str> = params.tensors().iter().map(|(n, _)| *n).collect();
    for name in st.names() {
        if !expected.contains(&name.as_str()) {
            problems.push(format!("unexpected tensor {name}"));
        }
    }
    for (name, mut target) in params.tensors_mut() {
        let view = match st.tensor(name) {
            Ok(v) => v,
            Err(_) => {
                problems.push(format!("missing tensor {name}"));
                continue;
            }
        };
        if view.dtype() != Dtype::F32 {
            problems.push(format!("{name} has dtype {:?}, expected F32", view.dtype()));
            continue;
        }
        if view.shape() != target.shape() {
            problems.push(format!(
                "{name} has shape {:?}, expected {:?}",
                view.shape(),
                target.shape()
            ));
            continue;
        }
        for (t, chunk) in target.iter_mut().zip(view.data().chunks_exact(4)) {
            *t = f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(checkpoint_error(path, problems.join("; ")))
    }
}

/// Loads a from-scratch RNN checkpoint written by [`save_checkpoint`]:
/// the model and its vocabulary.
pub fn load_rnn_scratch(path: &Path) -> Result<(RnnScratch<f32>, Vocab)> {
    let (params, vocab) = load_scratch(path, ModelKind::Rnn, RnnParams::<f32>::zeros)?;
    Ok((RnnScratch::new(params), vocab))
}

/// Loads a from-scratch GRU checkpoint (`model = gru`, `impl = scratch`).
pub fn load_gru_scratch(path: &Path) -> Result<(GruScratch<f32>, Vocab)> {
    let (params, vocab) = load_scratch(path, ModelKind::Gru, GruParams::<f32>::zeros)?;
    Ok((GruScratch::new(params), vocab))
}

/// Loads a from-scratch LSTM checkpoint (`model = lstm`, `impl = scratch`).
pub fn load_lstm_scratch(path: &Path) -> Result<(LstmScratch<f32>, Vocab)> {
    let (params, vocab) = load_scratch(path, ModelKind::Lstm, LstmParams::<f32>::zeros)?;
    Ok((LstmScratch::new(params), vocab))
}

/// Checks the kind, then fills parameters made by `zeros(vocab_size, num_hiddens)`.
fn load_scratch<P: Parameters<f32>>(
    path: &Path,
    kind: ModelKind,
    zeros: impl Fn(usize, usize) -> P,
) -> Result<(P, Vocab)> {
    let (bytes, info) = read_checkpoint(path)?;
    expect_kind(path, &info, kind, Implementation::Scratch)?;
    let mut params = zeros(info.vocab.len(), info.num_hiddens);
    load_tensors_into(path, &bytes, &mut params)?;
    Ok((params, info.vocab))
}

/// The default checkpoint file name for a model kind, e.g. `rnn-scratch.safetensors`.
///
/// ```
/// assert_eq!(d2l_rnn::checkpoint::default_path("rnn", "scratch").to_str(), Some("rnn-scratch.safetensors"));
/// ```
pub fn default_path(model: &str, implementation: &str) -> PathBuf {
    PathBuf::from(format!("{model}-{implementation}.safetensors"))
}

/// How a model was written: from scratch (`W_xh`, …) or with the concise
/// layers (`rnn.weight_ih_l0`, …). The `impl` metadata entry and the CLI's `--impl`.
///
/// ```
/// use d2l_rnn::checkpoint::Implementation;
/// assert_eq!("concise".parse::<Implementation>()?, Implementation::Concise);
/// assert_eq!(Implementation::Scratch.to_string(), "scratch");
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Implementation {
    /// The from-scratch chapter (`crate::scratch`).
    Scratch,
    /// The concise chapter (`crate::nn`).
    Concise,
}

impl FromStr for Implementation {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "scratch" => Ok(Implementation::Scratch),
            "concise" => Ok(Implementation::Concise),
            _ => Err(Error::InvalidArgument {
                name: "impl",
                value: s.to_string(),
                hint: "use scratch or concise".into(),
            }),
        }
    }
}

impl fmt::Display for Implementation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Implementation::Scratch => "scratch",
            Implementation::Concise => "concise",
        })
    }
}

/// Writes a concise model (atomically): its tensors under PyTorch's
/// `state_dict()` names and shapes, the vocabulary, and every layer option
/// (`input_size`, `hidden_size`, `num_layers`, `nonlinearity`, `bias`,
/// `batch_first`, `bidirectional`, `vocab_size`) in the metadata. A
/// vocabulary that does not fit the model is an error.
///
/// ```
/// use d2l_rnn::checkpoint::{load_concise, save_concise};
/// use d2l_rnn::data::Vocab;
/// use d2l_rnn::nn::{Gru, GruCell, LstmCell, RNNModel, RnnConfig};
/// let path = std::env::temp_dir().join(format!("d2l-doc-concise-{}.safetensors", std::process::id()));
/// let vocab = Vocab::from_text("分开不了");
/// let model = RNNModel::new(Gru::new(RnnConfig::new(vocab.len(), 8), 0)?, vocab.len(), 0)?;
/// save_concise(&path, &model, &vocab)?;
/// let (loaded, loaded_vocab) = load_concise::<GruCell>(&path, Some(&vocab))?;
/// assert_eq!((loaded.params == model.params, loaded_vocab), (true, vocab));
/// let err = load_concise::<LstmCell>(&path, None).unwrap_err().to_string();
/// assert!(err.contains("holds a gru concise model, expected lstm concise"), "{err}");
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn save_concise<C: Cell<f32>>(path: &Path, model: &RNNModel<C>, vocab: &Vocab) -> Result<()> {
    use crate::model::RecurrentModel;
    if vocab.len() != model.vocab_size() {
        return Err(checkpoint_error(
            path,
            format!(
                "the vocabulary has {} characters but the model's vocab_size is {}",
                vocab.len(),
                model.vocab_size()
            ),
        ));
    }
    let cfg = model.config();
    let extra = vec![
        ("input_size", cfg.input_size.to_string()),
        ("hidden_size", cfg.hidden_size.to_string()),
        ("num_layers", cfg.num_layers.to_string()),
        ("nonlinearity", cfg.nonlinearity.to_string()),
        ("bias", cfg.bias.to_string()),
        ("batch_first", cfg.batch_first.to_string()),
        ("bidirectional", cfg.bidirectional.to_string()),
        ("vocab_size", vocab.len().to_string()),
    ];
    write_checkpoint(
        path,
        &model.params,
        vocab,
        &C::KIND.to_string(),
        &Implementation::Concise.to_string(),
        cfg.hidden_size,
        extra,
    )
}

/// The layer options stored by [`save_concise`].
fn concise_layer_config(path: &Path, info: &CheckpointInfo) -> Result<RnnConfig> {
    let get = |key: &str| {
        info.metadata.get(key).ok_or_else(|| {
            checkpoint_error(
                path,
                format!("metadata has no {key:?}; it was not written by save_concise"),
            )
        })
    };
    let number = |key: &str| -> Result<usize> {
        let text = get(key)?;
        text.parse().map_err(|_| {
            checkpoint_error(path, format!("metadata {key} = {text:?} is not a number"))
        })
    };
    let flag = |key: &str| -> Result<bool> {
        let text = get(key)?;
        text.parse().map_err(|_| {
            checkpoint_error(
                path,
                format!("metadata {key} = {text:?} is not true or false"),
            )
        })
    };
    let nonlinearity: Nonlinearity = get("nonlinearity")?
        .parse()
        .map_err(|e| checkpoint_error(path, format!("metadata nonlinearity: {e}")))?;
    Ok(RnnConfig {
        input_size: number("input_size")?,
        hidden_size: number("hidden_size")?,
        num_layers: number("num_layers")?,
        nonlinearity,
        bias: flag("bias")?,
        batch_first: flag("batch_first")?,
        bidirectional: flag("bidirectional")?,
    })
}

/// Checks that a checkpoint's vocabulary is the expected one (the same
/// characters in the same order), naming the first difference.
///
/// ```
/// use d2l_rnn::checkpoint::check_vocab;
/// use d2l_rnn::data::Vocab;
/// let p = std::path::Path::new("model.safetensors");
/// assert!(check_vocab(p, &Vocab::from_text("abc"), &Vocab::from_text("abc")).is_ok());
/// let err = check_vocab(p, &Vocab::from_text("abc"), &Vocab::from_text("abd")).unwrap_err();
/// assert!(err.to_string().contains("at index 2 the checkpoint has 'c' where 'd' was expected"), "{err}");
/// ```
pub fn check_vocab(path: &Path, found: &Vocab, expected: &Vocab) -> Result<()> {
    if found.idx_to_char == expected.idx_to_char {
        return Ok(());
    }
    let mut message = format!(
        "vocabulary mismatch: the checkpoint has {} characters, {} were expected",
        found.len(),
        expected.len()
    );
    let first = found
        .idx_to_char
        .iter()
        .zip(&expected.idx_to_char)
        .position(|(a, b)| a != b);
    if let Some(i) = first {
        message += &format!(
            "; at index {i} the checkpoint has {:?} where {:?} was expected",
            found.idx_to_char[i], expected.idx_to_char[i]
        );
    }
    Err(checkpoint_error(path, message))
}

fn expect_kind(
    path: &Path,
    info: &CheckpointInfo,
    model: ModelKind,
    implementation: Implementation,
) -> Result<()> {
    if info.model != model.to_string() || info.implementation != implementation.to_string() {
        return Err(checkpoint_error(
            path,
            format!(
                "holds a {} {} model, expected {model} {implementation}",
                info.model, info.implementation
            ),
        ));
    }
    Ok(())
}

fn read_concise<C: Cell<f32>>(
    path: &Path,
    bytes: &[u8],
    info: CheckpointInfo,
    expected_vocab: Option<&Vocab>,
) -> Result<(RNNModel<C>, Vocab)> {
    expect_kind(path, &info, C::KIND, Implementation::Concise)?;
    let cfg = concise_layer_config(path, &info)?;
    if cfg.input_size != info.vocab.len() {
        return Err(checkpoint_error(
            path,
            format!(
                "the vocabulary has {} characters but input_size is {}",
                info.vocab.len(),
                cfg.input_size
            ),
        ));
    }
    if let Some(expected) = expected_vocab {
        check_vocab(path, &info.vocab, expected)?;
    }
    let layer = Recurrent::<C, f32>::new(cfg, 0)
        .map_err(|e| checkpoint_error(path, format!("bad layer options: {e}")))?;
    let mut model = RNNModel::new(layer, info.vocab.len(), 0)
        .map_err(|e| checkpoint_error(path, e.to_string()))?;
    load_tensors_into(path, bytes, &mut model.params)?;
    Ok((model, info.vocab))
}

/// Loads a concise model of cell `C` written by [`save_concise`], with its
/// vocabulary. Errors name the problem: another model kind (`holds a gru
/// concise model, expected rnn concise`), a missing or malformed option,
/// every tensor of the wrong name, shape or dtype, and, when
/// `expected_vocab` is given, the first character where the vocabularies differ.
pub fn load_concise<C: Cell<f32>>(
    path: &Path,
    expected_vocab: Option<&Vocab>,
) -> Result<(RNNModel<C>, Vocab)> {
    let (bytes, info) = read_checkpoint(path)?;
    read_concise(path, &bytes, info, expected_vocab)
}

/// Any model a checkpoint can hold; [`load_any`] returns one.
// One value per program run: the variants' different sizes cost nothing worth a Box.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum AnyModel {
    /// The from-scratch RNN.
    RnnScratch(RnnScratch<f32>),
    /// The from-scratch GRU.
    GruScratch(GruScratch<f32>),
    /// The from-scratch LSTM.
    LstmScratch(LstmScratch<f32>),
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

    /// Writes the model to `path` with the right metadata.
    pub fn save(&self, path: &Path, vocab: &Vocab) -> Result<()> {
        let (kind, scratch) = (self.kind().to_string(), "scratch");
        match self {
            AnyModel::RnnScratch(m) => save_checkpoint(
                path,
                &m.params,
                vocab,
                &kind,
                scratch,
                m.params.num_hiddens(),
            ),
            AnyModel::GruScratch(m) => save_checkpoint(
                path,
                &m.params,
                vocab,
                &kind,
                scratch,
                m.params.num_hiddens(),
            ),
            AnyModel::LstmScratch(m) => save_checkpoint(
                path,
                &m.params,
                vocab,
                &kind,
                scratch,
                m.params.num_hiddens(),
            ),
            AnyModel::Rnn(m) => save_concise(path, m, vocab),
            AnyModel::Gru(m) => save_concise(path, m, vocab),
            AnyModel::Lstm(m) => save_concise(path, m, vocab),
        }
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
