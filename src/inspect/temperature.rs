//! The same prefix continued at several temperatures, each with how likely the model
//! itself finds what it wrote.

use super::html::{escape, Html};
use crate::data::Vocab;
use crate::error::Result;
use crate::fast::FastReal;
use crate::loss::{perplexity, softmax_cross_entropy};
use crate::model::RecurrentModelExt;
use crate::predict::{predict_with, Sampler};
use ndarray::{s, Array2};
use serde::Serialize;

/// One continuation: the text (prefix included) and the perplexity of its written
/// characters under the model at temperature 1.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TemperatureSample {
    /// \\(T\\); 0 is greedy, the section's `predict_rnn`.
    pub temperature: f64,
    /// The prefix followed by the written characters.
    pub text: String,
    /// \\(\exp\\) of the mean of \\(-\log p(c_i \mid c_{<i})\\) over the written characters
    /// \\(c_i\\), with the model's own probabilities (temperature 1): 1 when it was certain
    /// of every character it wrote.
    pub perplexity: f64,
}

/// Continuations of one prefix side by side; [`Temperatures::html`] shows them as a table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Temperatures {
    /// One per temperature, in the order asked for.
    pub samples: Vec<TemperatureSample>,
}

/// Continues `prefix` by `num_chars` characters at each temperature of `temperatures`
/// (the same `seed` for each), and measures each text's perplexity under the model.
/// Errors as [`predict_with`] does (a character outside `vocab`, a negative temperature).
///
/// ```
/// use d2l_rnn::data::Vocab;
/// use d2l_rnn::fast::RnnFast;
/// use d2l_rnn::inspect::temperatures;
/// let vocab = Vocab::from_text("分开不了我你");
/// let mut model = RnnFast::init(vocab.len(), 8, 0); // untrained: about uniform over 6
/// let t = temperatures(&mut model, &vocab, "分开", 30, &[0.0, 1.0], 7)?;
/// assert_eq!(t.samples.len(), 2);
/// assert_eq!(t.samples[0].text.chars().count(), 32);
/// assert!((t.samples[1].perplexity - 6.0).abs() < 0.1);   // a uniform model: 6 choices
/// assert!(t.html().fragment().contains("<td>1</td>"));     // the temperature column
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn temperatures<M>(
    model: &mut M,
    vocab: &Vocab,
    prefix: &str,
    num_chars: usize,
    temperatures: &[f64],
    seed: u64,
) -> Result<Temperatures>
where
    M: RecurrentModelExt,
    M::Elem: FastReal,
{
    let mut samples = Vec::with_capacity(temperatures.len());
    for &temperature in temperatures {
        let sampler = Sampler {
            temperature,
            top_k: None,
            seed,
        };
        let text = predict_with(prefix, num_chars, model, vocab, &sampler)?;
        let indices = vocab.encode(&text)?;
        let start = prefix.chars().count().saturating_sub(1); // predicts the first written one
        let steps = indices.len() - 1;
        let row =
            |from: usize| Array2::from_shape_vec((1, steps), indices[from..from + steps].to_vec());
        let (x, y) = (row(0).unwrap_or_default(), row(1).unwrap_or_default());
        let mut state = model.begin_state(1);
        let logits = model.forward(x.view(), &mut state).to_owned();
        let mut d = Array2::zeros(logits.dim());
        let loss = softmax_cross_entropy(
            logits.slice(s![start.., ..]),
            y.slice(s![.., start..]),
            d.slice_mut(s![start.., ..]),
        );
        samples.push(TemperatureSample {
            temperature,
            text,
            perplexity: perplexity(loss),
        });
    }
    Ok(Temperatures { samples })
}

impl Temperatures {
    /// A table: temperature, the text, its perplexity under the model.
    pub fn html(&self) -> Html {
        let rows: String = self
            .samples
            .iter()
            .map(|s| {
                format!(
                    "<tr><td>{}</td><td style=\"font-size: 1.1em\">{}</td><td>{:.2}</td></tr>\n",
                    s.temperature,
                    escape(&s.text),
                    s.perplexity
                )
            })
            .collect();
        Html::new(format!(
            "<table class=\"temperatures\">\n<tr><th>temperature</th><th>text</th>\
             <th>perplexity under the model</th></tr>\n{rows}</table>"
        ))
    }

    /// The same table as an SVG document, one line per temperature: `T = …`, the
    /// perplexity, the text.
    ///
    /// ```
    /// use d2l_rnn::inspect::{TemperatureSample, Temperatures};
    /// let t = Temperatures { samples: vec![
    ///     TemperatureSample { temperature: 0.0, text: "分开了".into(), perplexity: 1.25 },
    ///     TemperatureSample { temperature: 1.5, text: "分开<我".into(), perplexity: 80.0 },
    /// ] };
    /// let svg = t.svg();
    /// assert!(svg.contains(">T = 1.5</text>") && svg.contains(">80.00</text>"));
    /// assert!(svg.contains(">分开&lt;我</text>")); // the text is escaped
    /// ```
    pub fn svg(&self) -> String {
        let longest = self
            .samples
            .iter()
            .map(|s| s.text.chars().count())
            .max()
            .unwrap_or(0);
        let width = 240.0 + 19.0 * longest as f64;
        let height = 50.0 + 30.0 * self.samples.len() as f64;
        let mut out = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
             viewBox=\"0 0 {width} {height}\" font-family=\"'Noto Sans CJK SC', 'Noto Sans SC', \
             sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
             <text x=\"12\" y=\"26\" font-size=\"13\" fill=\"#444\">temperature</text>\n\
             <text x=\"110\" y=\"26\" font-size=\"13\" fill=\"#444\">perplexity</text>\n\
             <text x=\"230\" y=\"26\" font-size=\"13\" fill=\"#444\">text (perplexity: under the \
             model, of the written characters)</text>\n"
        );
        for (i, s) in self.samples.iter().enumerate() {
            let y = 56.0 + 30.0 * i as f64;
            out.push_str(&format!(
                "<text x=\"12\" y=\"{y}\" font-size=\"15\">T = {}</text>\n\
                 <text x=\"110\" y=\"{y}\" font-size=\"15\">{:.2}</text>\n\
                 <text x=\"230\" y=\"{y}\" font-size=\"18\">{}</text>\n",
                s.temperature,
                s.perplexity,
                escape(&s.text)
            ));
        }
        out.push_str("</svg>\n");
        out
    }

    /// Shows [`Temperatures::html`] in an evcxr notebook cell: prints what
    /// [`crate::inspect::Html::evcxr_content`] gives for it.
    ///
    /// ```
    /// use d2l_rnn::inspect::{TemperatureSample, Temperatures};
    /// let t = Temperatures { samples: vec![
    ///     TemperatureSample { temperature: 0.5, text: "分开".into(), perplexity: 1.0 }] };
    /// let shown = t.html().evcxr_content();
    /// assert!(shown.starts_with("EVCXR_BEGIN_CONTENT text/html\n<table"));
    /// assert!(shown.contains("<td>0.5</td>") && shown.contains("<td>1.00</td>"));
    /// t.evcxr_display(); // prints that
    /// ```
    pub fn evcxr_display(&self) {
        self.html().evcxr_display()
    }
}

impl evcxr_runtime::Display for Temperatures {
    fn evcxr_display(&self) {
        Temperatures::evcxr_display(self)
    }
}
