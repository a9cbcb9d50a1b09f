//! The section's `predict_rnn_pytorch`, its concise settings and
//! `train_and_predict_rnn_pytorch`, for any [`RNNModel`].

use super::recurrent::Cell;
use super::RNNModel;
use crate::data::{Corpus, Sampling, Vocab};
use crate::error::Result;
use crate::fast::FastReal;
use crate::optim::Adam;
use crate::predict::predict_rnn;
use crate::train::{print_event, train, History, TrainConfig};

/// The section's `predict_rnn_pytorch`: the prefix, then `num_chars`
/// characters, each the most likely after everything before it, starting
/// from a zero state. It is [`crate::predict::predict_rnn`], which works for
/// every model.
///
/// ```
/// use d2l_rnn::data::Vocab;
/// use d2l_rnn::nn::{predict_rnn_pytorch, Rnn, RNNModel, RnnConfig};
/// let vocab = Vocab::from_text("分开不了你说");
/// let layer = Rnn::new(RnnConfig::new(vocab.len(), 16), 0)?;
/// let mut model = RNNModel::new(layer, vocab.len(), 0)?;
/// let text = predict_rnn_pytorch("分开", 10, &mut model, &vocab)?; // random weights: random text
/// assert_eq!(text.chars().count(), 12);
/// assert!(text.starts_with("分开"));
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn predict_rnn_pytorch<C: Cell<A>, A: FastReal>(
    prefix: &str,
    num_chars: usize,
    model: &mut RNNModel<C, A>,
    vocab: &Vocab,
) -> Result<String> {
    predict_rnn(prefix, num_chars, model, vocab)
}

/// The section's settings for the concise model: [`TrainConfig::default`]
/// (250 epochs, `num_steps` 35, batch 32, clipping 0.01, hidden 256,
/// prefixes 分开 and 不分开 every 50 epochs) with Adam's learning rate
/// `1e-3` and consecutive sampling.
///
/// ```
/// let cfg = d2l_rnn::nn::concise_config();
/// assert_eq!((cfg.lr, cfg.num_epochs, cfg.clipping_theta), (1e-3, 250, 0.01));
/// assert_eq!(cfg.sampling, d2l_rnn::data::Sampling::Consecutive);
/// ```
pub fn concise_config() -> TrainConfig {
    TrainConfig {
        lr: 1e-3,
        sampling: Sampling::Consecutive,
        ..TrainConfig::default()
    }
}

/// The section's `train_and_predict_rnn_pytorch`: trains `model` with
/// [`Adam`] (learning rate `cfg.lr`, PyTorch's betas 0.9 and 0.999, eps
/// 1e-8) through the one loop [`train`], on mini-batches cut by
/// **consecutive** sampling whatever `cfg.sampling` says (as the section's
/// function does), clipping gradients to `cfg.clipping_theta`, and prints
/// the section's lines every `cfg.pred_period` epochs.
///
/// The clipping really clips here. In the PyTorch original it did nothing:
/// `grad_clipping(model.parameters(), ...)` received a generator, its first
/// loop (the norm) used it up, so the second loop (the scaling) saw no
/// parameters. The section's 1.02 at epoch 250 was reached without clipping.
///
/// ```
/// use d2l_rnn::data::Corpus;
/// use d2l_rnn::nn::{train_and_predict_rnn_pytorch, Gru, RNNModel, RnnConfig};
/// use d2l_rnn::train::TrainConfig;
/// let corpus = Corpus::from_text(&"abcd".repeat(50));
/// let layer = Gru::new(RnnConfig::new(corpus.vocab_size(), 16), 0)?;
/// let mut model = RNNModel::new(layer, corpus.vocab_size(), 0)?;
/// let cfg = TrainConfig { num_epochs: 40, num_steps: 5, batch_size: 4, lr: 0.05, clipping_theta: 1.0,
///     pred_period: 40, pred_len: 8, prefixes: vec!["a".into()], ..Default::default() };
/// let history = train_and_predict_rnn_pytorch(&mut model, &corpus, &cfg)?;
/// assert!(history.final_perplexity().unwrap() < 1.2); // a 4-cycle is easy to learn
/// assert_eq!(history.samples[0].text, "abcdabcda");
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn train_and_predict_rnn_pytorch<C: Cell<A>, A: FastReal>(
    model: &mut RNNModel<C, A>,
    corpus: &Corpus,
    cfg: &TrainConfig,
) -> Result<History> {
    let cfg = TrainConfig {
        sampling: Sampling::Consecutive,
        ..cfg.clone()
    };
    train(
        model,
        &mut Adam::new(cfg.lr),
        corpus,
        &cfg,
        &mut print_event,
    )
}
