//! A new model of any kind, from scratch or concise, seeded.

use super::any::AnyModel;
use super::format::Implementation;
use crate::error::{positive, Error, Result};
use crate::fast::{GruFast, LstmFast, RnnFast};
use crate::nn::{Cell, GruCell, LstmCell, ModelKind, Nonlinearity, RNNModel, Recurrent};
use crate::nn::{RnnCell, RnnConfig};

impl AnyModel {
    /// A new `kind` model, as the command line's `train` builds it: from
    /// scratch, the section's `get_params(vocab_size, hidden_size, seed)` on
    /// the fast engine (one layer, one direction, tanh: anything else is an
    /// error naming the option); concise, `RNNModel` over the layer `layer`
    /// (seeded by `seed`) with its output layer seeded by `seed + 1`.
    ///
    /// ```
    /// use d2l_rnn::checkpoint::{AnyModel, Implementation};
    /// use d2l_rnn::nn::{ModelKind, RnnConfig};
    /// let layer = RnnConfig::new(30, 16); // 30 characters, 16 hidden units
    /// let gru = AnyModel::new(ModelKind::Gru, Implementation::Scratch, layer.clone(), 0)?;
    /// assert_eq!(gru.tensor_shapes().len(), 11); // W_x, W_h, b for Z, R, H̃; W_hq, b_q
    /// let lstm = AnyModel::new(ModelKind::Lstm, Implementation::Concise, layer.clone(), 0)?;
    /// assert_eq!(lstm.shape().num_hiddens, 16);
    /// let deep = RnnConfig { num_layers: 2, ..layer };
    /// let err = AnyModel::new(ModelKind::Rnn, Implementation::Scratch, deep, 0).unwrap_err();
    /// assert!(err.to_string().contains("--impl concise"));
    /// # Ok::<(), d2l_rnn::Error>(())
    /// ```
    pub fn new(
        kind: ModelKind,
        implementation: Implementation,
        layer: RnnConfig,
        seed: u64,
    ) -> Result<AnyModel> {
        let (vocab_size, hidden) = (layer.input_size, layer.hidden_size);
        positive("num_hiddens", hidden)?;
        if implementation == Implementation::Scratch {
            if layer.num_layers != 1
                || layer.bidirectional
                || layer.nonlinearity != Nonlinearity::Tanh
            {
                return Err(Error::InvalidArgument {
                    name: "impl",
                    value: "scratch".into(),
                    hint: "--num-layers, --bidirectional and --nonlinearity need --impl concise"
                        .into(),
                });
            }
            return Ok(match kind {
                ModelKind::Rnn => AnyModel::RnnScratch(RnnFast::init(vocab_size, hidden, seed)),
                ModelKind::Gru => AnyModel::GruScratch(GruFast::init(vocab_size, hidden, seed)),
                ModelKind::Lstm => AnyModel::LstmScratch(LstmFast::init(vocab_size, hidden, seed)),
            });
        }
        fn concise<C: Cell<f32>>(layer: RnnConfig, seed: u64) -> Result<RNNModel<C>> {
            let vocab_size = layer.input_size;
            RNNModel::new(
                Recurrent::<C, f32>::new(layer, seed)?,
                vocab_size,
                seed.wrapping_add(1),
            )
        }
        Ok(match kind {
            ModelKind::Rnn => AnyModel::Rnn(concise::<RnnCell>(layer, seed)?),
            ModelKind::Gru => AnyModel::Gru(concise::<GruCell>(layer, seed)?),
            ModelKind::Lstm => AnyModel::Lstm(concise::<LstmCell>(layer, seed)?),
        })
    }
}
