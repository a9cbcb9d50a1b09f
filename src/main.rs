//! `d2l-rnn`: the section's experiments from the command line.
//!
//! - `d2l-rnn` (no arguments): the from-scratch experiment with both sampling
//!   modes and the section's settings, then the perplexity table.
//! - `d2l-rnn train [options]`: one run with your settings; `--model
//!   rnn|gru|lstm` and `--impl scratch|concise` choose the model (default: the
//!   from-scratch RNN with SGD; concise models train with Adam).
//! - `d2l-rnn generate --load FILE --prefix 分开 --len 50`: text from any
//!   checkpoint, greedy by default; `--temperature`, `--top-k` and `--seed` sample.
//! - `d2l-rnn inspect gradients|clipping|units|temperature [--load FILE]`: the views
//!   inside a network, printed and saved as JSON, SVG or HTML.
//! - `d2l-rnn book-outputs [--check]`: the book's training logs, tables and curves.
//! - `d2l-rnn book-runner`: runs the book's cells for its Run buttons (127.0.0.1:3001).

mod cli;

use clap::{Args, Parser, Subcommand};
use cli::progress::train_with_progress;
use cli::train::{Engine, TrainOptions};
use d2l_rnn::checkpoint::{load_any, Implementation};
use d2l_rnn::data::{load_data_jay_lyrics, Sampling};
use d2l_rnn::fast::RnnFast;
use d2l_rnn::nn::{ModelKind, Nonlinearity};
use d2l_rnn::optim::Sgd;
use d2l_rnn::predict::Sampler;
use d2l_rnn::train::{History, TrainConfig};
use d2l_rnn::{Error, Result};
use std::io::Write;
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
    Train(Box<TrainArgs>),
    /// Write text from a saved checkpoint (any model kind).
    Generate(GenerateArgs),
    /// Look inside a model: gradients through time, what clipping met, what hidden units read, temperature.
    Inspect(Box<cli::inspect::InspectArgs>),
    /// Train every model the book shows and write its logs, table and curves (about 5 minutes).
    BookOutputs(BookOutputsArgs),
    /// Run the book's Rust cells for the Run buttons of `mdbook serve book` (listens on 127.0.0.1 only).
    BookRunner(BookRunnerArgs),
}

#[derive(Args)]
struct BookRunnerArgs {
    /// Port on 127.0.0.1.
    #[arg(long, default_value_t = 3001)]
    port: u16,
    /// The book's folder (with book.toml and src/).
    #[arg(long, default_value = "book")]
    book: PathBuf,
    /// Where the cells are compiled (built once at start).
    #[arg(long, default_value = "target/book-runner")]
    work_dir: PathBuf,
    /// Another page origin allowed to call the runner (besides http://localhost:3000 and http://127.0.0.1:3000); repeat for more.
    #[arg(long = "origin")]
    origins: Vec<String>,
    /// Also run code that is not one of the book's cells (edited cells): it runs with your rights.
    #[arg(long)]
    allow_edited: bool,
    /// Seconds a cell may run before it is stopped.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
    /// Bytes of a cell's output kept.
    #[arg(long, default_value_t = 65536)]
    max_output: usize,
}

#[derive(Args)]
struct BookOutputsArgs {
    /// Folder the chapters include the outputs from.
    #[arg(long, default_value = "book/src/generated")]
    dir: PathBuf,
    /// Compare fresh outputs with the folder's (timings aside) instead of writing; exit 1 when they differ.
    #[arg(long)]
    check: bool,
    /// Only the outputs shown under the chapters' cells (each cell compiled and run; no training).
    #[arg(long)]
    cells_only: bool,
}

#[derive(Args)]
struct TrainArgs {
    /// Recurrent cell: rnn, gru or lstm [default: rnn; with --load, the checkpoint's].
    #[arg(long)]
    model: Option<ModelKind>,
    /// Implementation: scratch (hand-written, SGD) or concise (nn layers, Adam)
    /// [default: scratch; with --load, the checkpoint's].
    #[arg(long = "impl")]
    implementation: Option<Implementation>,
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
    /// Hidden units [default: 256].
    #[arg(long)]
    hidden: Option<usize>,
    /// Learning rate [default: 100 for scratch (SGD), 0.001 for concise (Adam)].
    #[arg(long)]
    lr: Option<f64>,
    /// Gradient clipping threshold on the global L2 norm [default: 0.01].
    #[arg(long)]
    clip: Option<f64>,
    /// Sequences per mini-batch [default: 32].
    #[arg(long)]
    batch_size: Option<usize>,
    /// Time steps per mini-batch [default: 35].
    #[arg(long)]
    num_steps: Option<usize>,
    /// Seed of every random choice [default: 0].
    #[arg(long)]
    seed: Option<u64>,
    /// Train on this UTF-8 text file or zip instead of the lyrics.
    #[arg(long)]
    corpus: Option<PathBuf>,
    /// With --corpus: use only the first N characters (default: all).
    #[arg(long)]
    max_chars: Option<usize>,
    /// Write the per-epoch history as JSON to this file.
    #[arg(long)]
    history: Option<PathBuf>,
    /// Save the trained model (safetensors checkpoint) to this file, with
    /// the epochs done, the settings and the optimizer's state.
    #[arg(long)]
    save: Option<PathBuf>,
    /// Draw this run's perplexity curves (and the held-out one) to this .svg or .png file.
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Go on training the model in this checkpoint (any kind): its settings
    /// hold unless a flag overrides them, and --epochs counts further epochs.
    #[arg(long)]
    load: Option<PathBuf>,
    /// Keep this fraction of the corpus (its end) out of training and report
    /// its perplexity every epoch [default: 0, nothing held out].
    #[arg(long, default_value_t = 0.0)]
    valid_frac: f64,
    /// Predict every N epochs.
    #[arg(long, default_value_t = 50)]
    pred_period: usize,
    /// Characters to write after each prefix.
    #[arg(long, default_value_t = 50)]
    pred_len: usize,
    /// Prefixes to write from (repeat the flag for several).
    #[arg(long = "prefix", default_values_t = ["分开".to_string(), "不分开".to_string()])]
    prefixes: Vec<String>,
    /// Concise only: stacked recurrent layers [default: 1].
    #[arg(long)]
    num_layers: Option<usize>,
    /// Concise only: a second, backward direction in every layer.
    #[arg(long)]
    bidirectional: bool,
    /// Concise rnn only: tanh or relu [default: tanh].
    #[arg(long)]
    nonlinearity: Option<Nonlinearity>,
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

/// Rust ignores SIGPIPE, so printing into a closed pipe (`d2l-rnn train |
/// head`) would panic; the default action ends the program quietly instead.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default before any
    // thread starts has no other effect.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() {
    restore_sigpipe();
    let cli = Cli::parse();
    let result = match cli.command {
        None => run_section(),
        Some(Command::Train(args)) => run_train(*args),
        Some(Command::Generate(args)) => run_generate(args),
        Some(Command::Inspect(args)) => cli::inspect::inspect(*args),
        Some(Command::BookOutputs(args)) => run_book_outputs(args),
        Some(Command::BookRunner(a)) => {
            cli::book_runner::book_runner(cli::book_runner::RunnerOptions {
                port: a.port,
                book: a.book,
                work_dir: a.work_dir,
                origins: a.origins,
                allow_edited: a.allow_edited,
                timeout: std::time::Duration::from_secs(a.timeout),
                max_output: a.max_output,
            })
        }
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
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
        let mut model = RnnFast::init(corpus.vocab_size(), cfg.num_hiddens, cfg.seed);
        let mut sgd = Sgd { lr: cfg.lr };
        let label = sampling.to_string();
        let history = train_with_progress(&mut model, &mut sgd, &corpus, &cfg, &label)?;
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

fn run_train(a: TrainArgs) -> Result<()> {
    cli::train::run_train(TrainOptions {
        model: a.model,
        implementation: a.implementation,
        engine: a.engine,
        sampling: a.sampling,
        epochs: a.epochs,
        hidden: a.hidden,
        lr: a.lr,
        clip: a.clip,
        batch_size: a.batch_size,
        num_steps: a.num_steps,
        seed: a.seed,
        corpus: a.corpus,
        max_chars: a.max_chars,
        history: a.history,
        save: a.save,
        load: a.load,
        plot: a.plot,
        valid_frac: a.valid_frac,
        pred_period: a.pred_period,
        pred_len: a.pred_len,
        prefixes: a.prefixes,
        num_layers: a.num_layers,
        bidirectional: a.bidirectional,
        nonlinearity: a.nonlinearity,
    })
}

fn run_book_outputs(args: BookOutputsArgs) -> Result<()> {
    if cli::book_outputs::book_outputs(&args.dir, args.check, args.cells_only)? {
        return Ok(());
    }
    eprintln!(
        "error: the book's outputs in {} are not current: run `cargo run --release -- book-outputs` and commit them",
        args.dir.display()
    );
    std::process::exit(1);
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
    // Each character is written as soon as it is chosen: a long text streams, and a reader
    // that stops early (`| head`) ends the run at once.
    let mut out = std::io::stdout().lock();
    let mut buf = [0u8; 4];
    let stdout_error = |source| Error::Io {
        path: PathBuf::from("standard output"),
        source,
    };
    let written = model.predict_streaming(&args.prefix, args.len, &vocab, &sampler, |c| {
        out.write_all(c.encode_utf8(&mut buf).as_bytes())
            .and_then(|()| out.flush())
            .map_err(stdout_error)
    });
    let ended = written.and_then(|()| writeln!(out).map_err(stdout_error));
    match ended {
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
