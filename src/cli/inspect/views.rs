//! The views of a model: the gradient through time, what hidden units read, temperature.

use super::{save_drawing, save_svg, write_json, InspectArgs, LossArg, OutKind, DEFAULT_TEXT};
use d2l_rnn::checkpoint::AnyModel;
use d2l_rnn::data::Vocab;
use d2l_rnn::inspect::{gradient_svg, LossAt};
use d2l_rnn::{Error, Result};
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

pub(super) fn gradients(
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

pub(super) fn units(
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
        save_drawing(
            &path,
            kind,
            || reading.html(&chosen),
            || reading.svg(&chosen),
        )?;
    }
    Ok(())
}

pub(super) fn temperature(
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
        save_drawing(&path, kind, || t.html(), || t.svg())?;
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
