//! `d2l-rnn`: the section's experiments from the command line.
//!
//! - `d2l-rnn` (no arguments): the from-scratch experiment with both sampling
//!   modes and the section's settings, then the perplexity table.
//! - `d2l-rnn train [options]`: one run with your settings; `--model
//!   rnn|gru|lstm` and `--impl scratch|concise` choose the model (default: the
//!   from-scratch RNN with SGD; concise models train with Adam).
//! - `d2l-rnn generate --load FILE --prefix 分开 --len 50`: text from any
//!   checkpoint, greedy by default; `--temperature`, `--top-k` and `--seed` sample.

use clap::{Args, Parser, Subcommand};
use d2l_rnn::checkpoint::{load_any, AnyModel, Implementation};
use d2l_rnn::data::{load_corpus, load_data_jay_lyrics, Corpus, Sampling};
use d2l_rnn::fast::{GruFast, LstmFast, RnnFast};
use d2l_rnn::model::RecurrentModel;
use d2l_rnn::nn::{
    Cell, GruCell, LstmCell, ModelKind, Nonlinearity, RNNModel, Recurrent, RnnCell, RnnConfig,
};
use d2l_rnn::optim::{Adam, Optimizer, Sgd};
use d2l_rnn::predict::Sampler;
use d2l_rnn::scratch::{GruScratch, LstmScratch, RnnScratch};
use d2l_rnn::train::{format_epoch_line, train, History, TrainConfig, TrainEvent};
use d2l_rnn::{Error, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "d2l-rnn",
    version,
    about = "Dive into Deep Learning: RNN language model on Jay Chou's lyrics"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Train a model (the from-scratch RNN by default) and print perplexity and lyrics every --pred-period epochs.
    Train(TrainArgs),
    /// Write text from a saved checkpoint (any model kind).
    Generate(GenerateArgs),
}

#[derive(Args)]
struct TrainArgs {
    /// Recurrent cell: rnn, gru or lstm.
    #[arg(long, default_value = "rnn")]
    model: ModelKind,
    /// Implementation: scratch (hand-written, SGD) or concise (nn layers, Adam).
    #[arg(long = "impl", default_value = "scratch")]
    implementation: Implementation,
    /// fast (the default) or readable: the from-scratch model that trains.
    #[arg(long, default_value = "fast")]
    engine: Engine,
    /// How mini-batches are cut from the corpus: random or consecutive
    /// [default: random for scratch, consecutive for concise, as in the section].
    #[arg(long)]
    sampling: Option<Sampling>,
    /// Number of epochs.
    #[arg(long, default_value_t = 250)]
    epochs: usize,
    /// Hidden units.
    #[arg(long, default_value_t = 256)]
    hidden: usize,
    /// Learning rate [default: 100 for scratch (SGD), 0.001 for concise (Adam)].
    #[arg(long)]
    lr: Option<f64>,
    /// Gradient clipping threshold on the global L2 norm.
    #[arg(long, default_value_t = 0.01)]
    clip: f64,
    /// Sequences per mini-batch.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Time steps per mini-batch.
    #[arg(long, default_value_t = 35)]
    num_steps: usize,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Train on this UTF-8 text file or zip instead of the lyrics.
    #[arg(long)]
    corpus: Option<PathBuf>,
    /// With --corpus: use only the first N characters (default: all).
    #[arg(long)]
    max_chars: Option<usize>,
    /// Write the per-epoch history as JSON to this file.
    #[arg(long)]
    history: Option<PathBuf>,
    /// Save the trained model (safetensors checkpoint) to this file.
    #[arg(long)]
    save: Option<PathBuf>,
    /// Predict every N epochs.
    #[arg(long, default_value_t = 50)]
    pred_period: usize,
    /// Characters to write after each prefix.
    #[arg(long, default_value_t = 50)]
    pred_len: usize,
    /// Prefixes to write from (repeat the flag for several).
    #[arg(long = "prefix", default_values_t = ["分开".to_string(), "不分开".to_string()])]
    prefixes: Vec<String>,
    /// Concise only: stacked recurrent layers.
    #[arg(long, default_value_t = 1)]
    num_layers: usize,
    /// Concise only: a second, backward direction in every layer.
    #[arg(long)]
    bidirectional: bool,
    /// Concise rnn only: tanh or relu.
    #[arg(long, default_value = "tanh")]
    nonlinearity: Nonlinearity,
}

#[derive(Args)]
struct GenerateArgs {
    /// Checkpoint written by `train --save`.
    #[arg(long)]
    load: PathBuf,
    /// Text to start from.
    #[arg(long, default_value = "分开")]
    prefix: String,
    /// Characters to write after the prefix.
    #[arg(long, default_value_t = 50)]
    len: usize,
    /// Sampling temperature: 0 is greedy (the section's predict_rnn), 1 samples
    /// the model's distribution, above 1 is more random.
    #[arg(long, default_value_t = 0.0)]
    temperature: f64,
    /// Sample only among the k most likely characters.
    #[arg(long)]
    top_k: Option<usize>,
    /// Seed of the sampling: the same seed writes the same text.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        None => run_section(),
        Some(Command::Train(args)) => run_train(args),
        Some(Command::Generate(args)) => run_generate(args),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// Trains `model` with a progress bar, printing the section's lines.
fn train_with_progress<M: RecurrentModel, O: Optimizer<M::Elem>>(
    model: &mut M,
    optimizer: &mut O,
    corpus: &Corpus,
    cfg: &TrainConfig,
    label: &str,
) -> Result<History> {
    cfg.validate()?;
    let bar = ProgressBar::new(cfg.num_epochs as u64);
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] epoch {pos}/{len} {msg} ({eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_prefix(label.to_string());
    let mut report = |event: TrainEvent<'_>| match event {
        TrainEvent::Epoch(r) => {
            bar.set_message(format!("perplexity {:.3}", r.perplexity));
            bar.inc(1);
        }
        TrainEvent::Predictions(r, texts) => {
            let lines = std::iter::once(format_epoch_line(r))
                .chain(texts.iter().map(|t| format!(" - {t}")));
            for line in lines {
                // A hidden bar (output not a terminal) drops println: print directly then.
                if bar.is_hidden() {
                    println!("{line}");
                } else {
                    bar.println(line);
                }
            }
        }
    };
    let history = train(model, optimizer, corpus, cfg, &mut report);
    bar.finish_and_clear();
    history
}

/// A from-scratch model of `kind` (weights N(0, 0.01²) seeded by `cfg.seed`), trained with SGD.
fn train_scratch(
    kind: ModelKind,
    engine: Engine,
    corpus: &Corpus,
    cfg: &TrainConfig,
    label: &str,
) -> Result<(AnyModel, History)> {
    cfg.validate()?;
    let (vocab, hidden, seed) = (corpus.vocab_size(), cfg.num_hiddens, cfg.seed);
    let mut sgd = Sgd { lr: cfg.lr };
    // The readable models train the same parameters; the result is handed
    // on as the fast model (same parameter types) for saving and writing text.
    Ok(match (kind, engine) {
        (ModelKind::Rnn, Engine::Fast) => {
            let mut m = RnnFast::init(vocab, hidden, seed);
            let h = train_with_progress(&mut m, &mut sgd, corpus, cfg, label)?;
            (AnyModel::RnnScratch(m), h)
        }
        (ModelKind::Rnn, Engine::Readable) => {
            let mut m = RnnScratch::init(vocab, hidden, seed);
            let h = train_with_progress(&mut m, &mut sgd, corpus, cfg, label)?;
            (AnyModel::RnnScratch(RnnFast::new(m.params)), h)
        }
        (ModelKind::Gru, Engine::Fast) => {
            let mut m = GruFast::init(vocab, hidden, seed);
            let h = train_with_progress(&mut m, &mut sgd, corpus, cfg, label)?;
            (AnyModel::GruScratch(m), h)
        }
        (ModelKind::Gru, Engine::Readable) => {
            let mut m = GruScratch::init(vocab, hidden, seed);
            let h = train_with_progress(&mut m, &mut sgd, corpus, cfg, label)?;
            (AnyModel::GruScratch(GruFast::new(m.params)), h)
        }
        (ModelKind::Lstm, Engine::Fast) => {
            let mut m = LstmFast::init(vocab, hidden, seed);
            let h = train_with_progress(&mut m, &mut sgd, corpus, cfg, label)?;
            (AnyModel::LstmScratch(m), h)
        }
        (ModelKind::Lstm, Engine::Readable) => {
            let mut m = LstmScratch::init(vocab, hidden, seed);
            let h = train_with_progress(&mut m, &mut sgd, corpus, cfg, label)?;
            (AnyModel::LstmScratch(LstmFast::new(m.params)), h)
        }
    })
}

/// Which from-scratch model trains: the fast engine (default) or the
/// readable model of `crate::scratch` (same numbers, slower).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Engine {
    Fast,
    Readable,
}

impl std::str::FromStr for Engine {
    type Err = Error;

    fn from_str(s: &str) -> Result<Engine> {
        match s.to_ascii_lowercase().as_str() {
            "fast" => Ok(Engine::Fast),
            "readable" => Ok(Engine::Readable),
            _ => Err(Error::InvalidArgument {
                name: "engine",
                value: s.to_string(),
                hint: "use fast or readable".into(),
            }),
        }
    }
}

fn train_concise<C: Cell<f32>>(
    corpus: &Corpus,
    cfg: &TrainConfig,
    layer: RnnConfig,
    label: &str,
) -> Result<(RNNModel<C>, History)> {
    cfg.validate()?;
    let layer = Recurrent::<C, f32>::new(layer, cfg.seed)?;
    let mut model = RNNModel::new(layer, corpus.vocab_size(), cfg.seed.wrapping_add(1))?;
    let history = train_with_progress(&mut model, &mut Adam::new(cfg.lr), corpus, cfg, label)?;
    Ok((model, history))
}

fn run_section() -> Result<()> {
    let corpus = load_data_jay_lyrics()?;
    println!(
        "corpus: {} characters, vocabulary {}",
        corpus.corpus_indices.len(),
        corpus.vocab_size()
    );
    let mut rows = Vec::new();
    for (sampling, section) in [
        (Sampling::Random, 1.296450),
        (Sampling::Consecutive, 1.166600),
    ] {
        println!("\n# {sampling} sampling");
        let cfg = TrainConfig {
            sampling,
            ..TrainConfig::default()
        };
        let (_, history) = train_scratch(
            ModelKind::Rnn,
            Engine::Fast,
            &corpus,
            &cfg,
            &format!("{sampling}"),
        )?;
        let path = PathBuf::from(format!("history-{sampling}.json"));
        history.save_json(&path)?;
        rows.push((sampling, history, section));
    }
    println!("\n| sampling    | perplexity, epoch 250 | section | seconds / epoch |");
    println!("|-------------|-----------------------|---------|-----------------|");
    for (sampling, history, section) in &rows {
        println!(
            "| {:<11} | {:>21.6} | {:>7.2} | {:>15.3} |",
            sampling.to_string(),
            history.final_perplexity().unwrap_or(f64::NAN),
            section,
            history.mean_epoch_seconds()
        );
    }
    let curves: Vec<(&str, &History)> = rows
        .iter()
        .map(|(sampling, history, _)| {
            (
                if *sampling == Sampling::Random {
                    "random"
                } else {
                    "consecutive"
                },
                history,
            )
        })
        .collect();
    let plot = PathBuf::from("perplexity.svg");
    d2l_rnn::plot::save_perplexity_svg(&plot, &curves)?;
    println!(
        "\nper-epoch histories: history-random.json, history-consecutive.json; curves: {}",
        plot.display()
    );
    Ok(())
}

fn run_train(args: TrainArgs) -> Result<()> {
    let concise = args.implementation == Implementation::Concise;
    if !concise
        && (args.num_layers != 1 || args.bidirectional || args.nonlinearity != Nonlinearity::Tanh)
    {
        return Err(Error::InvalidArgument {
            name: "impl",
            value: "scratch".into(),
            hint: "--num-layers, --bidirectional and --nonlinearity need --impl concise".into(),
        });
    }
    if concise && args.engine == Engine::Readable {
        return Err(Error::InvalidArgument {
            name: "engine",
            value: "readable".into(),
            hint: "the readable models are the from-scratch ones: use --impl scratch".into(),
        });
    }
    let corpus = match &args.corpus {
        Some(path) => load_corpus(path, args.max_chars)?,
        None => load_data_jay_lyrics()?,
    };
    let (default_lr, default_sampling) = if concise {
        (1e-3, Sampling::Consecutive)
    } else {
        (100.0, Sampling::Random)
    };
    let sampling = args.sampling.unwrap_or(default_sampling);
    let cfg = TrainConfig {
        num_epochs: args.epochs,
        num_steps: args.num_steps,
        batch_size: args.batch_size,
        lr: args.lr.unwrap_or(default_lr),
        clipping_theta: args.clip,
        num_hiddens: args.hidden,
        pred_period: args.pred_period,
        pred_len: args.pred_len,
        prefixes: args.prefixes.clone(),
        sampling,
        seed: args.seed,
    };
    let layer = RnnConfig {
        num_layers: args.num_layers,
        bidirectional: args.bidirectional,
        nonlinearity: args.nonlinearity,
        ..RnnConfig::new(corpus.vocab_size(), args.hidden)
    };
    let label = if args.model == ModelKind::Rnn && !concise {
        sampling.to_string()
    } else {
        format!("{} {} {sampling}", args.model, args.implementation)
    };
    let (model, history) = match (args.model, args.implementation) {
        (kind, Implementation::Scratch) => train_scratch(kind, args.engine, &corpus, &cfg, &label)?,
        (ModelKind::Rnn, Implementation::Concise) => {
            let (m, h) = train_concise::<RnnCell>(&corpus, &cfg, layer, &label)?;
            (AnyModel::Rnn(m), h)
        }
        (ModelKind::Gru, Implementation::Concise) => {
            let (m, h) = train_concise::<GruCell>(&corpus, &cfg, layer, &label)?;
            (AnyModel::Gru(m), h)
        }
        (ModelKind::Lstm, Implementation::Concise) => {
            let (m, h) = train_concise::<LstmCell>(&corpus, &cfg, layer, &label)?;
            (AnyModel::Lstm(m), h)
        }
    };
    println!(
        "final perplexity {:.6}, {:.3} sec per epoch",
        history.final_perplexity().unwrap_or(f64::NAN),
        history.mean_epoch_seconds()
    );
    if let Some(path) = &args.history {
        history.save_json(path)?;
        println!("history written to {}", path.display());
    }
    if let Some(path) = &args.save {
        model.save(path, &corpus.vocab)?;
        println!("model saved to {}", path.display());
    }
    Ok(())
}

fn run_generate(args: GenerateArgs) -> Result<()> {
    let (mut model, vocab) = load_any(&args.load)?;
    if args.prefix.is_empty() {
        return Err(Error::EmptyPrefix);
    }
    let sampler = Sampler {
        temperature: args.temperature,
        top_k: args.top_k,
        seed: args.seed,
    };
    println!(
        "{}",
        model.predict_with(&args.prefix, args.len, &vocab, &sampler)?
    );
    Ok(())
}
