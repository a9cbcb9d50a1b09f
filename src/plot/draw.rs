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

/// Tick labels without float noise: `1`, `2.5`, `100`, `1000`; below 0.001 or from
/// 100,000 up, powers of ten as `1e-6`, `1e5`.
fn tick_label(v: &f64) -> String {
    if *v != 0.0 && !(1e-3..1e5).contains(&v.abs()) {
        let exponent = v.log10().round();
        let mantissa = v / 10f64.powf(exponent);
        return if (mantissa - 1.0).abs() < 1e-9 {
            format!("1e{exponent}")
        } else {
            format!("{mantissa:.1}e{exponent}")
        };
    }
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// Ticks of a log axis: 1-2-5 within a few decades ([`ticks_1_2_5`]); over more, one
/// power of ten every `step` decades so that at most about ten are drawn.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let decades = (hi / lo).log10();
    if decades <= 4.0 {
        return ticks_1_2_5(lo, hi);
    }
    let step = (decades / 10.0).ceil().max(1.0);
    let first = (lo.log10() / step).ceil() * step;
    let mut ticks = Vec::new();
    let mut e = first;
    while e <= hi.log10() {
        ticks.push(10f64.powf(e));
        e += step;
    }
    ticks
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

/// Draws the perplexity curves of `series` (and their held-out curves) as a [`Chart`].
pub(super) fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    series: &[(&str, &History)],
) -> std::result::Result<(), String>
where
    DB::ErrorType: 'static,
{
    // Each history's training curve, and its held-out curve when it has one.
    let mut lines: Vec<Line> = Vec::new();
    let mut held_out = false;
    for (label, h) in series {
        lines.push(Line::new(
            label.to_string(),
            points(h, |r| Some(r.perplexity)),
        ));
        let valid = points(h, |r| r.valid_perplexity);
        if !valid.is_empty() {
            held_out = true;
            lines.push(Line::new(format!("{label} (held out)"), valid));
        }
    }
    let chart = Chart {
        title: PLOT_TITLE,
        x_desc: "epoch",
        y_desc: "perplexity (log scale)",
        lines,
        // Training curves fall, leaving the upper right empty; held-out curves rise there,
        // leaving the lower left.
        legend: if held_out {
            SeriesLabelPosition::LowerLeft
        } else {
            SeriesLabelPosition::UpperRight
        },
        empty_y: (1.0, 10.0),
    };
    draw_chart(root, &chart)
}

/// One line of a [`Chart`]: its legend label and its points.
pub(crate) struct Line {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    /// Drawn thin and dashed-looking (a light colour), for reference lines such as a threshold.
    pub reference: bool,
}

impl Line {
    /// A curve of the next colour.
    pub fn new(label: String, points: Vec<(f64, f64)>) -> Line {
        Line {
            label,
            points,
            reference: false,
        }
    }
}

/// Lines over a linear x axis and a logarithmic y axis.
pub(crate) struct Chart<'a> {
    pub title: &'a str,
    pub x_desc: &'a str,
    pub y_desc: &'a str,
    pub lines: Vec<Line>,
    /// Where the legend goes unless another corner covers fewer points of the lines.
    pub legend: SeriesLabelPosition,
    /// The y range drawn when no line has a positive finite point.
    pub empty_y: (f64, f64),
}

/// Draws `chart` into `root`; errors are plotters' messages. Both axes cover all lines;
/// points whose y is not a finite positive number are left out.
pub(crate) fn draw_chart<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    chart: &Chart<'_>,
) -> std::result::Result<(), String>
where
    DB::ErrorType: 'static,
{
    let usable = |p: &&(f64, f64)| p.1.is_finite() && p.1 > 0.0 && p.0.is_finite();
    let all = chart
        .lines
        .iter()
        .flat_map(|l| l.points.iter().filter(usable));
    let (max_x, lo, hi) = all.fold((0.0f64, f64::INFINITY, 0.0f64), |(e, lo, hi), &(x, y)| {
        (e.max(x), lo.min(y), hi.max(y))
    });
    let (lo, hi) = if hi > 0.0 {
        // Some air above and below the curves, in log terms.
        (lo / 1.2, hi * 1.2)
    } else {
        chart.empty_y
    };
    let max_x = max_x.max(1.0);

    let err = |e: &dyn fmt::Display| e.to_string();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut plot = ChartBuilder::on(&root)
        .caption(chart.title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(
            0.0..max_x,
            (lo..hi).log_scale().with_key_points(log_ticks(lo, hi)),
        )
        .map_err(|e| err(&e))?;
    plot.configure_mesh()
        .x_desc(chart.x_desc)
        .y_desc(chart.y_desc)
        .x_label_formatter(&tick_label)
        .y_label_formatter(&|v| tick_label(v))
        .axis_desc_style(("sans-serif", 16))
        .label_style(("sans-serif", 13))
        .x_max_light_lines(1)
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(205, 205, 205))
        .draw()
        .map_err(|e| err(&e))?;
    let mut next_color = 0;
    for line in &chart.lines {
        let (color, width) = if line.reference {
            (RGBColor(90, 90, 90), 1)
        } else {
            next_color += 1;
            (COLORS[(next_color - 1) % COLORS.len()], 2)
        };
        let pts: Vec<(f64, f64)> = line.points.iter().filter(usable).copied().collect();
        plot.draw_series(LineSeries::new(pts, color.stroke_width(width)))
            .map_err(|e| err(&e))?
            .label(line.label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(width))
            });
    }
    if !chart.lines.is_empty() {
        // Every line as pixels, with points between its data points, to find a free corner.
        let mut pixels = Vec::new();
        for line in &chart.lines {
            let pts: Vec<(f64, f64)> = line.points.iter().filter(usable).copied().collect();
            for pair in pts.windows(2) {
                let (a, b) = (plot.backend_coord(&pair[0]), plot.backend_coord(&pair[1]));
                for k in 0..=8 {
                    let f = |u: i32, v: i32| u + (v - u) * k / 8;
                    pixels.push((f(a.0, b.0), f(a.1, b.1)));
                }
            }
            if let [only] = pts.as_slice() {
                pixels.push(plot.backend_coord(only));
            }
        }
        let longest = chart.lines.iter().map(|l| l.label.chars().count()).max();
        let legend_size = (
            50 + 9 * longest.unwrap_or(0) as i32,
            12 + 20 * chart.lines.len() as i32,
        );
        let area = plot.plotting_area().get_pixel_range();
        plot.configure_series_labels()
            .position(free_corner(&chart.legend, area, legend_size, &pixels))
            .label_font(("sans-serif", 15))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(160, 160, 160))
            .draw()
            .map_err(|e| err(&e))?;
    }
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// The corner of the plotting `area` (pixel ranges) where a legend box of `size` covers the
/// fewest of `pixels`: `preferred` unless another corner covers fewer.
fn free_corner(
    preferred: &SeriesLabelPosition,
    area: (std::ops::Range<i32>, std::ops::Range<i32>),
    size: (i32, i32),
    pixels: &[(i32, i32)],
) -> SeriesLabelPosition {
    use SeriesLabelPosition::{LowerLeft, LowerRight, UpperLeft, UpperRight};
    let (xs, ys) = area;
    let margin = 10;
    let covered = |corner: &SeriesLabelPosition| {
        let (left, top) = match corner {
            UpperLeft => (xs.start + margin, ys.start + margin),
            UpperRight => (xs.end - margin - size.0, ys.start + margin),
            LowerLeft => (xs.start + margin, ys.end - margin - size.1),
            _ => (xs.end - margin - size.0, ys.end - margin - size.1),
        };
        pixels
            .iter()
            .filter(|(x, y)| (left..=left + size.0).contains(x) && (top..=top + size.1).contains(y))
            .count()
    };
    let mut best = (preferred.clone(), covered(preferred));
    for corner in [UpperRight, UpperLeft, LowerRight, LowerLeft] {
        let n = covered(&corner);
        if n < best.1 {
            best = (corner, n);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legend_moves_to_the_corner_the_lines_leave_free() {
        let area = (0..400, 0..300);
        // A line along the top edge: the upper corners are taken; the lower right is free.
        let top: Vec<(i32, i32)> = (0..400).map(|x| (x, 30)).collect();
        let corner = free_corner(
            &SeriesLabelPosition::UpperRight,
            area.clone(),
            (100, 60),
            &top,
        );
        assert!(matches!(corner, SeriesLabelPosition::LowerRight));
        // Nothing in the way: the preferred corner stays.
        let corner = free_corner(&SeriesLabelPosition::UpperLeft, area, (100, 60), &[]);
        assert!(matches!(corner, SeriesLabelPosition::UpperLeft));
    }
}
