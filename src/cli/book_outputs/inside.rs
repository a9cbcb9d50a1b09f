//! The figures of the chapter that looks inside the networks: the gradient through time of
//! the three from-scratch models, freshly initialised and trained, and what clipping met
//! while the RNN trained, and what happens with a looser threshold or none.

use super::figures::Figures;
use super::{options, read_json, RUNS};
use crate::cli::train::{run_train, TrainOptions};
use d2l_rnn::checkpoint::{load_any, AnyModel};
use d2l_rnn::data::Corpus;
use d2l_rnn::fast::{GruFast, LstmFast, RnnFast};
use d2l_rnn::inspect::{clipping_svg, gradient_svg, GradientThroughTime, LossAt};
use d2l_rnn::train::History;
use d2l_rnn::{Error, Result};
use serde_json::json;
use std::path::{Path, PathBuf};

/// The runs whose trained models are compared, with their labels.
pub const TRAINED: [(&str, &str); 3] = [
    ("rnn-consecutive", "RNN"),
    ("gru-scratch", "GRU"),
    ("lstm-scratch", "LSTM"),
];

/// Characters of the lyrics the gradient is measured on (the first ones of the corpus).
pub const PASSAGE_LEN: usize = 50;

/// Writes into `out`: `gradient-fresh.svg`, `gradient-trained.svg`, `gradient.json`,
/// `clipping.svg`, `units.html` (the trained RNN's three most varying units on the passage)
/// and `temperatures.html` (it continues 分开 at 0, 0.5, 1 and 1.5); into `figures`, how
/// many powers of ten the gradient's norm falls from the last state back to the first
/// (`gradient.{fresh,trained}.{rnn,gru,lstm}.decades`) and each continuation's perplexity
/// (`temperature.T.perplexity`). `checkpoint(name)` is where the run `name` of [`TRAINED`]
/// saved its model.
pub fn inside_outputs(
    out: &Path,
    corpus: &Corpus,
    checkpoint: impl Fn(&str) -> PathBuf,
    consecutive: &History,
    figures: &mut Figures,
) -> Result<()> {
    let passage = corpus.vocab.decode(&corpus.corpus_indices[..PASSAGE_LEN]);
    let v = corpus.vocab_size();
    let fresh_models = [
        AnyModel::RnnScratch(RnnFast::init(v, 256, 0)),
        AnyModel::GruScratch(GruFast::init(v, 256, 0)),
        AnyModel::LstmScratch(LstmFast::init(v, 256, 0)),
    ];
    let mut fresh = Vec::new();
    for (mut model, (_, label)) in fresh_models.into_iter().zip(TRAINED) {
        fresh.push((
            label,
            model.gradient_through_time(&corpus.vocab, &passage, LossAt::Last)?,
        ));
    }
    let mut trained = Vec::new();
    for (name, label) in TRAINED {
        let (mut model, vocab) = load_any(&checkpoint(name))?;
        trained.push((
            label,
            model.gradient_through_time(&vocab, &passage, LossAt::Last)?,
        ));
    }
    for (state, series) in [("fresh", &fresh), ("trained", &trained)] {
        let pairs: Vec<(&str, &GradientThroughTime)> =
            series.iter().map(|(l, g)| (*l, g)).collect();
        super::write(
            &out.join(format!("gradient-{state}.svg")),
            &gradient_svg(&pairs)?,
        )?;
        for (label, g) in series.iter() {
            if let (Some(first), Some(last)) = (g.norms.first(), g.norms.last()) {
                let key = format!("gradient.{state}.{}.decades", label.to_lowercase());
                figures.insert(key, (last / first).log10());
            }
        }
    }
    let (mut rnn, vocab) = load_any(&checkpoint(TRAINED[0].0))?;
    let reading = rnn.read_units(&vocab, &passage)?;
    let units = reading.units_by_variance(3);
    super::write(
        &out.join("units.html"),
        &format!("{}\n", reading.html(&units).fragment()),
    )?;
    let temps = rnn.temperatures(&vocab, "分开", 50, &[0.0, 0.5, 1.0, 1.5], 0)?;
    super::write(
        &out.join("temperatures.html"),
        &format!("{}\n", temps.html().fragment()),
    )?;
    for s in &temps.samples {
        figures.insert(
            format!("temperature.{}.perplexity", s.temperature),
            s.perplexity,
        );
    }
    let record = json!({
        "text": passage,
        "loss_at": LossAt::Last,
        "fresh": fresh.iter().map(|(l, g)| (l.to_string(), json!(g.norms))).collect::<serde_json::Map<_, _>>(),
        "trained": trained.iter().map(|(l, g)| (l.to_string(), json!(g.norms))).collect::<serde_json::Map<_, _>>(),
    });
    super::write(&out.join("gradient.json"), &format!("{record:#}\n"))?;
    super::write(&out.join("clipping.svg"), &clipping_svg(consecutive, 0.01)?)?;
    Ok(())
}

/// The section's RNN (consecutive sampling, lr 100) with a looser threshold and with none:
/// `theta = 1` for three epochs (`rnn-clip1.json`, and the perplexity's power of ten after
/// each as `rnn-clip1.log10_perplexity.N`), and the epoch in which an unclipped run
/// diverges (`rnn-noclip.diverged_epoch`; clipping at 1e30 never acts).
pub fn clipping_runs(out: &Path, figures: &mut Figures) -> Result<()> {
    println!("\n# RNN, clipping at 1 instead of 0.01 (3 epochs)");
    let json = out.join("rnn-clip1.json");
    run_train(TrainOptions {
        clip: Some(1.0),
        epochs: 3,
        pred_period: 1,
        pred_len: 10,
        ..options(&RUNS[1], json.clone())
    })?;
    for e in read_json(&json)?.epochs {
        let key = format!("rnn-clip1.log10_perplexity.{}", e.epoch);
        figures.insert(key, e.perplexity.log10());
    }
    println!("\n# RNN without clipping (stops when it diverges)");
    let unclipped = run_train(TrainOptions {
        clip: Some(1e30),
        epochs: 5,
        history: None,
        ..options(&RUNS[1], out.join("unused.json"))
    });
    match unclipped {
        Err(Error::Diverged { epoch, .. }) => {
            figures.insert("rnn-noclip.diverged_epoch".into(), epoch as f64);
        }
        Err(e) => return Err(e),
        Ok(()) => {} // no figure: a chapter quoting it then fails to build
    }
    Ok(())
}
