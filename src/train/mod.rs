//! The one training loop, its settings and what it records.
//!
//! Every model trains through [`train`]: only the model and the optimiser
//! change. [`train_and_predict_rnn`] is the section's function of the same
//! name, built on it.

mod config;
mod history;
mod memory;
mod trainer;

pub use config::{TrainConfig, MAX_PRED_LEN};
pub use history::{ClipStats, EpochRecord, History, SampleRecord};
pub use memory::{available_memory, Footprint, ModelShape};
pub use trainer::{Step, Trainer};

use crate::data::Corpus;
use crate::error::{positive, Error, Result};
use crate::fast::FastReal;
use crate::loss::{perplexity, softmax_cross_entropy};
use crate::model::{RecurrentModel, RecurrentModelExt};
use crate::optim::{Optimizer, Sgd};
use ndarray::Array2;

/// What the loop tells its caller while it runs.
#[derive(Clone, Copy, Debug)]
pub enum TrainEvent<'a> {
    /// An epoch ended.
    Epoch(&'a EpochRecord),
    /// Every `pred_period` epochs: the epoch and the texts written from the prefixes.
    Predictions(&'a EpochRecord, &'a [String]),
}

/// Prints [`TrainEvent::Predictions`] as the section does:
/// `epoch 50, perplexity 69.294698, time 0.43 sec`, then ` - ` and each text.
pub fn print_event(event: TrainEvent<'_>) {
    if let TrainEvent::Predictions(r, texts) = event {
        println!("{}", format_epoch_line(r));
        for text in texts {
            println!(" - {text}");
        }
    }
}

/// The section's epoch line, with the held-out perplexity when there is one.
///
/// ```
/// use d2l_rnn::train::{format_epoch_line, EpochRecord};
/// let mut r = EpochRecord { epoch: 50, perplexity: 69.294698, seconds: 0.431, ..Default::default() };
/// assert_eq!(format_epoch_line(&r), "epoch 50, perplexity 69.294698, time 0.43 sec");
/// r.valid_perplexity = Some(180.5);
/// assert_eq!(format_epoch_line(&r), "epoch 50, perplexity 69.294698, valid perplexity 180.500000, time 0.43 sec");
/// ```
pub fn format_epoch_line(r: &EpochRecord) -> String {
    let valid = match r.valid_perplexity {
        Some(v) => format!(", valid perplexity {v:.6}"),
        None => String::new(),
    };
    format!(
        "epoch {}, perplexity {:.6}{valid}, time {:.2} sec",
        r.epoch, r.perplexity, r.seconds
    )
}

/// The training loop shared by every model.
///
/// Each epoch cuts the corpus into mini-batches with `cfg.sampling`
/// (shuffled with a generator seeded by `cfg.seed`). With random sampling
/// each mini-batch starts from a zero state; with consecutive sampling the
/// state starts at zero once per epoch and flows from one mini-batch to the
/// next, detached (the backward pass stops at the mini-batch's first step).
/// Per mini-batch: forward, mean cross-entropy, backward through time,
/// [`grad_clipping`] to `cfg.clipping_theta`, then `optimizer.step`.
///
/// With `cfg.valid_frac` above 0 the last part of the corpus is held out
/// and its perplexity ([`evaluate_perplexity`]) recorded every epoch. With
/// `cfg.epochs_done` above 0 the run continues a previous one: epochs are
/// numbered on, and the shuffles of the epochs done are replayed first.
///
/// Returns the [`History`]. Checks settings and prefixes before the first
/// epoch, and stops with [`Error::Diverged`] as soon as a mini-batch's loss,
/// a gradient norm, an epoch's perplexity or a weight is NaN or infinite.
///
/// ```
/// use d2l_rnn::data::{Corpus, Sampling};
/// use d2l_rnn::fast::RnnFast;
/// use d2l_rnn::optim::Sgd;
/// use d2l_rnn::train::{train, TrainConfig};
/// let corpus = Corpus::from_text(&"abcd".repeat(50));
/// let cfg = TrainConfig { num_epochs: 30, num_steps: 5, batch_size: 4, lr: 1.0, clipping_theta: 1.0,
///     num_hiddens: 16, pred_period: 30, pred_len: 8, prefixes: vec!["a".into()],
///     sampling: Sampling::Consecutive, ..Default::default() };
/// let mut model = RnnFast::init(corpus.vocab_size(), 16, 0);
/// let history = train(&mut model, &mut Sgd { lr: cfg.lr }, &corpus, &cfg, &mut |_| {})?;
/// assert!(history.final_perplexity().unwrap() < 1.5); // a 4-cycle is easy to learn
/// assert_eq!(history.samples[0].text, "abcdabcda");
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn train<M, O>(
    model: &mut M,
    optimizer: &mut O,
    corpus: &Corpus,
    cfg: &TrainConfig,
    report: &mut dyn FnMut(TrainEvent<'_>),
) -> Result<History>
where
    M: RecurrentModelExt,
    M::Elem: FastReal,
    O: Optimizer<M::Elem>,
{
    let mut trainer = Trainer::new(model, corpus, cfg)?;
    loop {
        match trainer.step(model, optimizer, corpus)? {
            Step::Batch { .. } => {}
            Step::Epoch(record, texts) => {
                report(TrainEvent::Epoch(&record));
                if let Some(texts) = texts {
                    report(TrainEvent::Predictions(&record, &texts));
                }
            }
            Step::Finished => return Ok(trainer.into_history()),
        }
    }
}

/// The part of the corpus to train on and, with `cfg.valid_frac` above 0,
/// the held-out end: the last \(\lfloor f \cdot n \rfloor\) characters.
fn split_corpus<'a>(
    indices: &'a [usize],
    cfg: &TrainConfig,
) -> Result<(&'a [usize], Option<&'a [usize]>)> {
    if cfg.valid_frac <= 0.0 {
        return Ok((indices, None));
    }
    let held_out = (cfg.valid_frac * indices.len() as f64) as usize;
    if held_out < 2 {
        return Err(Error::InvalidArgument {
            name: "valid_frac",
            value: cfg.valid_frac.to_string(),
            hint: format!(
                "it keeps {held_out} of {} characters out; a validation text needs at least 2",
                indices.len()
            ),
        });
    }
    let (train, valid) = indices.split_at(indices.len() - held_out);
    Ok((train, Some(valid)))
}

/// The first parameter entry that is NaN or infinite, with its tensor's name.
fn first_non_finite<A: crate::real::Real, P: crate::model::Parameters<A>>(
    params: &P,
) -> Option<(&'static str, f64)> {
    params.tensors().into_iter().find_map(|(name, t)| {
        t.iter()
            .find(|w| !w.is_finite())
            .map(|w| (name, w.to_f64().unwrap_or(f64::NAN)))
    })
}

/// Perplexity of `model` on a text it did not train on: one sequence, read
/// in windows of `num_steps` characters with the state carried from one
/// window to the next, every character predicted from the ones before it:
/// \(\exp\) of the mean cross-entropy of \(x_2, \dots, x_n\).
///
/// ```
/// use d2l_rnn::fast::RnnFast;
/// use d2l_rnn::train::evaluate_perplexity;
/// let mut model = RnnFast::init(4, 8, 0); // untrained: close to uniform over 4 characters
/// let ppl = evaluate_perplexity(&mut model, &[0, 1, 2, 3, 0, 1, 2, 3], 3);
/// assert!((ppl - 4.0).abs() < 0.01, "{ppl}");
/// ```
pub fn evaluate_perplexity<M: RecurrentModel>(
    model: &mut M,
    text: &[usize],
    num_steps: usize,
) -> f64
where
    M::Elem: FastReal,
{
    let mut state = model.begin_state(1);
    let (mut loss_sum, mut count) = (0.0f64, 0usize);
    let inputs = &text[..text.len().saturating_sub(1)];
    for (k, window) in inputs.chunks(num_steps.max(1)).enumerate() {
        let start = k * num_steps.max(1);
        let x = Array2::from_shape_fn((1, window.len()), |(_, t)| window[t]);
        let y = Array2::from_shape_fn((1, window.len()), |(_, t)| text[start + t + 1]);
        let logits = model.forward(x.view(), &mut state);
        let mut d = Array2::zeros(logits.dim());
        let loss = softmax_cross_entropy(logits, y.view(), d.view_mut());
        loss_sum += loss * window.len() as f64;
        count += window.len();
    }
    perplexity(loss_sum / count.max(1) as f64)
}

/// The section's `train_and_predict_rnn`: builds the model with
/// `build(vocab_size, cfg.num_hiddens, cfg.seed)`, trains it with SGD
/// through [`train`], prints the section's lines every `cfg.pred_period`
/// epochs, and returns the trained model with its history.
///
/// The section passes `rnn`, `get_params` and `init_rnn_state`; here one
/// builder stands for the three: [`crate::fast::RnnFast::init`] (the fast
/// engine, what the section's table is measured with),
/// [`crate::scratch::RnnScratch::init`] (the readable model, same numbers,
/// slower), or the GRU's and LSTM's counterparts, with the same call.
///
/// ```
/// use d2l_rnn::data::Corpus;
/// use d2l_rnn::fast::{LstmFast, RnnFast};
/// use d2l_rnn::scratch::RnnScratch;
/// use d2l_rnn::train::{train_and_predict_rnn, TrainConfig};
/// let corpus = Corpus::from_text(&"abcd".repeat(50));
/// let cfg = TrainConfig { num_epochs: 2, num_steps: 5, batch_size: 4, num_hiddens: 8,
///     pred_period: 1, prefixes: vec!["ab".into()], ..Default::default() };
/// let (_model, fast) = train_and_predict_rnn(RnnFast::init, &corpus, &cfg)?;
/// let (_model, readable) = train_and_predict_rnn(RnnScratch::init, &corpus, &cfg)?;
/// assert_eq!(fast.epochs.len(), 2);
/// assert!((fast.epochs[1].perplexity - readable.epochs[1].perplexity).abs() < 1e-3);
/// let (_model, lstm) = train_and_predict_rnn(LstmFast::init, &corpus, &cfg)?;
/// assert!(lstm.final_perplexity().unwrap() > 1.0);
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn train_and_predict_rnn<M: RecurrentModelExt>(
    build: impl FnOnce(usize, usize, u64) -> M,
    corpus: &Corpus,
    cfg: &TrainConfig,
) -> Result<(M, History)>
where
    M::Elem: FastReal,
{
    positive("num_hiddens", cfg.num_hiddens)?;
    let mut model = build(corpus.vocab_size(), cfg.num_hiddens, cfg.seed);
    let history = train(
        &mut model,
        &mut Sgd { lr: cfg.lr },
        corpus,
        cfg,
        &mut print_event,
    )?;
    Ok((model, history))
}
