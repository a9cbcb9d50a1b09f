//! Checkpoints of the from-scratch models: their tensors under the book's
//! names (`W_xh`, `W_hh`, …). Loading gives the fast models (the readable
//! ones share the parameter types: `RnnFast::new(model.params)`).

use super::format::{
    check_claimed_size, expect_kind, load_tensors_into, read_checkpoint, Implementation,
};
use crate::data::Vocab;
use crate::error::Result;
use crate::fast::{GruFast, LstmFast, RnnFast};
use crate::model::Parameters;
use crate::nn::ModelKind;
use crate::scratch::{GatedParams, GruParams, LstmParams, RnnParams};
use std::path::Path;

/// Loads a from-scratch RNN checkpoint written by [`super::save_checkpoint`]:
/// the model and its vocabulary.
pub fn load_rnn_scratch(path: &Path) -> Result<(RnnFast<f32>, Vocab)> {
    let (params, vocab) = load_scratch(path, ModelKind::Rnn, RnnParams::<f32>::zeros)?;
    Ok((RnnFast::new(params), vocab))
}

/// Loads a from-scratch GRU checkpoint (`model = gru`, `impl = scratch`).
pub fn load_gru_scratch(path: &Path) -> Result<(GruFast<f32>, Vocab)> {
    let (params, vocab) = load_scratch(path, ModelKind::Gru, GruParams::<f32>::zeros)?;
    Ok((GruFast::new(params), vocab))
}

/// Loads a from-scratch LSTM checkpoint (`model = lstm`, `impl = scratch`).
pub fn load_lstm_scratch(path: &Path) -> Result<(LstmFast<f32>, Vocab)> {
    let (params, vocab) = load_scratch(path, ModelKind::Lstm, LstmParams::<f32>::zeros)?;
    Ok((LstmFast::new(params), vocab))
}

/// Checks the kind, then fills parameters made by `zeros(vocab_size, num_hiddens)`.
fn load_scratch<P: Parameters<f32> + GatedParams<f32>>(
    path: &Path,
    kind: ModelKind,
    zeros: impl Fn(usize, usize) -> P,
) -> Result<(P, Vocab)> {
    let (bytes, info) = read_checkpoint(path)?;
    expect_kind(path, &info, kind, Implementation::Scratch)?;
    // gates · (d h + h h + h) + h q + q, with d = q = the vocabulary size.
    let (d, h, g) = (
        info.vocab.len() as u128,
        info.num_hiddens as u128,
        P::GATE_NAMES.len() as u128,
    );
    let count = d
        .checked_mul(h)
        .and_then(|dh| dh.checked_add(h.checked_mul(h)?)?.checked_add(h))
        .and_then(|per_gate| {
            per_gate
                .checked_mul(g)?
                .checked_add(h.checked_mul(d)?)?
                .checked_add(d)
        });
    check_claimed_size(path, count, bytes.len())?;
    let mut params = zeros(info.vocab.len(), info.num_hiddens);
    load_tensors_into(path, &bytes, &mut params)?;
    Ok((params, info.vocab))
}
