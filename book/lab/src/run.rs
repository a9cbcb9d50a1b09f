//! One training run of the lab: any model, its optimiser and the loop taken
//! one mini-batch at a time ([`Trainer`]).

use crate::settings::LabSettings;
use d2l_rnn::checkpoint::{AnyModel, Implementation};
use d2l_rnn::data::{epoch_size, Corpus};
use d2l_rnn::fast::{GruFast, LstmFast, RnnFast};
use d2l_rnn::inspect::{gradient_through_time, GradientThroughTime, LossAt};
use d2l_rnn::nn::{GruCell, LstmCell, ModelKind, RNNModel, RnnCell, RnnConfig};
use d2l_rnn::optim::{Adam, Sgd};
use d2l_rnn::predict::{predict_with, Sampler};
use d2l_rnn::train::{format_epoch_line, History, Step, Trainer};
use d2l_rnn::{Error, Result};
use serde::Serialize;

/// What one step did, for the page.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Event {
    /// Mini-batch `batch` of `batches` in `epoch` trained.
    Batch {
        epoch: usize,
        batch: usize,
        batches: usize,
    },
    /// An epoch ended: the command line's line (`epoch 3, perplexity …, time … sec`)
    /// and, every `pred_period` epochs, the written texts as it prints them (` - 分开…`).
    Epoch {
        epoch: usize,
        perplexity: f64,
        seconds: f64,
        line: String,
        samples: Vec<String>,
    },
    /// Every epoch asked for is done.
    Finished { epochs: usize },
}

/// A model with the loop that trains it.
// One value per page: the variants' different sizes cost nothing worth a Box.
#[allow(clippy::large_enum_variant)]
enum Run {
    RnnScratch(Trainer<RnnFast<f32>>, RnnFast<f32>),
    GruScratch(Trainer<GruFast<f32>>, GruFast<f32>),
    LstmScratch(Trainer<LstmFast<f32>>, LstmFast<f32>),
    Rnn(Trainer<RNNModel<RnnCell>>, RNNModel<RnnCell>),
    Gru(Trainer<RNNModel<GruCell>>, RNNModel<GruCell>),
    Lstm(Trainer<RNNModel<LstmCell>>, RNNModel<LstmCell>),
}

/// Runs `$body` with `$m` the model and `$t` its trainer, whichever the run is.
macro_rules! with_run {
    ($run:expr, ($m:ident, $t:ident) => $body:expr) => {
        match $run {
            Run::RnnScratch($t, $m) => $body,
            Run::GruScratch($t, $m) => $body,
            Run::LstmScratch($t, $m) => $body,
            Run::Rnn($t, $m) => $body,
            Run::Gru($t, $m) => $body,
            Run::Lstm($t, $m) => $body,
        }
    };
}

/// The lab's training run: the settings, the corpus, the model, SGD (from
/// scratch) or Adam (concise), as `d2l-rnn train` has them.
pub struct LabRun {
    settings: LabSettings,
    corpus: Corpus,
    run: Run,
    sgd: Sgd,
    adam: Adam,
    label: String,
}

impl LabRun {
    /// A new model of the settings' kind, seeded by their seed, ready to train on `corpus`.
    pub fn new(settings: LabSettings, corpus: Corpus) -> Result<LabRun> {
        if corpus.corpus_indices.len() < 2 {
            return Err(Error::InvalidArgument {
                name: "corpus",
                value: format!("{} character(s)", corpus.corpus_indices.len()),
                hint:
                    "a text to learn from needs at least 2 characters; paste or choose a longer one"
                        .into(),
            });
        }
        let cfg = &settings.train;
        let layer = RnnConfig::new(corpus.vocab_size(), cfg.num_hiddens);
        let model = AnyModel::new(settings.model, settings.implementation, layer, cfg.seed)?;
        let run = match model {
            AnyModel::RnnScratch(m) => Run::RnnScratch(Trainer::new(&m, &corpus, cfg)?, m),
            AnyModel::GruScratch(m) => Run::GruScratch(Trainer::new(&m, &corpus, cfg)?, m),
            AnyModel::LstmScratch(m) => Run::LstmScratch(Trainer::new(&m, &corpus, cfg)?, m),
            AnyModel::Rnn(m) => Run::Rnn(Trainer::new(&m, &corpus, cfg)?, m),
            AnyModel::Gru(m) => Run::Gru(Trainer::new(&m, &corpus, cfg)?, m),
            AnyModel::Lstm(m) => Run::Lstm(Trainer::new(&m, &corpus, cfg)?, m),
        };
        let scratch = settings.implementation == Implementation::Scratch;
        let label = if settings.model == ModelKind::Rnn && scratch {
            cfg.sampling.to_string()
        } else {
            format!(
                "{} {} {}",
                settings.model, settings.implementation, cfg.sampling
            )
        };
        Ok(LabRun {
            sgd: Sgd { lr: cfg.lr },
            adam: Adam::new(cfg.lr),
            settings,
            corpus,
            run,
            label,
        })
    }

    /// Trains on the next mini-batch, or ends the epoch.
    pub fn step(&mut self) -> Result<Event> {
        let corpus = &self.corpus;
        let step = match &mut self.run {
            Run::RnnScratch(t, m) => t.step(m, &mut self.sgd, corpus)?,
            Run::GruScratch(t, m) => t.step(m, &mut self.sgd, corpus)?,
            Run::LstmScratch(t, m) => t.step(m, &mut self.sgd, corpus)?,
            Run::Rnn(t, m) => t.step(m, &mut self.adam, corpus)?,
            Run::Gru(t, m) => t.step(m, &mut self.adam, corpus)?,
            Run::Lstm(t, m) => t.step(m, &mut self.adam, corpus)?,
        };
        let cfg = &self.settings.train;
        Ok(match step {
            Step::Batch { epoch, batch } => Event::Batch {
                epoch,
                batch,
                batches: epoch_size(
                    cfg.sampling,
                    corpus.corpus_indices.len(),
                    cfg.batch_size,
                    cfg.num_steps,
                ),
            },
            Step::Epoch(r, texts) => Event::Epoch {
                epoch: r.epoch,
                perplexity: r.perplexity,
                seconds: r.seconds,
                line: format_epoch_line(&r),
                samples: texts
                    .unwrap_or_default()
                    .iter()
                    .map(|t| format!(" - {t}"))
                    .collect(),
            },
            Step::Finished => Event::Finished {
                epochs: with_run!(&self.run, (_m, t) => t.epochs_done()),
            },
        })
    }

    /// `epochs` more epochs after the ones asked for.
    pub fn extend(&mut self, epochs: usize) {
        with_run!(&mut self.run, (_m, t) => t.extend(epochs))
    }

    /// The epochs so far.
    pub fn history(&self) -> &History {
        with_run!(&self.run, (_m, t) => t.history())
    }

    /// What the curves are labelled with: the command line's label of the run.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// `d2l-rnn inspect gradients` now: the norm of dL/dH_t through time, the
    /// loss at the last step, on the corpus's first 36 characters, with the
    /// label of its curve.
    pub fn gradient(&mut self) -> Result<(String, GradientThroughTime)> {
        let n = self.corpus.corpus_indices.len().min(36);
        let text = self.corpus.vocab.decode(&self.corpus.corpus_indices[..n]);
        let vocab = &self.corpus.vocab;
        let g = with_run!(&mut self.run, (m, _t) => gradient_through_time(m, vocab, &text, LossAt::Last))?;
        let label = format!("{} after epoch {}", self.label, self.history().epochs.len());
        Ok((label, g))
    }

    /// `len` characters after `prefix`, sampled at `temperature` with `seed` (0: greedy).
    pub fn write(
        &mut self,
        prefix: &str,
        len: usize,
        temperature: f64,
        seed: u64,
    ) -> Result<String> {
        if prefix.is_empty() {
            return Err(Error::EmptyPrefix);
        }
        let sampler = Sampler {
            temperature,
            top_k: None,
            seed,
        };
        sampler.validate()?;
        let vocab = &self.corpus.vocab;
        with_run!(&mut self.run, (m, _t) => predict_with(prefix, len, m, vocab, &sampler))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use d2l_rnn::nn::{GruCell, Recurrent};
    use d2l_rnn::train::train;

    fn settings(pairs: &[(&str, &str)]) -> LabSettings {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        LabSettings::from_pairs(&pairs).unwrap()
    }

    fn run_to_the_end(run: &mut LabRun) -> Vec<Event> {
        let mut events = Vec::new();
        loop {
            let event = run.step().unwrap();
            if let Event::Finished { .. } = event {
                return events;
            }
            events.push(event);
        }
    }

    const TEXT: &str = "分开 不分开 我不能再想 我不要再想 ";

    #[test]
    fn the_lab_trains_as_the_library_does_bit_for_bit() {
        let corpus = Corpus::from_text(&TEXT.repeat(20));
        let s = settings(&[
            ("hidden", "16"),
            ("epochs", "3"),
            ("num_steps", "6"),
            ("batch_size", "4"),
            ("pred_period", "3"),
        ]);
        let mut lab = LabRun::new(s.clone(), corpus.clone()).unwrap();
        let events = run_to_the_end(&mut lab);
        let mut model = RnnFast::init(corpus.vocab_size(), 16, 0);
        let want = train(
            &mut model,
            &mut Sgd { lr: 100.0 },
            &corpus,
            &s.train,
            &mut |_| {},
        )
        .unwrap();
        let got: Vec<f64> = lab.history().epochs.iter().map(|e| e.perplexity).collect();
        let expected: Vec<f64> = want.epochs.iter().map(|e| e.perplexity).collect();
        assert_eq!(got, expected);
        let batches = epoch_size(s.train.sampling, corpus.corpus_indices.len(), 4, 6);
        assert_eq!(events.len(), 3 * (batches + 1));
        let Some(Event::Epoch { line, samples, .. }) = events.last() else {
            panic!("the last event ends epoch 3: {events:?}");
        };
        assert!(line.starts_with("epoch 3, perplexity "), "{line}");
        assert_eq!(samples.len(), 2);
        assert!(samples[0].starts_with(" - 分开"), "{samples:?}");
    }

    #[test]
    fn concise_models_train_with_adam_and_going_on_matches_one_run() {
        let corpus = Corpus::from_text(&TEXT.repeat(20));
        let s = |epochs| {
            settings(&[
                ("model", "gru"),
                ("impl", "concise"),
                ("hidden", "8"),
                ("epochs", epochs),
                ("num_steps", "6"),
                ("batch_size", "4"),
            ])
        };
        let mut at_once = LabRun::new(s("4"), corpus.clone()).unwrap();
        run_to_the_end(&mut at_once);
        let mut twice = LabRun::new(s("2"), corpus.clone()).unwrap();
        run_to_the_end(&mut twice);
        twice.extend(2);
        run_to_the_end(&mut twice);
        let ppl = |r: &LabRun| {
            r.history()
                .epochs
                .iter()
                .map(|e| e.perplexity)
                .collect::<Vec<_>>()
        };
        assert_eq!(ppl(&twice), ppl(&at_once));
        let layer = RnnConfig::new(corpus.vocab_size(), 8);
        let mut model = RNNModel::new(
            Recurrent::<GruCell, f32>::new(layer, 0).unwrap(),
            corpus.vocab_size(),
            1,
        )
        .unwrap();
        let want = train(
            &mut model,
            &mut Adam::new(1e-3),
            &corpus,
            &s("4").train,
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(
            ppl(&at_once),
            want.epochs.iter().map(|e| e.perplexity).collect::<Vec<_>>()
        );
    }

    #[test]
    fn too_short_a_text_and_a_prefix_outside_the_text_are_refused() {
        let err = LabRun::new(settings(&[]), Corpus::from_text("x"))
            .err()
            .unwrap();
        assert!(err.to_string().contains("at least 2 characters"), "{err}");
        let err = LabRun::new(
            settings(&[("prefix", "飞")]),
            Corpus::from_text(&TEXT.repeat(20)),
        )
        .err()
        .unwrap();
        assert!(err.to_string().contains('飞'), "{err}");
    }

    #[test]
    fn the_gradient_view_and_writing_work_mid_run() {
        let corpus = Corpus::from_text(&TEXT.repeat(20));
        let mut lab = LabRun::new(
            settings(&[
                ("model", "lstm"),
                ("hidden", "8"),
                ("epochs", "1"),
                ("num_steps", "6"),
                ("batch_size", "4"),
            ]),
            corpus,
        )
        .unwrap();
        lab.step().unwrap();
        let (label, g) = lab.gradient().unwrap();
        assert_eq!(g.norms.len(), 35); // 36 characters: 35 steps
        assert!(label.starts_with("lstm scratch random"), "{label}");
        let text = lab.write("分开", 5, 1.0, 7).unwrap();
        assert_eq!(text.chars().count(), 7);
        assert!(lab.write("分开", 5, -1.0, 7).is_err());
    }
}
