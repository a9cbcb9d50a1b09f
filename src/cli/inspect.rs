//! `d2l-rnn inspect VIEW`: the views of `d2l_rnn::inspect` for a saved checkpoint or a
//! freshly initialised model, printed, and saved as JSON, SVG or HTML.

use super::new_model::new_model;
use super::options::{invalid, Engine, TrainOptions};
use clap::{Args, ValueEnum};
use d2l_rnn::checkpoint::{load_any, read_checkpoint, AnyModel, Implementation};
use d2l_rnn::data::{load_data_jay_lyrics, Vocab};
use d2l_rnn::inspect::{clipping_svg, gradient_svg, Html, LossAt};
use d2l_rnn::nn::ModelKind;
use d2l_rnn::train::History;
use d2l_rnn::{Error, Result};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The first 36 characters of the lyrics (35 steps, the section's `num_steps`), line breaks
/// read as spaces.
pub const DEFAULT_TEXT: &str =
    "想要有直升机 想要和你飞到宇宙去 想要和你融化在一起 融化在宇宙里 我每";

/// What `inspect` shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum View {
    /// The norm of dL/dH_t for every step t of the text.
    Gradients,
    /// The gradient norms training met, before clipping, against the threshold.
    Clipping,
    /// The text coloured by hidden units' activations, with the five likeliest next characters.
    Units,
    /// One prefix continued at several temperatures, with each text's perplexity.
    Temperature,
}

/// Which predictions the gradient view's loss is taken over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LossArg {
    /// The last prediction only.
    Last,
    /// The mean of all predictions' cross-entropies.
    All,
}

#[derive(Args)]
pub struct InspectArgs {
    /// What to look at.
    #[arg(value_enum)]
    pub view: View,
    /// Checkpoint written by `train --save` (any model kind); without it, a freshly
    /// initialised model of the section's shape.
    #[arg(long)]
    pub load: Option<PathBuf>,
    /// Text to read (gradients, units) or to continue (temperature) [default: the lyrics'
    /// first 36 characters; 分开 for temperature].
    #[arg(long)]
    pub text: Option<String>,
    /// gradients: the loss at the last step only, or the mean over all steps.
    #[arg(long, value_enum, default_value = "last")]
    pub loss: LossArg,
    /// Write the view's numbers as JSON to this file (gradients: {"norms": [...]}).
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Draw the view to this .svg or .html file.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Fresh model: rnn, gru or lstm [default: rnn].
    #[arg(long)]
    pub model: Option<ModelKind>,
    /// Fresh model: scratch or concise [default: scratch].
    #[arg(long = "impl")]
    pub implementation: Option<Implementation>,
    /// Fresh model: hidden units [default: 256].
    #[arg(long)]
    pub hidden: Option<usize>,
    /// Seed of a fresh model's weights and of the temperature view's sampling.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// units: show this unit (repeat the flag for several) [default: the --top units whose
    /// activation varies most over the text].
    #[arg(long = "unit")]
    pub units: Vec<usize>,
    /// units: how many of the most varying units to show when no --unit is given.
    #[arg(long, default_value_t = 3)]
    pub top: usize,
    /// temperature: characters to write after the prefix.
    #[arg(long, default_value_t = 50)]
    pub len: usize,
    /// temperature: the temperatures, comma-separated (0 is greedy).
    #[arg(long, value_delimiter = ',', default_values_t = [0.0, 0.5, 1.0, 1.5])]
    pub temperatures: Vec<f64>,
    /// clipping: a history JSON written by `train --history`, instead of the record a
    /// checkpoint keeps.
    #[arg(long)]
    pub history: Option<PathBuf>,
    /// clipping: the threshold drawn [default: the checkpoint's, else 0.01].
    #[arg(long)]
    pub clip: Option<f64>,
}

/// Where `--out` draws: an SVG document or an HTML page.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OutKind {
    Svg,
    Html,
}

/// Runs one view.
pub fn inspect(a: InspectArgs) -> Result<()> {
    let out = match &a.out {
        None => None,
        Some(path) => Some((path.clone(), out_kind(path)?)),
    };
    if a.load.is_some() && (a.model.is_some() || a.implementation.is_some() || a.hidden.is_some()) {
        return Err(invalid(
            "model",
            "--model/--impl/--hidden with --load",
            "these describe a fresh model; a loaded checkpoint has its own (leave --load out for a fresh one)",
        ));
    }
    if a.view == View::Clipping {
        return clipping(&a, out);
    }
    let (mut model, vocab, source) = model_for(&a)?;
    println!(
        "{} {} model, {} hidden units ({source})",
        model.kind(),
        model.implementation(),
        model.shape().num_hiddens
    );
    match a.view {
        View::Gradients => gradients(&a, &mut model, &vocab, out),
        View::Units => units(&a, &mut model, &vocab, out),
        View::Temperature => temperature(&a, &mut model, &vocab, out),
        View::Clipping => Ok(()),
    }
}

fn out_kind(path: &Path) -> Result<OutKind> {
    match path.extension().map(|e| e.to_ascii_lowercase()) {
        Some(e) if e == "svg" => Ok(OutKind::Svg),
        Some(e) if e == "html" || e == "htm" => Ok(OutKind::Html),
        _ => Err(invalid(
            "out",
            path.display(),
            "name a file ending in .svg or .html",
        )),
    }
}

/// The checkpoint's model, or a fresh one over the lyrics' vocabulary.
fn model_for(a: &InspectArgs) -> Result<(AnyModel, Vocab, String)> {
    if let Some(path) = &a.load {
        let (model, vocab) = load_any(path)?;
        return Ok((model, vocab, format!("loaded from {}", path.display())));
    }
    let corpus = load_data_jay_lyrics()?;
    let options = TrainOptions {
        model: a.model,
        implementation: a.implementation,
        engine: Engine::Fast,
        sampling: None,
        epochs: 0,
        hidden: a.hidden,
        lr: None,
        clip: None,
        batch_size: None,
        num_steps: None,
        seed: Some(a.seed),
        corpus: None,
        max_chars: None,
        history: None,
        save: None,
        load: None,
        plot: None,
        valid_frac: 0.0,
        pred_period: 1,
        pred_len: 0,
        prefixes: Vec::new(),
        num_layers: None,
        bidirectional: false,
        nonlinearity: None,
    };
    let model = new_model(&options, corpus.vocab_size(), a.seed)?;
    Ok((model, corpus.vocab, format!("fresh, seed {}", a.seed)))
}

fn gradients(
    a: &InspectArgs,
    model: &mut AnyModel,
    vocab: &Vocab,
    out: Option<(PathBuf, OutKind)>,
) -> Result<()> {
    let text = a.text.as_deref().unwrap_or(DEFAULT_TEXT);
    let loss_at = match a.loss {
        LossArg::Last => LossAt::Last,
        LossArg::All => LossAt::Mean,
    };
    let start = Instant::now();
    let g = model.gradient_through_time(vocab, text, loss_at)?;
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "|dL/dH_t| on {} characters ({} steps), loss {}:",
        text.chars().count(),
        g.norms.len(),
        match loss_at {
            LossAt::Last => "at the last step",
            LossAt::Mean => "the mean over all steps",
        }
    );
    for (t, (c, n)) in text.chars().zip(&g.norms).enumerate() {
        println!("{:>4}  {}  {n:.3e}", t + 1, visible(c));
    }
    if let (Some(first), Some(last)) = (g.norms.first(), g.norms.last()) {
        println!(
            "from H_T back to H_1 the norm changes by {:+.1} powers of ten; computed in {seconds:.3} s",
            (first / last).log10()
        );
    }
    if let Some(path) = &a.json {
        write_json(path, &json!({ "norms": g.norms }))?;
    }
    if let Some((path, kind)) = out {
        let label = format!("{} {}", model.kind(), model.implementation());
        save_svg(&path, kind, &gradient_svg(&[(&label, &g)])?)?;
    }
    Ok(())
}

fn units(
    a: &InspectArgs,
    model: &mut AnyModel,
    vocab: &Vocab,
    out: Option<(PathBuf, OutKind)>,
) -> Result<()> {
    let text = a.text.as_deref().unwrap_or(DEFAULT_TEXT);
    let reading = model.read_units(vocab, text)?;
    reading.check_units(&a.units)?;
    let chosen = if a.units.is_empty() {
        println!(
            "the {} units whose activation varies most over the text:",
            a.top
        );
        reading.units_by_variance(a.top)
    } else {
        a.units.clone()
    };
    for &j in &chosen {
        println!("unit {j} (variance {:.3}):", reading.variance(j));
        let cells: Vec<String> = reading
            .chars
            .iter()
            .zip(&reading.activations)
            .map(|(&c, h)| format!("{}{:+.2}", visible(c), h[j]))
            .collect();
        for line in cells.chunks(12) {
            println!("  {}", line.join(" "));
        }
    }
    if let Some(path) = &a.json {
        write_json(
            path,
            &json!({ "units": chosen, "chars": reading.chars, "activations": reading.activations,
                     "top": reading.top }),
        )?;
    }
    if let Some((path, kind)) = out {
        match kind {
            OutKind::Html => reading.html(&chosen).save(&path)?,
            OutKind::Svg => d2l_rnn::io::write_atomic(&path, reading.svg(&chosen).as_bytes())?,
        }
        println!("drawn to {}", path.display());
    }
    Ok(())
}

fn temperature(
    a: &InspectArgs,
    model: &mut AnyModel,
    vocab: &Vocab,
    out: Option<(PathBuf, OutKind)>,
) -> Result<()> {
    let prefix = a.text.as_deref().unwrap_or("分开");
    if prefix.is_empty() {
        return Err(Error::EmptyPrefix);
    }
    let t = model.temperatures(vocab, prefix, a.len, &a.temperatures, a.seed)?;
    println!("temperature  perplexity under the model  text");
    for s in &t.samples {
        println!("{:>11}  {:>26.2}  {}", s.temperature, s.perplexity, s.text);
    }
    if let Some(path) = &a.json {
        write_json(path, &serde_json::to_value(&t).unwrap_or_default())?;
    }
    if let Some((path, kind)) = out {
        match kind {
            OutKind::Html => t.html().save(&path)?,
            OutKind::Svg => d2l_rnn::io::write_atomic(&path, t.svg().as_bytes())?,
        }
        println!("drawn to {}", path.display());
    }
    Ok(())
}

/// The clipping record of `--history`, else the one `--load`'s checkpoint keeps.
fn clipping(a: &InspectArgs, out: Option<(PathBuf, OutKind)>) -> Result<()> {
    let (history, saved_clip) = match (&a.history, &a.load) {
        (Some(path), _) => (History::load_json(path)?, None),
        (None, Some(path)) => {
            let (model, _) = load_any(path)?;
            let (bytes, info) = read_checkpoint(path)?;
            let state = model.read_training_state(path, &bytes, &info.metadata)?;
            let record = state
                .as_ref()
                .map(|s| s.history.clone())
                .unwrap_or_default();
            if record.is_empty() {
                return Err(invalid(
                    "load",
                    path.display(),
                    "this checkpoint keeps no training record (saved by `save`, or before the \
                     record was kept): train with `train --save`, or pass --history FILE written \
                     by `train --history`",
                ));
            }
            let history = History {
                epochs: record,
                samples: Vec::new(),
            };
            (history, state.map(|s| s.clip))
        }
        (None, None) => {
            return Err(invalid(
                "load",
                "(none)",
                "the clipping view draws what training met: --load a checkpoint saved by \
                 `train --save`, or --history FILE written by `train --history`",
            ))
        }
    };
    let theta = a.clip.or(saved_clip).unwrap_or(0.01);
    let records: Vec<_> = history
        .epochs
        .iter()
        .filter_map(|e| e.clipping.map(|c| (e.epoch, c)))
        .collect();
    if records.is_empty() {
        return Err(invalid(
            "history",
            "its epochs",
            "no epoch has gradient norms (written before they were recorded): train again",
        ));
    }
    println!("gradient norm before clipping, theta = {theta}:");
    println!("epoch        min     median        max  clipped");
    let every = records.len().div_ceil(10).max(1);
    for (i, (epoch, c)) in records.iter().enumerate() {
        if i % every == 0 || i + 1 == records.len() {
            println!(
                "{epoch:>5}  {:>9.3e}  {:>9.3e}  {:>9.3e}  {:>6.1}%",
                c.grad_norm_min,
                c.grad_norm_median,
                c.grad_norm_max,
                100.0 * c.clipped_share
            );
        }
    }
    if let Some(path) = &a.json {
        let epochs: Vec<_> = records
            .iter()
            .map(|(epoch, c)| {
                json!({ "epoch": epoch, "grad_norm_min": c.grad_norm_min,
                "grad_norm_median": c.grad_norm_median, "grad_norm_max": c.grad_norm_max,
                "clipped_share": c.clipped_share })
            })
            .collect();
        write_json(path, &json!({ "theta": theta, "epochs": epochs }))?;
    }
    if let Some((path, kind)) = out {
        save_svg(&path, kind, &clipping_svg(&history, theta)?)?;
    }
    Ok(())
}

/// A space as an open box, so that it can be seen.
fn visible(c: char) -> char {
    if c == ' ' {
        '␣'
    } else {
        c
    }
}

/// Writes a figure as it is (`.svg`) or inside a page (`.html`).
fn save_svg(path: &Path, kind: OutKind, svg: &str) -> Result<()> {
    match kind {
        OutKind::Svg => d2l_rnn::io::write_atomic(path, svg.as_bytes())?,
        OutKind::Html => Html::new(svg).save(path)?,
    }
    println!("drawn to {}", path.display());
    Ok(())
}

fn write_json(path: &Path, value: &serde_json::Value) -> Result<()> {
    d2l_rnn::io::write_atomic(path, format!("{value}\n").as_bytes())?;
    println!("numbers written to {}", path.display());
    Ok(())
}
