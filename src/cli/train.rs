//! `d2l-rnn train`: build a model (or load one to go on training it), train
//! it with a progress bar, and save the result with how far it got.

use super::new_model::{fits, new_model, new_shape};
pub use super::options::{invalid, Engine, TrainOptions};
use super::progress::train_with_progress;
use d2l_rnn::checkpoint::{
    load_any, read_checkpoint, AdamState, AnyModel, Implementation, TrainingState,
};
use d2l_rnn::data::{load_corpus, load_data_jay_lyrics, Corpus, Sampling};
use d2l_rnn::nn::ModelKind;
use d2l_rnn::optim::{Adam, Sgd};
use d2l_rnn::scratch::{GruScratch, LstmScratch, RnnScratch};
use d2l_rnn::train::{History, TrainConfig};
use d2l_rnn::Result;

/// A model read from `--load`, with its saved training state.
struct Loaded {
    model: AnyModel,
    vocab: d2l_rnn::data::Vocab,
    state: Option<TrainingState>,
}

fn load(path: &std::path::Path) -> Result<Loaded> {
    let (model, vocab) = load_any(path)?;
    let (bytes, info) = read_checkpoint(path)?;
    let state = model.read_training_state(path, &bytes, &info.metadata)?;
    Ok(Loaded {
        model,
        vocab,
        state,
    })
}

/// Options that only a new model can take: with `--load` they must match
/// the checkpoint's model or be left out.
fn check_against_checkpoint(o: &TrainOptions, model: &AnyModel) -> Result<()> {
    if let Some(kind) = o.model.filter(|&k| k != model.kind()) {
        return Err(invalid(
            "model",
            kind,
            format!(
                "the checkpoint holds a {} model; leave --model out with --load",
                model.kind()
            ),
        ));
    }
    if let Some(i) = o.implementation.filter(|&i| i != model.implementation()) {
        return Err(invalid(
            "impl",
            i,
            format!(
                "the checkpoint holds a {} model; leave --impl out with --load",
                model.implementation()
            ),
        ));
    }
    if o.hidden.is_some() || o.num_layers.is_some() || o.bidirectional || o.nonlinearity.is_some() {
        return Err(invalid(
            "hidden",
            o.hidden.map_or("(layer options)".into(), |h| h.to_string()),
            "the checkpoint fixes the model's shape: --hidden, --num-layers, --bidirectional and --nonlinearity go with a new model, not --load",
        ));
    }
    Ok(())
}

/// Trains any model: SGD from scratch (on the fast or the readable engine),
/// Adam for the concise models (going on from `adam` when given). Returns
/// the history and Adam's state after the run.
fn train_any(
    model: &mut AnyModel,
    adam: Option<AdamState>,
    engine: Engine,
    corpus: &Corpus,
    cfg: &TrainConfig,
    label: &str,
) -> Result<(History, Option<AdamState>)> {
    let mut sgd = Sgd { lr: cfg.lr };
    let mut adam = match adam {
        Some(s) => Adam::with_state(cfg.lr, s.step, s.exp_avg, s.exp_avg_sq),
        None => Adam::new(cfg.lr),
    };
    let scratch_history = match (&mut *model, engine) {
        (AnyModel::RnnScratch(m), Engine::Fast) => {
            Some(train_with_progress(m, &mut sgd, corpus, cfg, label))
        }
        (AnyModel::GruScratch(m), Engine::Fast) => {
            Some(train_with_progress(m, &mut sgd, corpus, cfg, label))
        }
        (AnyModel::LstmScratch(m), Engine::Fast) => {
            Some(train_with_progress(m, &mut sgd, corpus, cfg, label))
        }
        // The readable models share the parameter types: train, then hand back.
        (AnyModel::RnnScratch(m), Engine::Readable) => {
            let mut r = RnnScratch::new(m.params.clone());
            let h = train_with_progress(&mut r, &mut sgd, corpus, cfg, label);
            m.params = r.params;
            Some(h)
        }
        (AnyModel::GruScratch(m), Engine::Readable) => {
            let mut r = GruScratch::new(m.params.clone());
            let h = train_with_progress(&mut r, &mut sgd, corpus, cfg, label);
            m.params = r.params;
            Some(h)
        }
        (AnyModel::LstmScratch(m), Engine::Readable) => {
            let mut r = LstmScratch::new(m.params.clone());
            let h = train_with_progress(&mut r, &mut sgd, corpus, cfg, label);
            m.params = r.params;
            Some(h)
        }
        _ => None,
    };
    if let Some(history) = scratch_history {
        return Ok((history?, None));
    }
    let history = match model {
        AnyModel::Rnn(m) => train_with_progress(m, &mut adam, corpus, cfg, label)?,
        AnyModel::Gru(m) => train_with_progress(m, &mut adam, corpus, cfg, label)?,
        AnyModel::Lstm(m) => train_with_progress(m, &mut adam, corpus, cfg, label)?,
        _ => {
            return Err(invalid(
                "engine",
                "readable",
                "the readable models are the from-scratch ones: use --impl scratch",
            ))
        }
    };
    let (step, m, v) = adam.state();
    let state = AdamState {
        step,
        exp_avg: m.to_vec(),
        exp_avg_sq: v.to_vec(),
    };
    Ok((history, Some(state)))
}

/// `d2l-rnn train`.
pub fn run_train(o: TrainOptions) -> Result<()> {
    if o.implementation == Some(Implementation::Concise) && o.engine == Engine::Readable {
        return Err(invalid(
            "engine",
            "readable",
            "the readable models are the from-scratch ones: use --impl scratch",
        ));
    }
    let text_corpus = match &o.corpus {
        Some(path) => load_corpus(path, o.max_chars)?,
        None => load_data_jay_lyrics()?,
    };
    let loaded = o.load.as_deref().map(load).transpose()?;
    let (mut model, corpus, state) = match loaded {
        Some(l) => {
            check_against_checkpoint(&o, &l.model)?;
            (l.model, text_corpus.with_vocab(l.vocab)?, l.state)
        }
        None => {
            let seed = o.seed.unwrap_or(0);
            fits(&new_shape(&o, text_corpus.vocab_size()), &o, None)?;
            (
                new_model(&o, text_corpus.vocab_size(), seed)?,
                text_corpus,
                None,
            )
        }
    };
    let concise = model.implementation() == Implementation::Concise;
    let saved = state.as_ref();
    let (default_lr, default_sampling) = if concise {
        (1e-3, Sampling::Consecutive)
    } else {
        (100.0, Sampling::Random)
    };
    let cfg = TrainConfig {
        num_epochs: o.epochs,
        num_steps: o.num_steps.or(saved.map(|s| s.num_steps)).unwrap_or(35),
        batch_size: o.batch_size.or(saved.map(|s| s.batch_size)).unwrap_or(32),
        lr: o.lr.or(saved.map(|s| s.lr)).unwrap_or(default_lr),
        clipping_theta: o.clip.or(saved.map(|s| s.clip)).unwrap_or(0.01),
        num_hiddens: o.hidden.unwrap_or(256),
        pred_period: o.pred_period,
        pred_len: o.pred_len,
        prefixes: o.prefixes.clone(),
        sampling: o
            .sampling
            .or(saved.map(|s| s.sampling))
            .unwrap_or(default_sampling),
        seed: o.seed.or(saved.map(|s| s.seed)).unwrap_or(0),
        valid_frac: o.valid_frac,
        epochs_done: saved.map_or(0, |s| s.epochs_done),
    };
    cfg.validate()?;
    fits(&model.shape(), &o, saved)?;
    let plot_png = match &o.plot {
        None => false,
        Some(path) => match path.extension().map(|e| e.to_ascii_lowercase()) {
            Some(e) if e == "svg" => false,
            Some(e) if e == "png" => true,
            _ => {
                return Err(invalid(
                    "plot",
                    path.display(),
                    "name a file ending in .svg or .png",
                ))
            }
        },
    };
    if let (Some(path), None) = (&o.load, saved) {
        println!(
            "{} holds no training state (written by an older version or by `save`): \
             its weights go on with this run's settings, epochs counted from 1",
            path.display()
        );
    }
    if let Some(s) = saved {
        println!(
            "going on from {} after epoch {} (lr {}, clip {}, {} sampling)",
            o.load
                .as_deref()
                .map_or(String::new(), |p| p.display().to_string()),
            s.epochs_done,
            cfg.lr,
            cfg.clipping_theta,
            cfg.sampling
        );
    }
    let label = if model.kind() == ModelKind::Rnn && !concise {
        cfg.sampling.to_string()
    } else {
        format!(
            "{} {} {}",
            model.kind(),
            model.implementation(),
            cfg.sampling
        )
    };
    let adam = saved.and_then(|s| s.adam.clone());
    let (history, adam) = train_any(&mut model, adam, o.engine, &corpus, &cfg, &label)?;
    println!(
        "final perplexity {:.6}, {:.3} sec per epoch",
        history.final_perplexity().unwrap_or(f64::NAN),
        history.mean_epoch_seconds()
    );
    if let Some(path) = &o.history {
        history.save_json(path)?;
        println!("history written to {}", path.display());
    }
    if let Some(path) = &o.plot {
        let series = [(label.as_str(), &history)];
        if plot_png {
            d2l_rnn::plot::save_perplexity_png(path, &series)?;
        } else {
            d2l_rnn::plot::save_perplexity_svg(path, &series)?;
        }
        println!("curves drawn to {}", path.display());
    }
    if let Some(path) = &o.save {
        let state = TrainingState {
            epochs_done: cfg.epochs_done + cfg.num_epochs,
            lr: cfg.lr,
            clip: cfg.clipping_theta,
            batch_size: cfg.batch_size,
            num_steps: cfg.num_steps,
            sampling: cfg.sampling,
            seed: cfg.seed,
            adam,
            history: saved
                .map(|s| s.history.clone())
                .unwrap_or_default()
                .into_iter()
                .chain(history.epochs.iter().copied())
                .collect(),
        };
        model.save_trained(path, &corpus.vocab, &state)?;
        println!(
            "model saved to {} (after epoch {})",
            path.display(),
            state.epochs_done
        );
    }
    Ok(())
}
