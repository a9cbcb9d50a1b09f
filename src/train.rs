//! The one training loop, its settings and what it records.
//!
//! Every model trains through [`train`]: only the model and the optimiser
//! change. [`train_and_predict_rnn`] is the section's function of the same
//! name, built on it.

use crate::data::{data_iter, Corpus, Sampling};
use crate::error::{positive, Error, Result};
use crate::loss::{perplexity, softmax_cross_entropy};
use crate::model::RecurrentModel;
use crate::optim::{grad_clipping, Optimizer, Sgd};
use crate::predict::predict_rnn;
use ndarray::Array2;
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::SeedableRng;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Instant;

/// Training settings. `Default` holds the section's from-scratch values:
/// 250 epochs, `num_steps` 35, `batch_size` 32, `lr` 100, clipping
/// \\(\theta\\) = 0.01, 256 hidden units, a prediction of 50 characters after
/// 分开 and 不分开 every 50 epochs, random sampling, seed 0.
///
/// ```
/// let cfg = d2l_rnn::train::TrainConfig::default();
/// assert_eq!((cfg.num_epochs, cfg.num_steps, cfg.batch_size), (250, 35, 32));
/// assert_eq!((cfg.lr, cfg.clipping_theta, cfg.num_hiddens), (100.0, 0.01, 256));
/// assert!(cfg.validate().is_ok());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// Number of passes over the corpus.
    pub num_epochs: usize,
    /// Time steps per mini-batch.
    pub num_steps: usize,
    /// Sequences per mini-batch.
    pub batch_size: usize,
    /// Learning rate.
    pub lr: f64,
    /// Gradient clipping threshold \\(\theta\\) on the global L2 norm.
    pub clipping_theta: f64,
    /// Hidden units \\(h\\) (used when the loop's caller builds the model).
    pub num_hiddens: usize,
    /// Predict after every `pred_period` epochs.
    pub pred_period: usize,
    /// Characters to write after each prefix.
    pub pred_len: usize,
    /// Prefixes to write from.
    pub prefixes: Vec<String>,
    /// How mini-batches are cut from the corpus.
    pub sampling: Sampling,
    /// Seed of every random choice (weights and shuffling).
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            num_epochs: 250,
            num_steps: 35,
            batch_size: 32,
            lr: 100.0,
            clipping_theta: 0.01,
            num_hiddens: 256,
            pred_period: 50,
            pred_len: 50,
            prefixes: vec!["分开".into(), "不分开".into()],
            sampling: Sampling::Random,
            seed: 0,
        }
    }
}

impl TrainConfig {
    /// Checks every setting, naming the first bad one.
    ///
    /// ```
    /// let cfg = d2l_rnn::train::TrainConfig { batch_size: 0, ..Default::default() };
    /// assert!(cfg.validate().unwrap_err().to_string().contains("batch_size"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        positive("num_steps", self.num_steps)?;
        positive("batch_size", self.batch_size)?;
        positive("num_hiddens", self.num_hiddens)?;
        positive("pred_period", self.pred_period)?;
        for (name, value) in [("lr", self.lr), ("clipping_theta", self.clipping_theta)] {
            if !(value.is_finite() && value > 0.0) {
                return Err(Error::InvalidArgument {
                    name,
                    value: value.to_string(),
                    hint: "it must be a finite number above 0".into(),
                });
            }
        }
        for prefix in &self.prefixes {
            if prefix.is_empty() {
                return Err(Error::EmptyPrefix);
            }
        }
        Ok(())
    }
}

/// One epoch's result, as in the section's printed lines.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch number.
    pub epoch: usize,
    /// \\(\exp\\) of the mean cross-entropy over the epoch's predictions.
    pub perplexity: f64,
    /// Wall-clock seconds of the epoch's training (prediction excluded).
    pub seconds: f64,
}

/// Text written from a prefix after some epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampleRecord {
    /// The epoch after which it was written.
    pub epoch: usize,
    /// The prefix followed by the generated characters.
    pub text: String,
}

/// What a training run records: per-epoch perplexity and time, and the
/// generated samples. Serialises to JSON as
/// `{"epochs": [{"epoch", "perplexity", "seconds"}, ...], "samples": [...]}`.
///
/// ```
/// use d2l_rnn::train::{EpochRecord, History};
/// let h = History { epochs: vec![EpochRecord { epoch: 1, perplexity: 2.5, seconds: 0.1 }], samples: vec![] };
/// assert_eq!(h.to_json(), r#"{"epochs":[{"epoch":1,"perplexity":2.5,"seconds":0.1}],"samples":[]}"#);
/// assert_eq!(h.final_perplexity(), Some(2.5));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// One record per epoch, in order.
    pub epochs: Vec<EpochRecord>,
    /// Samples written every `pred_period` epochs.
    pub samples: Vec<SampleRecord>,
}

impl History {
    /// The perplexity of the last epoch.
    pub fn final_perplexity(&self) -> Option<f64> {
        self.epochs.last().map(|r| r.perplexity)
    }

    /// Mean seconds per epoch (0 when empty).
    pub fn mean_epoch_seconds(&self) -> f64 {
        let n = self.epochs.len().max(1) as f64;
        self.epochs.iter().map(|r| r.seconds).sum::<f64>() / n
    }

    /// Compact JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Writes the JSON to `path` atomically (a temporary file, then a rename).
    pub fn save_json(&self, path: &Path) -> Result<()> {
        crate::io::write_atomic(path, self.to_json().as_bytes())
    }
}

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

/// The section's epoch line.
///
/// ```
/// use d2l_rnn::train::{format_epoch_line, EpochRecord};
/// let r = EpochRecord { epoch: 50, perplexity: 69.294698, seconds: 0.431 };
/// assert_eq!(format_epoch_line(&r), "epoch 50, perplexity 69.294698, time 0.43 sec");
/// ```
pub fn format_epoch_line(r: &EpochRecord) -> String {
    format!(
        "epoch {}, perplexity {:.6}, time {:.2} sec",
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
/// Returns the [`History`]. Stops with [`Error::Diverged`] when a loss is NaN
/// or infinite, and checks settings and prefixes before the first epoch.
///
/// ```
/// use d2l_rnn::data::{Corpus, Sampling};
/// use d2l_rnn::optim::Sgd;
/// use d2l_rnn::fast::RnnFast;
/// use d2l_rnn::train::{train, TrainConfig};
/// let corpus = Corpus::from_text(&"abcd".repeat(50));
/// let cfg = TrainConfig { num_epochs: 30, num_steps: 5, batch_size: 4, lr: 1.0, clipping_theta: 1.0,
///     num_hiddens: 16, pred_period: 30, pred_len: 8, prefixes: vec!["a".into()],
///     sampling: Sampling::Consecutive, seed: 0 };
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
    M: RecurrentModel,
    O: Optimizer<M::Elem>,
{
    cfg.validate()?;
    for prefix in &cfg.prefixes {
        corpus.vocab.encode(prefix)?;
    }
    if model.vocab_size() != corpus.vocab_size() {
        return Err(Error::InvalidArgument {
            name: "vocab_size",
            value: model.vocab_size().to_string(),
            hint: format!(
                "the model was built for another vocabulary; the corpus has {}",
                corpus.vocab_size()
            ),
        });
    }
    let mut rng = StdRng::seed_from_u64(cfg.seed);
    let mut history = History::default();
    let mut d_logits: Array2<M::Elem> = Array2::zeros((0, 0));
    for epoch in 1..=cfg.num_epochs {
        let start = Instant::now();
        let batches = data_iter(
            cfg.sampling,
            &corpus.corpus_indices,
            cfg.batch_size,
            cfg.num_steps,
            &mut rng,
        )?;
        let mut state = model.begin_state(cfg.batch_size);
        let (mut loss_sum, mut count) = (0.0f64, 0usize);
        for (x, y) in batches {
            if cfg.sampling == Sampling::Random {
                state = model.begin_state(cfg.batch_size);
            }
            let rows = y.len();
            let logits = model.forward(x.view(), &mut state);
            if d_logits.dim() != logits.dim() {
                d_logits = Array2::zeros(logits.dim());
            }
            let loss = softmax_cross_entropy(logits, y.view(), d_logits.view_mut());
            if !loss.is_finite() {
                return Err(Error::Diverged { epoch, loss });
            }
            model.backward(d_logits.view());
            let (params, grads) = model.params_and_grads();
            grad_clipping(grads, cfg.clipping_theta);
            optimizer.step(params, grads);
            loss_sum += loss * rows as f64;
            count += rows;
        }
        let record = EpochRecord {
            epoch,
            perplexity: perplexity(loss_sum / count.max(1) as f64),
            seconds: start.elapsed().as_secs_f64(),
        };
        history.epochs.push(record);
        report(TrainEvent::Epoch(&record));
        if epoch % cfg.pred_period == 0 {
            let mut texts = Vec::with_capacity(cfg.prefixes.len());
            for prefix in &cfg.prefixes {
                let text = predict_rnn(prefix, cfg.pred_len, model, &corpus.vocab)?;
                history.samples.push(SampleRecord {
                    epoch,
                    text: text.clone(),
                });
                texts.push(text);
            }
            report(TrainEvent::Predictions(&record, &texts));
        }
    }
    Ok(history)
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
pub fn train_and_predict_rnn<M: RecurrentModel>(
    build: impl FnOnce(usize, usize, u64) -> M,
    corpus: &Corpus,
    cfg: &TrainConfig,
) -> Result<(M, History)> {
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
