//! Perplexity curves: one line per training run, drawn as SVG with
//! [plotters](https://docs.rs/plotters).
//!
//! x is the epoch, y the epoch's perplexity \\(\exp(\bar L)\\) on a log scale
//! (it falls from about the vocabulary size, 1,027, to near 1, so a linear
//! axis would hide everything after the first epochs).
//!
//! | section (PyTorch)                       | here                                        |
//! |-----------------------------------------|---------------------------------------------|
//! | `print('epoch %d, perplexity %f' ...)`  | [`History`] records every epoch             |
//! | `d2l.semilogy(...)` / matplotlib        | [`perplexity_svg`], [`save_perplexity_svg`] |
//! | inline figure in Jupyter                | [`PerplexityPlot::evcxr_display`]           |
//!
//! Text is written as SVG `<text>` elements in the `sans-serif` family, so
//! rendering needs no font files on the machine that makes the plot (plotters
//! is built without its `ttf` feature); the viewer's browser picks the font.
//! Without font metrics, plotters estimates text widths from the byte length
//! of the text, so ASCII labels lay out best (a CJK label gets a legend box
//! about twice as wide as needed).
//!
//! ```
//! use d2l_rnn::plot::{perplexity_svg, PerplexityPlot};
//! use d2l_rnn::train::{EpochRecord, History};
//! let history = |ppl: &[f64]| History {
//!     epochs: ppl.iter().enumerate()
//!         .map(|(i, &p)| EpochRecord { epoch: i + 1, perplexity: p, seconds: 0.1, valid_perplexity: None })
//!         .collect(),
//!     samples: vec![],
//! };
//! let (random, consecutive) = (history(&[900.0, 60.0, 9.0, 1.3]), history(&[800.0, 50.0, 6.0, 1.1]));
//! let svg = perplexity_svg(&[("random", &random), ("consecutive", &consecutive)])?;
//! assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
//! // plotters writes each text on its own line inside <text>...</text>
//! for text in ["random", "consecutive", "epoch", "perplexity (log scale)", "1", "10", "100", "1000"] {
//!     assert!(svg.contains(&format!("\n{text}\n</text>")), "missing {text}");
//! }
//! // two curves and two legend marks are the only 2-pixel lines
//! assert_eq!(svg.matches(r#"stroke-width="2" points"#).count(), 2 + 2);
//!
//! let plot = random.plot("random"); // one run, for a notebook cell
//! assert!(plot.svg().contains("\nrandom\n</text>"));
//! # Ok::<(), d2l_rnn::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::train::{EpochRecord, History};
use plotters::prelude::*;
use std::fmt;
use std::path::Path;

/// Width and height of the plot, in SVG pixels.
pub const PLOT_SIZE: (u32, u32) = (720, 440);

/// Title drawn above the curves.
pub const PLOT_TITLE: &str = "Perplexity per epoch";

/// Line colours, one per series (matplotlib's `tab10`, cycled).
const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// Draws the perplexity curves of `series` (`(label, history)` pairs, one
/// line each) and returns the SVG document.
///
/// Point \\((e, p)\\) of a line is epoch \\(e\\) (1-based) and its perplexity
/// \\(p = \exp\big(\frac1N \sum_r \ell_r\big)\\), the exponential of the mean
/// cross-entropy over the epoch's \\(N\\) predictions. The y axis is
/// logarithmic; both axes cover all series. Points whose perplexity is not a
/// finite positive number are skipped. No series, or only empty histories,
/// give empty axes (epochs 0 to 1, perplexity 1 to 10).
///
/// Errors only if plotters fails to draw, which writing into a `String` does not.
///
/// ```
/// use d2l_rnn::plot::perplexity_svg;
/// use d2l_rnn::train::{EpochRecord, History};
/// let h = History {
///     epochs: (1..=50).map(|e| EpochRecord { epoch: e, perplexity: 1000.0 / e as f64, seconds: 0.0, valid_perplexity: None }).collect(),
///     samples: vec![],
/// };
/// let svg = perplexity_svg(&[("random", &h)])?;
/// assert!(svg.starts_with("<svg") && svg.contains("\nrandom\n</text>"));
/// assert!(svg.contains("\nPerplexity per epoch\n</text>"));
/// for tick in ["20", "50", "100", "200", "500", "1000"] { // log-scale ticks 1-2-5
///     assert!(svg.contains(&format!("\n{tick}\n</text>")), "no tick {tick}");
/// }
/// assert!(perplexity_svg(&[]).is_ok()); // empty axes
///
/// // A narrow range still gets several ticks: 0.875 to 1.56 gets 0.93, 1, 1.2, 1.3, 1.5.
/// let late = History { epochs: vec![EpochRecord { epoch: 240, perplexity: 1.3, seconds: 0.0, valid_perplexity: None },
///                                   EpochRecord { epoch: 250, perplexity: 1.05, seconds: 0.0, valid_perplexity: None }], samples: vec![] };
/// let svg = perplexity_svg(&[("late", &late)])?;
/// for tick in ["0.93", "1", "1.2", "1.3", "1.5"] {
///     assert!(svg.contains(&format!("\n{tick}\n</text>")), "no tick {tick}");
/// }
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn perplexity_svg(series: &[(&str, &History)]) -> Result<String> {
    let mut svg = String::new();
    draw(&mut svg, series).map_err(|message| Error::Io {
        path: "<perplexity plot>".into(),
        source: std::io::Error::other(message),
    })?;
    Ok(svg)
}

/// Writes [`perplexity_svg`] to `path` atomically (a temporary file in the
/// same folder, then a rename), creating the folder if needed.
///
/// ```
/// use d2l_rnn::train::{EpochRecord, History};
/// let h = History { epochs: vec![EpochRecord { epoch: 1, perplexity: 900.0, seconds: 0.1, valid_perplexity: None }], samples: vec![] };
/// let path = std::env::temp_dir().join(format!("d2l-rnn-doc-plot-{}.svg", std::process::id()));
/// d2l_rnn::plot::save_perplexity_svg(&path, &[("random", &h)])?;
/// assert!(std::fs::read_to_string(&path).unwrap().starts_with("<svg"));
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn save_perplexity_svg(path: impl AsRef<Path>, series: &[(&str, &History)]) -> Result<()> {
    let svg = perplexity_svg(series)?;
    crate::io::write_atomic(path.as_ref(), svg.as_bytes())
}

/// A drawn perplexity plot that owns its SVG, so it can live in a notebook
/// variable. In an evcxr Jupyter notebook a cell ending with a
/// `PerplexityPlot` shows the figure inline ([`PerplexityPlot::evcxr_display`]).
///
/// ```
/// use d2l_rnn::plot::PerplexityPlot;
/// use d2l_rnn::train::{EpochRecord, History};
/// let h = History { epochs: vec![EpochRecord { epoch: 1, perplexity: 900.0, seconds: 0.1, valid_perplexity: None },
///                                EpochRecord { epoch: 2, perplexity: 300.0, seconds: 0.1, valid_perplexity: None }], samples: vec![] };
/// let plot = PerplexityPlot::new(&[("random", &h)])?;
/// assert!(plot.svg().starts_with("<svg"));
/// assert_eq!(format!("{plot:?}"), format!("PerplexityPlot {{ svg: {} bytes }}", plot.svg().len()));
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PerplexityPlot {
    svg: String,
}

impl PerplexityPlot {
    /// Draws `series` as [`perplexity_svg`] does.
    pub fn new(series: &[(&str, &History)]) -> Result<Self> {
        Ok(PerplexityPlot {
            svg: perplexity_svg(series)?,
        })
    }

    /// The SVG document.
    pub fn svg(&self) -> &str {
        &self.svg
    }

    /// Consumes the plot, returning the SVG document.
    pub fn into_svg(self) -> String {
        self.svg
    }

    /// Writes the SVG to `path` atomically.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::io::write_atomic(path.as_ref(), self.svg.as_bytes())
    }

    /// Shows the plot inline in an evcxr Jupyter notebook: prints
    /// `EVCXR_BEGIN_CONTENT image/svg+xml`, the SVG and `EVCXR_END_CONTENT`
    /// in one `print!`, so output from other threads cannot land in between.
    pub fn evcxr_display(&self) {
        print!("{}", self.evcxr_content());
    }

    /// What [`PerplexityPlot::evcxr_display`] prints.
    ///
    /// ```
    /// let plot = d2l_rnn::plot::PerplexityPlot::new(&[])?;
    /// let out = plot.evcxr_content();
    /// assert!(out.starts_with("EVCXR_BEGIN_CONTENT image/svg+xml\n<svg"));
    /// assert!(out.ends_with("</svg>\nEVCXR_END_CONTENT\n"));
    /// # Ok::<(), d2l_rnn::Error>(())
    /// ```
    pub fn evcxr_content(&self) -> String {
        format!(
            "EVCXR_BEGIN_CONTENT image/svg+xml\n{}\nEVCXR_END_CONTENT\n",
            self.svg.trim_end()
        )
    }
}

impl fmt::Debug for PerplexityPlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PerplexityPlot {{ svg: {} bytes }}", self.svg.len())
    }
}

/// Several runs in one plot, for a notebook cell: as [`PerplexityPlot::new`],
/// but a drawing failure becomes a small SVG that shows the error message
/// instead of an `Err` (so that the cell still displays something).
///
/// ```
/// use d2l_rnn::plot::plot_histories;
/// use d2l_rnn::train::{EpochRecord, History};
/// let a = History { epochs: vec![EpochRecord { epoch: 1, perplexity: 2.0, seconds: 0.0, valid_perplexity: None }], samples: vec![] };
/// let b = a.clone();
/// let svg = plot_histories(&[("random", &a), ("consecutive", &b)]).into_svg();
/// assert!(svg.contains("\nrandom\n</text>") && svg.contains("\nconsecutive\n</text>"));
/// ```
pub fn plot_histories(series: &[(&str, &History)]) -> PerplexityPlot {
    PerplexityPlot::new(series).unwrap_or_else(|e| PerplexityPlot {
        svg: error_svg(&e.to_string()),
    })
}

impl History {
    /// This run's perplexity curve, labelled `label`; see [`plot_histories`].
    ///
    /// ```
    /// use d2l_rnn::train::{EpochRecord, History};
    /// let h = History { epochs: vec![EpochRecord { epoch: 1, perplexity: 5.0, seconds: 0.0, valid_perplexity: None }], samples: vec![] };
    /// assert!(h.plot("consecutive").svg().contains("\nconsecutive\n</text>"));
    /// ```
    pub fn plot(&self, label: &str) -> PerplexityPlot {
        plot_histories(&[(label, self)])
    }
}

/// A minimal SVG holding one line of text.
fn error_svg(message: &str) -> String {
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<svg width=\"{w}\" height=\"60\" viewBox=\"0 0 {w} 60\" xmlns=\"http://www.w3.org/2000/svg\">\
         <text x=\"10\" y=\"35\" font-family=\"sans-serif\" font-size=\"14\">plot failed: {escaped}</text></svg>",
        w = PLOT_SIZE.0
    )
}

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
fn draw(svg: &mut String, series: &[(&str, &History)]) -> std::result::Result<(), String> {
    // Each history's training curve, and its held-out curve when it has one.
    let mut lines: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for (label, h) in series {
        lines.push((label.to_string(), points(h, |r| Some(r.perplexity))));
        let valid = points(h, |r| r.valid_perplexity);
        if !valid.is_empty() {
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

    let root = SVGBackend::with_string(svg, PLOT_SIZE).into_drawing_area();
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
            .position(SeriesLabelPosition::LowerLeft)
            .label_font(("sans-serif", 15))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(160, 160, 160))
            .draw()
            .map_err(|e| err(&e))?;
    }
    root.present().map_err(|e| err(&e))?;
    Ok(())
}
