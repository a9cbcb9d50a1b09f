//! Checkpoints: a model's parameters and its vocabulary in one
//! [safetensors](https://huggingface.co/docs/safetensors) file.
//!
//! Tensors are stored as little-endian `F32` under their parameter names
//! (`W_xh`, `W_hh`, `b_h`, `W_hq`, `b_q` for the from-scratch RNN). The
//! metadata holds `format = d2l-rnn`, the model kind (`model`, `impl`), the
//! hidden size and the vocabulary as a JSON list of characters. Files are
//! written atomically. Loading checks every name, shape and dtype and reports
//! every mismatch by name.

use crate::data::Vocab;
use crate::error::{Error, Result};
use crate::model::Parameters;
use crate::scratch::{RnnParams, RnnScratch};
use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

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
    let (bytes, info) = read_checkpoint(path)?;
    if (info.model.as_str(), info.implementation.as_str()) != ("rnn", "scratch") {
        return Err(checkpoint_error(
            path,
            format!(
                "holds a {} {} model, expected rnn scratch",
                info.model, info.implementation
            ),
        ));
    }
    let mut params = RnnParams::<f32>::zeros(info.vocab.len(), info.num_hiddens);
    load_tensors_into(path, &bytes, &mut params)?;
    Ok((RnnScratch::new(params), info.vocab))
}

/// The default checkpoint file name for a model kind, e.g. `rnn-scratch.safetensors`.
///
/// ```
/// assert_eq!(d2l_rnn::checkpoint::default_path("rnn", "scratch").to_str(), Some("rnn-scratch.safetensors"));
/// ```
pub fn default_path(model: &str, implementation: &str) -> PathBuf {
    PathBuf::from(format!("{model}-{implementation}.safetensors"))
}
