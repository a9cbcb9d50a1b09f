//! The checkpoint file: safetensors with the vocabulary and the model's
//! kind in its metadata, written atomically, read with every mismatch named.

use crate::data::Vocab;
use crate::error::{Error, Result};
use crate::model::Parameters;
use crate::nn::ModelKind;
use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Prefix of the optimizer's tensors in a checkpoint.
///
/// ```
/// assert!("optimizer.exp_avg.W_xh".starts_with(d2l_rnn::checkpoint::OPTIMIZER_PREFIX));
/// ```
pub const OPTIMIZER_PREFIX: &str = "optimizer.";

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

/// Refuses a header whose sizes describe a model larger than the file holds
/// (`floats` is `None` when counting overflowed), before anything of that
/// size is allocated. Claims up to 64 MiB pass, so that a small mismatch is
/// reported tensor by tensor by [`load_tensors_into`] instead.
pub(super) fn check_claimed_size(path: &Path, floats: Option<u128>, file_len: usize) -> Result<()> {
    const HARMLESS: u128 = 64 << 20;
    match floats.map(|n| n.saturating_mul(4)) {
        Some(bytes) if bytes <= (file_len as u128).max(HARMLESS) => Ok(()),
        _ => Err(checkpoint_error(
            path,
            format!(
                "the metadata describes a model of {} parameters, but the file holds only \
                 {file_len} bytes: it is damaged or was not written by d2l-rnn",
                floats.map_or("too many".to_string(), |n| n.to_string())
            ),
        )),
    }
}

pub(super) fn checkpoint_error(path: &Path, message: impl Into<String>) -> Error {
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
        Vec::new(),
    )
}

#[allow(clippy::too_many_arguments)]
pub(super) fn write_checkpoint<P: Parameters<f32>>(
    path: &Path,
    params: &P,
    vocab: &Vocab,
    model: &str,
    implementation: &str,
    num_hiddens: usize,
    extra: Vec<(&str, String)>,
    extra_tensors: Vec<(String, ndarray::ArrayD<f32>)>,
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
    let as_bytes = |t: &ndarray::ArrayViewD<'_, f32>| -> Vec<u8> {
        t.iter().flat_map(|v| v.to_le_bytes()).collect()
    };
    let buffers: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
        .iter()
        .map(|(name, t)| (name.to_string(), t.shape().to_vec(), as_bytes(t)))
        .chain(
            extra_tensors
                .iter()
                .map(|(name, t)| (name.clone(), t.shape().to_vec(), as_bytes(&t.view()))),
        )
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
/// say what is expected. Every missing or unexpected tensor, wrong shape and
/// wrong dtype is reported, by name, in one error; an optimizer's tensors
/// (`optimizer.*`, see [`super::TrainingState`]) are left for
/// [`super::read_training_state`].
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
        // An optimizer's state is read by `read_training_state`.
        if !expected.contains(&name.as_str()) && !name.starts_with(OPTIMIZER_PREFIX) {
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

crate::error::named_choices!(Implementation, "impl", {
    Implementation::Scratch => "scratch",
    Implementation::Concise => "concise",
});

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

pub(super) fn expect_kind(
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
