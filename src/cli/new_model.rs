//! A new model for `train`: the kind, implementation and sizes the options
//! ask for, checked against the memory left before anything is allocated.

use super::options::{invalid, TrainOptions};
use d2l_rnn::checkpoint::{AnyModel, Implementation, TrainingState};
use d2l_rnn::fast::{GruFast, LstmFast, RnnFast};
use d2l_rnn::nn::{Cell, GruCell, LstmCell, ModelKind, Nonlinearity, RNNModel, Recurrent};
use d2l_rnn::nn::{RnnCell, RnnConfig};
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
    let kind = o.model.unwrap_or(ModelKind::Rnn);
    let hidden = o.hidden.unwrap_or(256);
    if o.implementation != Some(Implementation::Concise) {
        if o.num_layers.is_some_and(|n| n != 1)
            || o.bidirectional
            || o.nonlinearity.is_some_and(|n| n != Nonlinearity::Tanh)
        {
            return Err(invalid(
                "impl",
                "scratch",
                "--num-layers, --bidirectional and --nonlinearity need --impl concise",
            ));
        }
        d2l_rnn::error::positive("num_hiddens", hidden)?;
        return Ok(match kind {
            ModelKind::Rnn => AnyModel::RnnScratch(RnnFast::init(vocab_size, hidden, seed)),
            ModelKind::Gru => AnyModel::GruScratch(GruFast::init(vocab_size, hidden, seed)),
            ModelKind::Lstm => AnyModel::LstmScratch(LstmFast::init(vocab_size, hidden, seed)),
        });
    }
    let layer = RnnConfig {
        num_layers: o.num_layers.unwrap_or(1),
        bidirectional: o.bidirectional,
        nonlinearity: o.nonlinearity.unwrap_or(Nonlinearity::Tanh),
        ..RnnConfig::new(vocab_size, hidden)
    };
    fn concise<C: Cell<f32>>(
        layer: RnnConfig,
        vocab_size: usize,
        seed: u64,
    ) -> Result<RNNModel<C>> {
        RNNModel::new(
            Recurrent::<C, f32>::new(layer, seed)?,
            vocab_size,
            seed.wrapping_add(1),
        )
    }
    Ok(match kind {
        ModelKind::Rnn => AnyModel::Rnn(concise::<RnnCell>(layer, vocab_size, seed)?),
        ModelKind::Gru => AnyModel::Gru(concise::<GruCell>(layer, vocab_size, seed)?),
        ModelKind::Lstm => AnyModel::Lstm(concise::<LstmCell>(layer, vocab_size, seed)?),
    })
}
