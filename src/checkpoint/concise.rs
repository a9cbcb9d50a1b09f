//! Checkpoints of the concise models: PyTorch's `state_dict()` names and
//! shapes, and every layer option in the metadata.

use super::format::{
    check_claimed_size, check_vocab, checkpoint_error, expect_kind, load_tensors_into,
    read_checkpoint, write_checkpoint, CheckpointInfo, Implementation,
};
use super::state::TrainingState;
use crate::data::Vocab;
use crate::error::Result;
use crate::nn::{Cell, Nonlinearity, RNNModel, Recurrent, RnnConfig};
use std::path::Path;

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
    write_concise(path, model, vocab, None)
}

/// [`save_concise`], with a [`TrainingState`] when given.
pub(super) fn write_concise<C: Cell<f32>>(
    path: &Path,
    model: &RNNModel<C>,
    vocab: &Vocab,
    state: Option<&TrainingState>,
) -> Result<()> {
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
    let mut extra = vec![
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
        {
            extra.extend(state.map(TrainingState::metadata).unwrap_or_default());
            extra
        },
        state.map_or_else(Vec::new, |s| s.tensors(&tensor_names(&model.params))),
    )
}

/// The names of a parameter set's tensors, in order.
pub(super) fn tensor_names<P: crate::model::Parameters<f32>>(params: &P) -> Vec<&'static str> {
    params.tensors().into_iter().map(|(n, _)| n).collect()
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

pub(super) fn read_concise<C: Cell<f32>>(
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
    check_claimed_size(
        path,
        parameter_count(&cfg, C::KIND.gates(), info.vocab.len()),
        bytes.len(),
    )?;
    let layer = Recurrent::<C, f32>::new(cfg, 0)
        .map_err(|e| checkpoint_error(path, format!("bad layer options: {e}")))?;
    let mut model = RNNModel::new(layer, info.vocab.len(), 0)
        .map_err(|e| checkpoint_error(path, e.to_string()))?;
    load_tensors_into(path, bytes, &mut model.params)?;
    Ok((model, info.vocab))
}

/// Parameters of a concise model: per layer and direction `G H in + G H H`
/// (+ `2 G H` with biases), then the dense layer `q (D H) + q`; `None` on overflow.
fn parameter_count(cfg: &RnnConfig, gates: usize, vocab: usize) -> Option<u128> {
    let (g, h, q) = (gates as u128, cfg.hidden_size as u128, vocab as u128);
    let d = cfg.num_directions() as u128;
    let mut total: u128 = 0;
    for layer in 0..cfg.num_layers.min(1 << 20) {
        let input = if layer == 0 {
            cfg.input_size as u128
        } else {
            d.checked_mul(h)?
        };
        let weights = g.checked_mul(h)?.checked_mul(input.checked_add(h)?)?;
        let biases = if cfg.bias {
            g.checked_mul(h)?.checked_mul(2)?
        } else {
            0
        };
        total = total.checked_add(d.checked_mul(weights.checked_add(biases)?)?)?;
    }
    if cfg.num_layers > 1 << 20 {
        return None;
    }
    total.checked_add(q.checked_mul(d.checked_mul(h)?)?.checked_add(q)?)
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
