//! The training loop taken one mini-batch at a time: what [`super::train`]
//! runs to the end, and what a caller that must stay responsive (a page in
//! the browser) runs step by step, stopping and going on between steps.

use super::{evaluate_perplexity, first_non_finite, split_corpus};
use super::{ClipStats, EpochRecord, History, SampleRecord, TrainConfig};
use crate::data::{data_iter, Corpus, DataIter, Sampling};
use crate::error::{Error, Result};
use crate::fast::FastReal;
use crate::loss::{perplexity, softmax_cross_entropy};
use crate::model::{RecurrentModel, RecurrentModelExt};
use crate::optim::{grad_clipping, Optimizer};
use crate::predict::predict_rnn;
use ndarray::Array2;
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::SeedableRng;
use web_time::Instant;

/// What one call of [`Trainer::step`] did.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Trained on mini-batch `batch` (1-based) of `epoch`.
    Batch {
        /// The epoch in progress.
        epoch: usize,
        /// The mini-batch just trained on, counted from 1.
        batch: usize,
    },
    /// Ended an epoch; every `pred_period` epochs also the texts written
    /// from the prefixes.
    Epoch(EpochRecord, Option<Vec<String>>),
    /// Every epoch asked for is done; [`Trainer::extend`] asks for more.
    Finished,
}

/// The mini-batches of the epoch in progress and what they have summed.
struct EpochRun<S> {
    batches: DataIter,
    batch: usize,
    state: S,
    loss_sum: f64,
    count: usize,
    norms: Vec<f64>,
    seconds: f64,
}

/// One training run of a model, taken a mini-batch at a time.
///
/// The same loop as [`super::train`] (which runs it to the end): each call
/// of [`Trainer::step`] trains on one mini-batch (forward, mean
/// cross-entropy, backward through time, [`grad_clipping`],
/// `optimizer.step`), or ends the epoch after its last one: checks the
/// perplexity and the weights, records the epoch and writes from the
/// prefixes every `pred_period` epochs. An epoch's `seconds` count only the
/// time spent inside `step`, so pausing between calls does not count.
///
/// ```
/// use d2l_rnn::data::{Corpus, Sampling};
/// use d2l_rnn::fast::RnnFast;
/// use d2l_rnn::optim::Sgd;
/// use d2l_rnn::train::{train, Step, TrainConfig, Trainer};
/// let corpus = Corpus::from_text(&"abcd".repeat(50));
/// let cfg = TrainConfig { num_epochs: 2, num_steps: 5, batch_size: 4, lr: 1.0,
///     num_hiddens: 8, pred_period: 2, prefixes: vec!["a".into()], ..Default::default() };
/// let (mut model, mut sgd) = (RnnFast::init(corpus.vocab_size(), 8, 0), Sgd { lr: 1.0 });
/// let mut trainer = Trainer::new(&model, &corpus, &cfg)?;
/// assert_eq!(trainer.step(&mut model, &mut sgd, &corpus)?, Step::Batch { epoch: 1, batch: 1 });
/// let mut steps = 1;
/// while trainer.step(&mut model, &mut sgd, &corpus)? != Step::Finished {
///     steps += 1;
/// }
/// assert_eq!(steps, 2 * (9 + 1)); // 9 mini-batches of 4 × 5 in 199 characters, and each epoch's end
/// // the same numbers as the loop run at once
/// let mut fresh = RnnFast::init(corpus.vocab_size(), 8, 0);
/// let at_once = train(&mut fresh, &mut Sgd { lr: 1.0 }, &corpus, &cfg, &mut |_| {})?;
/// assert_eq!(trainer.history().final_perplexity(), at_once.final_perplexity());
/// assert_eq!(trainer.history().samples, at_once.samples);
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub struct Trainer<M: RecurrentModel> {
    cfg: TrainConfig,
    train_len: usize,
    has_valid: bool,
    rng: StdRng,
    epoch: usize,
    last_epoch: usize,
    current: Option<EpochRun<M::State>>,
    d_logits: Array2<M::Elem>,
    history: History,
}

impl<M> Trainer<M>
where
    M: RecurrentModelExt,
    M::Elem: FastReal,
{
    /// Checks the settings, the prefixes and the model's vocabulary against
    /// the corpus, and replays the shuffles of `cfg.epochs_done` epochs.
    pub fn new(model: &M, corpus: &Corpus, cfg: &TrainConfig) -> Result<Self> {
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
        let (train_text, valid_text) = split_corpus(&corpus.corpus_indices, cfg)?;
        let mut rng = StdRng::seed_from_u64(cfg.seed);
        for _ in 0..cfg.epochs_done {
            // replays the shuffles of the epochs already trained
            data_iter(
                cfg.sampling,
                train_text,
                cfg.batch_size,
                cfg.num_steps,
                &mut rng,
            )?;
        }
        // the first epoch's mini-batches, so that a corpus too short fails here
        data_iter(
            cfg.sampling,
            train_text,
            cfg.batch_size,
            cfg.num_steps,
            &mut rng.clone(),
        )?;
        Ok(Trainer {
            train_len: train_text.len(),
            has_valid: valid_text.is_some(),
            rng,
            epoch: cfg.epochs_done,
            last_epoch: cfg.epochs_done + cfg.num_epochs,
            current: None,
            d_logits: Array2::zeros((0, 0)),
            history: History::default(),
            cfg: cfg.clone(),
        })
    }

    /// Trains on the next mini-batch, or ends the epoch whose mini-batches
    /// are all done. Stops with [`Error::Diverged`] as soon as a loss, a
    /// gradient norm, an epoch's perplexity or a weight is NaN or infinite.
    pub fn step<O: Optimizer<M::Elem>>(
        &mut self,
        model: &mut M,
        optimizer: &mut O,
        corpus: &Corpus,
    ) -> Result<Step> {
        if self.epoch >= self.last_epoch {
            return Ok(Step::Finished);
        }
        let start = Instant::now();
        let epoch = self.epoch + 1;
        let cfg = &self.cfg;
        let train_text = &corpus.corpus_indices[..self.train_len];
        let run = match &mut self.current {
            Some(run) => run,
            None => self.current.insert(EpochRun {
                batches: data_iter(
                    cfg.sampling,
                    train_text,
                    cfg.batch_size,
                    cfg.num_steps,
                    &mut self.rng,
                )?,
                batch: 0,
                state: model.begin_state(cfg.batch_size),
                loss_sum: 0.0,
                count: 0,
                norms: Vec::new(),
                seconds: 0.0,
            }),
        };
        let diverged = |what: String, value| Error::Diverged {
            epoch,
            what,
            value,
            lr: cfg.lr,
            clip: cfg.clipping_theta,
        };
        if let Some((x, y)) = run.batches.next() {
            if cfg.sampling == Sampling::Random {
                run.state = model.begin_state(cfg.batch_size);
            }
            let logits = model.forward(x.view(), &mut run.state);
            if self.d_logits.dim() != logits.dim() {
                self.d_logits = Array2::zeros(logits.dim());
            }
            let loss = softmax_cross_entropy(logits, y.view(), self.d_logits.view_mut());
            if !loss.is_finite() {
                return Err(diverged("the loss".into(), loss));
            }
            model.backward(self.d_logits.view());
            let (params, grads) = model.params_and_grads();
            let norm = grad_clipping(grads, cfg.clipping_theta);
            if !norm.is_finite() {
                return Err(diverged("the gradient norm".into(), norm));
            }
            run.norms.push(norm);
            optimizer.step(params, grads);
            run.loss_sum += loss * y.len() as f64;
            run.count += y.len();
            run.batch += 1;
            run.seconds += start.elapsed().as_secs_f64();
            return Ok(Step::Batch {
                epoch,
                batch: run.batch,
            });
        }
        let train_perplexity = perplexity(run.loss_sum / run.count.max(1) as f64);
        if !train_perplexity.is_finite() {
            return Err(diverged("the epoch's perplexity".into(), train_perplexity));
        }
        if let Some((name, value)) = first_non_finite(model.params()) {
            return Err(diverged(format!("a weight of {name}"), value));
        }
        let seconds = run.seconds + start.elapsed().as_secs_f64();
        let norms = std::mem::take(&mut run.norms);
        self.current = None;
        let valid_perplexity = self.has_valid.then(|| {
            let valid = &corpus.corpus_indices[self.train_len..];
            evaluate_perplexity(model, valid, cfg.num_steps)
        });
        let record = EpochRecord {
            epoch,
            perplexity: train_perplexity,
            seconds,
            valid_perplexity,
            clipping: ClipStats::from_norms(&norms, cfg.clipping_theta),
        };
        self.history.epochs.push(record);
        self.epoch = epoch;
        if epoch % cfg.pred_period != 0 {
            return Ok(Step::Epoch(record, None));
        }
        let mut texts = Vec::with_capacity(cfg.prefixes.len());
        for prefix in &cfg.prefixes {
            let text = predict_rnn(prefix, cfg.pred_len, model, &corpus.vocab)?;
            self.history.samples.push(SampleRecord {
                epoch,
                text: text.clone(),
            });
            texts.push(text);
        }
        Ok(Step::Epoch(record, Some(texts)))
    }

    /// Asks for `epochs` more epochs after the ones asked for so far: the
    /// run goes on as if it had been asked for all of them at the start.
    ///
    /// ```
    /// use d2l_rnn::data::Corpus;
    /// use d2l_rnn::fast::RnnFast;
    /// use d2l_rnn::optim::Sgd;
    /// use d2l_rnn::train::{Step, TrainConfig, Trainer};
    /// let corpus = Corpus::from_text(&"abcd".repeat(30));
    /// let run = |epochs, more| -> d2l_rnn::Result<Vec<f64>> {
    ///     let cfg = TrainConfig { num_epochs: epochs, num_steps: 5, batch_size: 4, lr: 1.0,
    ///         num_hiddens: 8, prefixes: vec!["a".into()], ..Default::default() };
    ///     let (mut model, mut sgd) = (RnnFast::init(corpus.vocab_size(), 8, 0), Sgd { lr: 1.0 });
    ///     let mut trainer = Trainer::new(&model, &corpus, &cfg)?;
    ///     while trainer.step(&mut model, &mut sgd, &corpus)? != Step::Finished {}
    ///     trainer.extend(more);
    ///     while trainer.step(&mut model, &mut sgd, &corpus)? != Step::Finished {}
    ///     assert_eq!(trainer.epochs_done(), epochs + more);
    ///     Ok(trainer.into_history().epochs.iter().map(|e| e.perplexity).collect())
    /// };
    /// assert_eq!(run(1, 2)?, run(3, 0)?); // 1 epoch and 2 more: the numbers of 3 at once
    /// # Ok::<(), d2l_rnn::Error>(())
    /// ```
    pub fn extend(&mut self, epochs: usize) {
        self.last_epoch += epochs;
    }

    /// The last epoch finished (`cfg.epochs_done` before the first).
    pub fn epochs_done(&self) -> usize {
        self.epoch
    }

    /// The epochs recorded so far, and the texts written.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// The record of the run.
    pub fn into_history(self) -> History {
        self.history
    }
}
