//! A unit reading drawn: the passage coloured by each chosen unit's activation, with the
//! model's five likeliest next characters under every character; HTML for notebooks and
//! the book, SVG for files.

use super::html::{escape, Html};
use super::units::UnitReading;
use itertools::{izip, Itertools};

/// Characters per row of the SVG.
const SVG_COLUMNS: usize = 18;
/// Width and height of one character's cell in the SVG, guesses included.
const CELL: (f64, f64) = (50.0, 104.0);
const FONTS: &str = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', sans-serif";

impl UnitReading {
    /// For each unit of `units`, the passage with each character's background coloured by
    /// the unit's activation (−1 blue, 0 white, +1 red; the value is the cell's `title`)
    /// and, under it, the five likeliest next characters with their probabilities. A unit
    /// the model does not have shows a line saying so ([`UnitReading::check_units`]).
    pub fn html(&self, units: &[usize]) -> Html {
        let mut out = String::from(
            "<style>.units .row { display: flex; flex-wrap: wrap; gap: 2px; margin-bottom: 1.2em; }\
             .units .cell { display: inline-flex; flex-direction: column; align-items: center; \
             min-width: 2.6em; } .units .ch { font-size: 1.35em; padding: 0 0.15em; min-width: 1.1em; text-align: center; } \
             .units .top { font-size: 0.68em; color: #444; line-height: 1.25; white-space: nowrap; }</style>\n<div class=\"units\">\n",
        );
        for &j in units {
            if let Err(e) = self.check_units(&[j]) {
                out.push_str(&format!("<p>{}</p>\n", escape(&e.to_string())));
                continue;
            }
            out.push_str(&format!(
                "<p>unit {j} (variance {:.3})</p>\n<div class=\"row\">\n",
                self.variance(j)
            ));
            for (c, h, top) in izip!(&self.chars, &self.activations, &self.top) {
                let guesses = top
                    .iter()
                    .map(|(g, p)| format!("{} {p:.2}", escape(&display(*g))))
                    .join("<br>");
                out.push_str(&format!(
                    "<span class=\"cell\"><span class=\"ch\" style=\"background: {}; color: {}\" title=\"{:.3}\">{}</span>\
                     <span class=\"top\">{guesses}</span></span>\n",
                    diverging(h[j]),
                    ink(h[j]),
                    h[j],
                    escape(&display(*c))
                ));
            }
            out.push_str("</div>\n");
        }
        out.push_str("</div>");
        Html::new(out)
    }

    /// The same view as an SVG document: rows of 18 characters, each on a square of the
    /// unit's colour with its value as the square's `<title>`, the five guesses under it.
    ///
    /// ```
    /// use d2l_rnn::data::Vocab;
    /// use d2l_rnn::fast::RnnFast;
    /// use d2l_rnn::inspect::read_units;
    /// let vocab = Vocab::from_text("分开不了我你");
    /// let r = read_units(&mut RnnFast::init(vocab.len(), 8, 0), &vocab, "分开了我")?;
    /// let svg = r.svg(&[0, 5]);
    /// assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
    /// assert_eq!(svg.matches("<rect class=\"ch\"").count(), 2 * 4); // each unit shows the passage
    /// # Ok::<(), d2l_rnn::Error>(())
    /// ```
    pub fn svg(&self, units: &[usize]) -> String {
        let n = self.chars.len();
        let rows_per_unit = n.div_ceil(SVG_COLUMNS).max(1);
        let title_height = 30.0;
        let unit_height = title_height + rows_per_unit as f64 * CELL.1 + 14.0;
        let width = 20.0 + SVG_COLUMNS.min(n.max(1)) as f64 * CELL.0;
        let height = 10.0 + units.len() as f64 * unit_height;
        let mut out = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
             viewBox=\"0 0 {width} {height}\" font-family=\"{FONTS}\">\n\
             <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        );
        for (k, &j) in units.iter().enumerate() {
            let top_y = 10.0 + k as f64 * unit_height;
            let heading = match self.check_units(&[j]) {
                Ok(()) => format!("unit {j} (variance {:.3})", self.variance(j)),
                Err(e) => e.to_string(),
            };
            out.push_str(&format!(
                "<text x=\"10\" y=\"{}\" font-size=\"15\">{}</text>\n",
                top_y + 18.0,
                escape(&heading)
            ));
            if self.check_units(&[j]).is_err() {
                continue;
            }
            for (i, (c, h, top)) in izip!(&self.chars, &self.activations, &self.top).enumerate() {
                let x = 10.0 + (i % SVG_COLUMNS) as f64 * CELL.0;
                let y = top_y + title_height + (i / SVG_COLUMNS) as f64 * CELL.1;
                out.push_str(&format!(
                    "<rect class=\"ch\" x=\"{}\" y=\"{y}\" width=\"{}\" height=\"34\" fill=\"{}\">\
                     <title>{:.3}</title></rect>\n<text x=\"{}\" y=\"{}\" font-size=\"22\" \
                     text-anchor=\"middle\" fill=\"{}\">{}</text>\n",
                    x + 2.0,
                    CELL.0 - 4.0,
                    diverging(h[j]),
                    h[j],
                    x + CELL.0 / 2.0,
                    y + 25.0,
                    ink(h[j]),
                    escape(&display(*c))
                ));
                for (r, (g, p)) in top.iter().enumerate() {
                    out.push_str(&format!(
                        "<text x=\"{}\" y=\"{}\" font-size=\"10.5\" text-anchor=\"middle\" \
                         fill=\"#444\">{} {p:.2}</text>\n",
                        x + CELL.0 / 2.0,
                        y + 48.0 + r as f64 * 12.5,
                        escape(&display(*g))
                    ));
                }
            }
        }
        out.push_str("</svg>\n");
        out
    }
}

/// A space shown as an open box, so that it can be seen and coloured.
fn display(c: char) -> String {
    if c == ' ' {
        "␣".into()
    } else {
        c.to_string()
    }
}

/// White characters on the darker backgrounds, black on the lighter ones.
fn ink(v: f64) -> &'static str {
    if v.abs() > 0.55 {
        "white"
    } else {
        "black"
    }
}

/// −1 → blue, 0 → white, +1 → red (values outside are clamped).
pub(crate) fn diverging(v: f64) -> String {
    let v = if v.is_finite() {
        v.clamp(-1.0, 1.0)
    } else {
        0.0
    };
    let (r, g, b) = if v >= 0.0 {
        (178.0, 24.0, 43.0)
    } else {
        (33.0, 102.0, 172.0)
    };
    let mix = |c: f64| (255.0 + (c - 255.0) * v.abs()).round() as u8;
    format!("rgb({}, {}, {})", mix(r), mix(g), mix(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_runs_from_blue_through_white_to_red() {
        assert_eq!(diverging(0.0), "rgb(255, 255, 255)");
        assert_eq!(diverging(1.0), "rgb(178, 24, 43)");
        assert_eq!(diverging(-3.0), "rgb(33, 102, 172)");
        assert_eq!(diverging(f64::NAN), "rgb(255, 255, 255)");
    }
}
