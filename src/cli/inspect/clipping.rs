//! The clipping view: the gradient norms a training run met, from the record a checkpoint
//! keeps or from a history file.

use super::{save_svg, write_json, InspectArgs, OutKind};
use crate::cli::options::invalid;
use d2l_rnn::checkpoint::{load_any, read_checkpoint};
use d2l_rnn::inspect::clipping_svg;
use d2l_rnn::train::History;
use d2l_rnn::Result;
use serde_json::json;
use std::path::PathBuf;

/// The clipping record of `--history`, else the one `--load`'s checkpoint keeps.
pub(super) fn clipping(a: &InspectArgs, out: Option<(PathBuf, OutKind)>) -> Result<()> {
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
