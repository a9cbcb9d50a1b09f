//! A new model for `train`: the kind, implementation and sizes the options
//! ask for, checked against the memory left before anything is allocated.

use super::options::TrainOptions;
use d2l_rnn::checkpoint::{AnyModel, Implementation, TrainingState};
use d2l_rnn::nn::{ModelKind, Nonlinearity, RnnConfig};
use d2l_rnn::train::{available_memory, ModelShape};
use d2l_rnn::Result;

/// The sizes of the new model the options ask for.
pub fn new_shape(o: &TrainOptions, vocab_size: usize) -> ModelShape {
    ModelShape {
        kind: o.model.unwrap_or(ModelKind::Rnn),
        vocab_size,
        num_hiddens: o.hidden.unwrap_or(256),
        num_layers: o.num_layers.unwrap_or(1),
        directions: if o.bidirectional { 2 } else { 1 },
    }
}

/// Refuses a model and mini-batch that cannot fit in the memory left, before
/// anything of their size is allocated.
pub fn fits(shape: &ModelShape, o: &TrainOptions, saved: Option<&TrainingState>) -> Result<()> {
    let Some(available) = available_memory() else {
        return Ok(());
    };
    let batch_size = o.batch_size.or(saved.map(|s| s.batch_size)).unwrap_or(32);
    let num_steps = o.num_steps.or(saved.map(|s| s.num_steps)).unwrap_or(35);
    shape.check_fits(batch_size, num_steps, available)
}

/// A new model of the asked kind, seeded by `seed`.
pub fn new_model(o: &TrainOptions, vocab_size: usize, seed: u64) -> Result<AnyModel> {
    let layer = RnnConfig {
        num_layers: o.num_layers.unwrap_or(1),
        bidirectional: o.bidirectional,
        nonlinearity: o.nonlinearity.unwrap_or(Nonlinearity::Tanh),
        ..RnnConfig::new(vocab_size, o.hidden.unwrap_or(256))
    };
    AnyModel::new(
        o.model.unwrap_or(ModelKind::Rnn),
        o.implementation.unwrap_or(Implementation::Scratch),
        layer,
        seed,
    )
}
