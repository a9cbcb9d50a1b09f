//! `d2l-rnn inspect VIEW`: the views of `d2l_rnn::inspect` for a saved checkpoint or a
//! freshly initialised model, printed, and saved as JSON, SVG or HTML. The views of a model
//! are in `views`, the clipping record (of a checkpoint or a history file) in `clipping`.

mod clipping;
mod views;

use super::new_model::new_model;
use super::options::{invalid, Engine, TrainOptions};
use clap::{Args, ValueEnum};
use d2l_rnn::checkpoint::{load_any, AnyModel, Implementation};
use d2l_rnn::data::{load_data_jay_lyrics, Vocab};
use d2l_rnn::inspect::Html;
use d2l_rnn::nn::ModelKind;
use d2l_rnn::Result;
use std::path::{Path, PathBuf};

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
pub(super) enum OutKind {
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
        return clipping::clipping(&a, out);
    }
    let (mut model, vocab, source) = model_for(&a)?;
    println!(
        "{} {} model, {} hidden units ({source})",
        model.kind(),
        model.implementation(),
        model.shape().num_hiddens
    );
    match a.view {
        View::Gradients => views::gradients(&a, &mut model, &vocab, out),
        View::Units => views::units(&a, &mut model, &vocab, out),
        View::Temperature => views::temperature(&a, &mut model, &vocab, out),
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

/// Writes a view drawn as HTML or as SVG, whichever `kind` asks for.
fn save_drawing(
    path: &Path,
    kind: OutKind,
    html: impl FnOnce() -> Html,
    svg: impl FnOnce() -> String,
) -> Result<()> {
    match kind {
        OutKind::Html => html().save(path)?,
        OutKind::Svg => d2l_rnn::io::write_atomic(path, svg().as_bytes())?,
    }
    println!("drawn to {}", path.display());
    Ok(())
}

/// Writes a figure as it is (`.svg`) or inside a page (`.html`).
pub(super) fn save_svg(path: &Path, kind: OutKind, svg: &str) -> Result<()> {
    match kind {
        OutKind::Svg => d2l_rnn::io::write_atomic(path, svg.as_bytes())?,
        OutKind::Html => Html::new(svg).save(path)?,
    }
    println!("drawn to {}", path.display());
    Ok(())
}

pub(super) fn write_json(path: &Path, value: &serde_json::Value) -> Result<()> {
    d2l_rnn::io::write_atomic(path, format!("{value}\n").as_bytes())?;
    println!("numbers written to {}", path.display());
    Ok(())
}
