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
//!         .map(|(i, &p)| EpochRecord { epoch: i + 1, perplexity: p, seconds: 0.1, ..Default::default() })
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
use crate::train::History;
use plotters::prelude::*;
use std::fmt;
use std::path::Path;

pub(crate) mod draw;
#[cfg(feature = "png")]
mod png;

#[cfg(feature = "png")]
pub use png::{perplexity_png, save_perplexity_png};

/// Width and height of the plot, in SVG pixels.
pub const PLOT_SIZE: (u32, u32) = (720, 440);

/// Title drawn above the curves.
pub const PLOT_TITLE: &str = "Perplexity per epoch";

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
///     epochs: (1..=50).map(|e| EpochRecord { epoch: e, perplexity: 1000.0 / e as f64, seconds: 0.0, ..Default::default() }).collect(),
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
/// let late = History { epochs: vec![EpochRecord { epoch: 240, perplexity: 1.3, seconds: 0.0, ..Default::default() },
///                                   EpochRecord { epoch: 250, perplexity: 1.05, seconds: 0.0, ..Default::default() }], samples: vec![] };
/// let svg = perplexity_svg(&[("late", &late)])?;
/// for tick in ["0.93", "1", "1.2", "1.3", "1.5"] {
///     assert!(svg.contains(&format!("\n{tick}\n</text>")), "no tick {tick}");
/// }
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn perplexity_svg(series: &[(&str, &History)]) -> Result<String> {
    #[cfg(feature = "png")]
    png::register_font().map_err(png::plot_error)?;
    let mut svg = String::new();
    let root = SVGBackend::with_string(&mut svg, PLOT_SIZE).into_drawing_area();
    draw::draw(root, series).map_err(|message| Error::Io {
        path: "<perplexity plot>".into(),
        source: std::io::Error::other(message),
    })?;
    Ok(svg)
}

/// Draws `chart` as an SVG document; `what` names it in an error.
pub(crate) fn chart_svg(chart: &draw::Chart<'_>, what: &str) -> Result<String> {
    let failed = |message: String| Error::Io {
        path: format!("<{what}>").into(),
        source: std::io::Error::other(message),
    };
    #[cfg(feature = "png")]
    png::register_font().map_err(failed)?;
    let mut svg = String::new();
    let root = SVGBackend::with_string(&mut svg, PLOT_SIZE).into_drawing_area();
    draw::draw_chart(root, chart).map_err(failed)?;
    Ok(svg)
}

/// Writes [`perplexity_svg`] to `path` atomically (a temporary file in the
/// same folder, then a rename), creating the folder if needed.
///
/// ```
/// use d2l_rnn::train::{EpochRecord, History};
/// let h = History { epochs: vec![EpochRecord { epoch: 1, perplexity: 900.0, seconds: 0.1, ..Default::default() }], samples: vec![] };
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

/// A drawn figure that owns its SVG, so it can live in a notebook variable: the
/// perplexity curves here, the views of [`crate::inspect`]. In an evcxr Jupyter notebook a
/// cell ending with a `Figure` shows it inline ([`Figure::evcxr_display`]).
///
/// ```
/// use d2l_rnn::plot::PerplexityPlot;
/// use d2l_rnn::train::{EpochRecord, History};
/// let h = History { epochs: vec![EpochRecord { epoch: 1, perplexity: 900.0, seconds: 0.1, ..Default::default() },
///                                EpochRecord { epoch: 2, perplexity: 300.0, seconds: 0.1, ..Default::default() }], samples: vec![] };
/// let plot = PerplexityPlot::new(&[("random", &h)])?;
/// assert!(plot.svg().starts_with("<svg"));
/// assert_eq!(format!("{plot:?}"), format!("Figure {{ svg: {} bytes }}", plot.svg().len()));
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Figure {
    svg: String,
}

/// The perplexity curves' figure: [`PerplexityPlot::new`] draws them.
pub type PerplexityPlot = Figure;

impl Figure {
    /// Draws `series` as [`perplexity_svg`] does.
    pub fn new(series: &[(&str, &History)]) -> Result<Self> {
        Ok(Figure {
            svg: perplexity_svg(series)?,
        })
    }

    /// A figure holding `svg`.
    pub(crate) fn from_svg(svg: String) -> Self {
        Figure { svg }
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

    /// Shows the figure inline in an evcxr Jupyter notebook, through
    /// `evcxr_runtime`: `EVCXR_BEGIN_CONTENT image/svg+xml`, the SVG and
    /// `EVCXR_END_CONTENT` in one `println!`.
    pub fn evcxr_display(&self) {
        evcxr_runtime::mime_type("image/svg+xml").text(self.svg.trim_end());
    }

    /// What [`Figure::evcxr_display`] prints.
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

impl evcxr_runtime::Display for Figure {
    fn evcxr_display(&self) {
        Figure::evcxr_display(self)
    }
}

impl fmt::Debug for Figure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Figure {{ svg: {} bytes }}", self.svg.len())
    }
}

/// Several runs in one plot, for a notebook cell: as [`PerplexityPlot::new`],
/// but a drawing failure becomes a small SVG that shows the error message
/// instead of an `Err` (so that the cell still displays something).
///
/// ```
/// use d2l_rnn::plot::plot_histories;
/// use d2l_rnn::train::{EpochRecord, History};
/// let a = History { epochs: vec![EpochRecord { epoch: 1, perplexity: 2.0, seconds: 0.0, ..Default::default() }], samples: vec![] };
/// let b = a.clone();
/// let svg = plot_histories(&[("random", &a), ("consecutive", &b)]).into_svg();
/// assert!(svg.contains("\nrandom\n</text>") && svg.contains("\nconsecutive\n</text>"));
/// ```
pub fn plot_histories(series: &[(&str, &History)]) -> PerplexityPlot {
    PerplexityPlot::new(series).unwrap_or_else(|e| Figure::from_svg(error_svg(&e.to_string())))
}

impl History {
    /// This run's perplexity curve, labelled `label`; see [`plot_histories`].
    ///
    /// ```
    /// use d2l_rnn::train::{EpochRecord, History};
    /// let h = History { epochs: vec![EpochRecord { epoch: 1, perplexity: 5.0, seconds: 0.0, ..Default::default() }], samples: vec![] };
    /// assert!(h.plot("consecutive").svg().contains("\nconsecutive\n</text>"));
    /// ```
    pub fn plot(&self, label: &str) -> PerplexityPlot {
        plot_histories(&[(label, self)])
    }

    /// A `History` that ends a notebook cell shows its curve (and its
    /// held-out curve, if any), labelled `perplexity`.
    pub fn evcxr_display(&self) {
        self.plot("perplexity").evcxr_display()
    }
}

impl evcxr_runtime::Display for History {
    fn evcxr_display(&self) {
        History::evcxr_display(self)
    }
}

/// A minimal SVG holding one line of text.
pub(crate) fn error_svg(message: &str) -> String {
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
