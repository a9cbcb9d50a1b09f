//! Gradient through time: how strongly the loss at the end of a text depends on the
//! hidden state of each earlier step.

use super::text::encode_text;
use super::units::last_layer;
use crate::data::Vocab;
use crate::error::{Error, Result};
use crate::fast::FastReal;
use crate::loss::softmax_cross_entropy;
use crate::model::{Parameters, RecurrentModelExt};
use crate::plot::draw::{Chart, Line};
use crate::plot::{chart_svg, error_svg, Figure};
use ndarray::{s, Array2};
use num_traits::ToPrimitive;
use plotters::prelude::SeriesLabelPosition;
use serde::Serialize;

/// Which predictions the loss \\(L\\) is taken over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LossAt {
    /// Only the prediction of the last character: what reaches step \\(t\\) must travel
    /// \\(T - t\\) steps.
    Last,
    /// The mean over all \\(T\\) predictions, as in training.
    Mean,
}

/// \\(\\|\partial L / \partial H_t\\|\\) for \\(t = 1, \dots, T\\): the norm of the total
/// derivative of the loss with respect to the hidden state after \\(t\\) characters. For an
/// LSTM it is \\(H_t\\), not \\(C_t\\); for a concise model the last layer's \\(H_t\\).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GradientThroughTime {
    /// The loss the derivatives are of.
    pub loss_at: LossAt,
    /// `norms[t - 1]` \\(= \\|\partial L / \partial H_t\\|_2\\), `T` entries in step order.
    pub norms: Vec<f64>,
}

/// The gradient through time of `model` on `text`, read as one sequence (a batch of one):
/// the inputs are its characters but the last, the targets the characters after them, the
/// state starts at zero.
///
/// \\(H_t\\) reaches the loss two ways: through its own prediction \\(O_t\\) (the output
/// layer's weights carry \\(\partial L / \partial O_t\\) back), and through the steps after
/// it, whose part is the initial-state gradient of those steps run from \\(H_t\\) with the same
/// \\(\partial L / \partial O\\) rows: the model's own hand-written BPTT, one pass per \\(t\\).
/// Errors when `text` has fewer than two characters or one outside `vocab`.
///
/// ```
/// use d2l_rnn::data::Vocab;
/// use d2l_rnn::inspect::{gradient_through_time, LossAt};
/// use d2l_rnn::scratch::{get_params, RnnScratch};
/// let vocab = Vocab::from_text("abcd");
/// let mut model = RnnScratch::new(get_params(vocab.len(), 16, 0));
/// let g = gradient_through_time(&mut model, &vocab, "abcdabcdab", LossAt::Last)?;
/// assert_eq!(g.norms.len(), 9);                            // H_1 … H_9 for 9 predictions
/// // Weights of size 0.01: every step back multiplies by about 0.01·√16 = 0.04.
/// assert!(g.norms.windows(2).all(|w| w[0] < w[1] * 0.2));
/// let err = gradient_through_time(&mut model, &vocab, "a", LossAt::Mean).unwrap_err();
/// assert!(err.to_string().contains("needs at least 2 character(s)"));
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn gradient_through_time<M>(
    model: &mut M,
    vocab: &Vocab,
    text: &str,
    loss_at: LossAt,
) -> Result<GradientThroughTime>
where
    M: RecurrentModelExt,
    M::Elem: FastReal,
{
    let indices = encode_text(vocab, text, 2, "one to read and one to predict")?;
    let steps = indices.len() - 1;
    let row = |range: std::ops::Range<usize>| {
        Array2::from_shape_vec((1, range.len()), indices[range].to_vec()).unwrap_or_default()
    };
    let w_out = output_weights(model).ok_or_else(|| Error::InvalidArgument {
        name: "model",
        value: "its parameters".into(),
        hint: "the gradient view needs an output layer named W_hq or dense.weight".into(),
    })?;
    // dL/dO for every row, from one pass over the whole text.
    let mut state = model.begin_state(1);
    let logits = model.forward(row(0..steps).view(), &mut state).to_owned();
    let mut d_out = Array2::zeros(logits.dim());
    let y = row(1..steps + 1);
    match loss_at {
        LossAt::Last => {
            softmax_cross_entropy(
                logits.slice(s![steps - 1.., ..]),
                y.slice(s![.., steps - 1..]),
                d_out.slice_mut(s![steps - 1.., ..]),
            );
        }
        LossAt::Mean => {
            softmax_cross_entropy(logits.view(), y.view(), d_out.view_mut());
        }
    }
    let mut norms = Vec::with_capacity(steps);
    let mut state = model.begin_state(1);
    for t in 1..=steps {
        model.advance(row(t - 1..t).view(), &mut state); // now H_t
        let d_row: Vec<f64> = d_out
            .row(t - 1)
            .iter()
            .map(|v| v.to_f64().unwrap_or(f64::NAN))
            .collect();
        let mut grad: Vec<f64> = (0..w_out.ncols())
            .map(|j| d_row.iter().zip(w_out.column(j)).map(|(d, w)| d * w).sum())
            .collect();
        if t < steps {
            let mut from_t = state.clone();
            let _ = model.forward(row(t..steps).view(), &mut from_t);
            model.backward(d_out.slice(s![t.., ..]));
            for (g, s) in grad.iter_mut().zip(last_layer(&model.state_grad())) {
                *g += s;
            }
        }
        norms.push(grad.iter().map(|g| g * g).sum::<f64>().sqrt());
    }
    Ok(GradientThroughTime { loss_at, norms })
}

/// The output layer's weights as `(vocab, hidden)`: `W_hq` transposed for the from-scratch
/// models, `dense.weight` for the concise ones.
fn output_weights<M: RecurrentModelExt>(model: &M) -> Option<Array2<f64>> {
    let tensors = model.params().tensors();
    let (name, w) = tensors
        .iter()
        .find(|(n, _)| *n == "W_hq" || *n == "dense.weight")?;
    let w = w.view().into_dimensionality::<ndarray::Ix2>().ok()?;
    let w = w.mapv(|v| v.to_f64().unwrap_or(f64::NAN));
    Some(if *name == "W_hq" { w.t().to_owned() } else { w })
}

/// Draws `series` (`(label, gradient)` pairs) on one log axis and returns the SVG: x is
/// the step \\(t\\), y is \\(\\|\partial L / \partial H_t\\|\\).
///
/// ```
/// use d2l_rnn::inspect::{gradient_svg, GradientThroughTime, LossAt};
/// let g = GradientThroughTime { loss_at: LossAt::Last, norms: vec![1e-12, 1e-8, 1e-4, 1.0] }; // H_1 … H_4
/// let svg = gradient_svg(&[("RNN", &g)])?;
/// for text in ["RNN", "Gradient through time", "1e-8", "1e-4"] {
///     assert!(svg.contains(&format!("\n{text}\n</text>")), "missing {text}");
/// }
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn gradient_svg(series: &[(&str, &GradientThroughTime)]) -> Result<String> {
    let lines = series
        .iter()
        .map(|(label, g)| {
            let points = g
                .norms
                .iter()
                .enumerate()
                .map(|(t, &n)| ((t + 1) as f64, n))
                .collect();
            Line::new(label.to_string(), points)
        })
        .collect();
    let chart = Chart {
        title: "Gradient through time",
        x_desc: "t: the state after t characters",
        y_desc: "|dL/dH_t| (log scale)",
        lines,
        legend: SeriesLabelPosition::UpperLeft,
        empty_y: (1e-6, 1.0),
    };
    chart_svg(&chart, "gradient plot")
}

/// [`gradient_svg`] as a [`Figure`] for a notebook cell; a drawing failure becomes a
/// figure that shows the message.
///
/// ```
/// use d2l_rnn::inspect::{plot_gradients, GradientThroughTime, LossAt};
/// let rnn = GradientThroughTime { loss_at: LossAt::Last, norms: vec![1e-9, 1e-6, 1e-3, 1.0] };
/// let gru = GradientThroughTime { loss_at: LossAt::Last, norms: vec![0.1, 0.2, 0.5, 1.0] };
/// let fig = plot_gradients(&[("RNN", &rnn), ("GRU", &gru)]);
/// assert!(fig.svg().contains("\nRNN\n</text>") && fig.svg().contains("\nGRU\n</text>"));
/// # let path = std::env::temp_dir().join("d2l-rnn-gradient-example.svg");
/// fig.save(&path)?; // or show it: the last expression of a notebook cell
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn plot_gradients(series: &[(&str, &GradientThroughTime)]) -> Figure {
    Figure::from_svg(gradient_svg(series).unwrap_or_else(|e| error_svg(&e.to_string())))
}
