//! What gradient clipping met during training: each epoch's gradient norms before
//! clipping, against the threshold.

use crate::error::Result;
use crate::plot::draw::{Chart, Line};
use crate::plot::{chart_svg, error_svg, Figure};
use crate::train::{ClipStats, History};
use plotters::prelude::SeriesLabelPosition;

/// Draws, per epoch of `history`, the smallest, median and largest global gradient norm
/// \\(\\|g\\|\\) of its mini-batches before clipping (recorded as
/// [`crate::train::ClipStats`]), and the threshold \\(\theta\\) as a thin line: every point
/// above it is a step that was scaled down to length \\(\theta\\). Epochs without the record
/// (histories written before it existed) are left out.
///
/// ```
/// use d2l_rnn::inspect::clipping_svg;
/// use d2l_rnn::train::{ClipStats, EpochRecord, History};
/// let epoch = |e, max| EpochRecord { epoch: e, perplexity: 10.0, seconds: 0.0, valid_perplexity: None,
///     clipping: ClipStats::from_norms(&[0.2, 0.5, max], 0.01) };
/// let h = History { epochs: vec![epoch(1, 3.0), epoch(2, 8.0)], samples: vec![] };
/// let svg = clipping_svg(&h, 0.01)?;
/// for text in ["max", "median", "min", "theta = 0.01"] {
///     assert!(svg.contains(&format!("\n{text}\n</text>")), "missing {text}");
/// }
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn clipping_svg(history: &History, theta: f64) -> Result<String> {
    let series = |value: fn(&ClipStats) -> f64| -> Vec<(f64, f64)> {
        history
            .epochs
            .iter()
            .filter_map(|e| e.clipping.as_ref().map(|c| (e.epoch as f64, value(c))))
            .collect()
    };
    let last = history.epochs.last().map_or(1.0, |e| e.epoch as f64);
    let mut lines = vec![
        Line::new("max".into(), series(|c| c.grad_norm_max)),
        Line::new("median".into(), series(|c| c.grad_norm_median)),
        Line::new("min".into(), series(|c| c.grad_norm_min)),
    ];
    if theta.is_finite() && theta > 0.0 {
        lines.push(Line {
            label: format!("theta = {theta}"),
            points: vec![(0.0, theta), (last, theta)],
            reference: true,
        });
    }
    let chart = Chart {
        title: "Gradient norm before clipping",
        x_desc: "epoch",
        y_desc: "|g| (log scale)",
        lines,
        legend: SeriesLabelPosition::UpperRight,
        empty_y: (theta.max(1e-6), 1.0),
    };
    chart_svg(&chart, "clipping plot")
}

/// [`clipping_svg`] as a [`Figure`] for a notebook cell; a drawing failure becomes a figure
/// that shows the message.
///
/// ```
/// use d2l_rnn::inspect::plot_clipping;
/// use d2l_rnn::train::{ClipStats, EpochRecord, History};
/// let record = EpochRecord { epoch: 1, perplexity: 9.0, clipping: ClipStats::from_norms(&[0.5, 2.0], 1.0),
///     ..Default::default() };
/// let fig = plot_clipping(&History { epochs: vec![record], samples: vec![] }, 1.0);
/// assert!(fig.svg().contains("\ntheta = 1\n</text>"));
/// assert!(fig.evcxr_content().starts_with("EVCXR_BEGIN_CONTENT image/svg+xml\n<svg"));
/// ```
pub fn plot_clipping(history: &History, theta: f64) -> Figure {
    Figure::from_svg(clipping_svg(history, theta).unwrap_or_else(|e| error_svg(&e.to_string())))
}
