//! Drawing the perplexity curves on any plotters backend (SVG, PNG).

use super::PLOT_TITLE;
use crate::train::{EpochRecord, History};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::fmt;

/// Line colours, one per series (matplotlib's `tab10`, cycled).
const COLORS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The usable points of one history: finite, positive perplexities.
fn points(history: &History, value: impl Fn(&EpochRecord) -> Option<f64>) -> Vec<(f64, f64)> {
    history
        .epochs
        .iter()
        .filter_map(|r| value(r).map(|v| (r.epoch as f64, v)))
        .filter(|&(_, v)| v.is_finite() && v > 0.0)
        .collect()
}

/// Tick labels without float noise: `1`, `2.5`, `100`, `1000`.
fn tick_label(v: &f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// Log-axis ticks 1, 2, 5, 10, 20, 50, ... (times powers of ten) within `lo..=hi`.
fn ticks_1_2_5(lo: f64, hi: f64) -> Vec<f64> {
    let mut ticks = Vec::new();
    let mut decade = 10f64.powf(lo.log10().floor());
    while decade <= hi {
        for m in [1.0, 2.0, 5.0] {
            let v = m * decade;
            if (lo..=hi).contains(&v) {
                ticks.push(v);
            }
        }
        decade *= 10.0;
    }
    if ticks.len() < 2 {
        // A narrow range (say 0.9 to 1.6): five ticks spread evenly in log
        // terms, rounded to two significant digits.
        ticks = (0..5)
            .map(|i| {
                let v = lo * (hi / lo).powf((i as f64 + 0.5) / 5.0);
                let unit = 10f64.powf(v.log10().floor() - 1.0);
                (v / unit).round() * unit
            })
            .collect();
        ticks.dedup();
    }
    ticks
}

/// Draws everything into `svg`; errors are plotters' messages.
pub(super) fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    series: &[(&str, &History)],
) -> std::result::Result<(), String>
where
    DB::ErrorType: 'static,
{
    // Each history's training curve, and its held-out curve when it has one.
    let mut lines: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    let mut held_out = false;
    for (label, h) in series {
        lines.push((label.to_string(), points(h, |r| Some(r.perplexity))));
        let valid = points(h, |r| r.valid_perplexity);
        if !valid.is_empty() {
            held_out = true;
            lines.push((format!("{label} (held out)"), valid));
        }
    }
    let all = lines.iter().flat_map(|(_, p)| p.iter());
    let (max_epoch, lo, hi) = all.fold((0.0f64, f64::INFINITY, 0.0f64), |(e, lo, hi), &(x, y)| {
        (e.max(x), lo.min(y), hi.max(y))
    });
    let (lo, hi) = if hi > 0.0 {
        // Some air above and below the curves, in log terms.
        (lo / 1.2, hi * 1.2)
    } else {
        (1.0, 10.0)
    };
    let max_epoch = max_epoch.max(1.0);

    let err = |e: &dyn fmt::Display| e.to_string();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(PLOT_TITLE, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(
            0.0..max_epoch,
            (lo..hi).log_scale().with_key_points(ticks_1_2_5(lo, hi)),
        )
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc("perplexity (log scale)")
        .x_label_formatter(&tick_label)
        .y_label_formatter(&|v| tick_label(v))
        .axis_desc_style(("sans-serif", 16))
        .label_style(("sans-serif", 13))
        .x_max_light_lines(1)
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(205, 205, 205))
        .draw()
        .map_err(|e| err(&e))?;
    for (i, (label, pts)) in lines.into_iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        chart
            .draw_series(LineSeries::new(pts, color.stroke_width(2)))
            .map_err(|e| err(&e))?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(2))
            });
    }
    if !series.is_empty() {
        chart
            .configure_series_labels()
            // Training curves fall, leaving the upper right empty; held-out curves
            // rise there, leaving the lower left.
            .position(if held_out {
                SeriesLabelPosition::LowerLeft
            } else {
                SeriesLabelPosition::UpperRight
            })
            .label_font(("sans-serif", 15))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(160, 160, 160))
            .draw()
            .map_err(|e| err(&e))?;
    }
    root.present().map_err(|e| err(&e))?;
    Ok(())
}
