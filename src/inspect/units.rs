//! What a hidden unit reads: a passage coloured by one unit's activation, with the model's
//! five likeliest next characters under each character.

use super::html::{escape, Html};
use crate::data::Vocab;
use crate::error::{Error, Result};
use crate::fast::FastReal;
use crate::model::{Parameters, RecurrentModelExt};
use itertools::{izip, Itertools};
use ndarray::Array2;
use num_traits::ToPrimitive;
use serde::Serialize;

/// A passage read by a model: each hidden unit's activation after each character, and the
/// five likeliest next characters the model gave there.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnitReading {
    /// The passage, one entry per character.
    pub chars: Vec<char>,
    /// `activations[t][j]`: unit `j` of \\(H_t\\) after reading `chars[t]` (the last layer's
    /// for a concise model; \\(H_t\\), not \\(C_t\\), for an LSTM).
    pub activations: Vec<Vec<f64>>,
    /// `top[t]`: the five likeliest characters after `chars[..=t]` and their probabilities,
    /// likeliest first.
    pub top: Vec<Vec<(char, f64)>>,
}

/// Reads `text` with `model` from a zero state, one character at a time. Errors when
/// `text` is empty or has a character outside `vocab`.
///
/// ```
/// use d2l_rnn::data::Vocab;
/// use d2l_rnn::fast::RnnFast;
/// use d2l_rnn::inspect::read_units;
/// let vocab = Vocab::from_text("分开不了我你");
/// let mut model = RnnFast::init(vocab.len(), 8, 0);
/// let r = read_units(&mut model, &vocab, "分开了我")?;
/// assert_eq!((r.chars.len(), r.activations[0].len(), r.top[0].len()), (4, 8, 5));
/// assert!(r.top.iter().all(|t| t.windows(2).all(|w| w[0].1 >= w[1].1))); // likeliest first
/// let units = r.units_by_variance(2);
/// assert_eq!(units.len(), 2);
/// assert!(r.variance(units[0]) >= r.variance(units[1]));
/// let html = r.html(&units);
/// assert_eq!(html.fragment().matches("class=\"ch\"").count(), 2 * 4); // each unit shows the passage
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn read_units<M>(model: &mut M, vocab: &Vocab, text: &str) -> Result<UnitReading>
where
    M: RecurrentModelExt,
    M::Elem: FastReal,
{
    let indices = vocab.encode(text)?;
    if indices.is_empty() {
        return Err(Error::InvalidArgument {
            name: "text",
            value: "\"\"".into(),
            hint: "give at least one character to read".into(),
        });
    }
    let mut state = model.begin_state(1);
    let (mut activations, mut top) = (Vec::new(), Vec::new());
    for &c in &indices {
        let x = Array2::from_elem((1, 1), c);
        let logits: Vec<f64> = model
            .forward(x.view(), &mut state)
            .iter()
            .map(|v| v.to_f64().unwrap_or(f64::NAN))
            .collect();
        let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = logits.iter().map(|o| (o - max).exp()).sum();
        let best = logits
            .iter()
            .enumerate()
            .k_largest_by(5, |a, b| a.1.total_cmp(b.1))
            .map(|(i, o)| (vocab.idx_to_char[i], (o - max).exp() / total))
            .collect();
        top.push(best);
        activations.push(last_layer(&state));
    }
    Ok(UnitReading {
        chars: text.chars().collect(),
        activations,
        top,
    })
}

/// The last row of the state's `H`, as `f64`: the one sequence's hidden vector, of the last
/// layer for a stacked state.
pub(super) fn last_layer<A: ToPrimitive + Copy, S: Parameters<A>>(state: &S) -> Vec<f64> {
    let tensors = state.tensors();
    let Some((_, h)) = tensors.iter().find(|(name, _)| *name == "H") else {
        return Vec::new();
    };
    let width = h.shape().last().copied().unwrap_or(0);
    let values: Vec<f64> = h.iter().map(|v| v.to_f64().unwrap_or(f64::NAN)).collect();
    values[values.len().saturating_sub(width)..].to_vec()
}

impl UnitReading {
    /// The variance of unit `j`'s activation over the passage.
    pub fn variance(&self, j: usize) -> f64 {
        let values: Vec<f64> = self.activations.iter().map(|h| h[j]).collect();
        let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
        values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len().max(1) as f64
    }

    /// The `n` units whose activation varies most over the passage, largest first: the ones
    /// that change with what is read rather than sitting at one value.
    pub fn units_by_variance(&self, n: usize) -> Vec<usize> {
        let width = self.activations.first().map_or(0, Vec::len);
        (0..width)
            .k_largest_by(n, |&a, &b| self.variance(a).total_cmp(&self.variance(b)))
            .collect()
    }

    /// For each unit of `units`, the passage with each character's background coloured by
    /// the unit's activation (−1 blue, 0 white, +1 red) and, under it, the five likeliest
    /// next characters with their probabilities.
    pub fn html(&self, units: &[usize]) -> Html {
        let mut out = String::from(
            "<style>.units .row { display: flex; flex-wrap: wrap; gap: 2px; margin-bottom: 1.2em; }\
             .units .cell { display: inline-flex; flex-direction: column; align-items: center; \
             min-width: 2.6em; } .units .ch { font-size: 1.35em; padding: 0 0.15em; } \
             .units .top { font-size: 0.68em; color: #444; line-height: 1.25; }</style>\n<div class=\"units\">\n",
        );
        for &j in units {
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
                    if h[j].abs() > 0.55 { "white" } else { "black" },
                    h[j],
                    escape(&display(*c))
                ));
            }
            out.push_str("</div>\n");
        }
        out.push_str("</div>");
        Html::new(out)
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

/// −1 → blue, 0 → white, +1 → red (values outside are clamped).
fn diverging(v: f64) -> String {
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
