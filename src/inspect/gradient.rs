//! Gradient through time: how strongly the loss at the end of a text depends on the
//! hidden state of each earlier step.

use crate::data::Vocab;
use crate::error::{Error, Result};
use crate::fast::FastReal;
use crate::loss::softmax_cross_entropy;
use crate::model::{Parameters, RecurrentModelExt};
use crate::plot::draw::{Chart, Line};
use crate::plot::{chart_svg, error_svg, Figure};
use ndarray::{s, Array2};
use num_traits::{FromPrimitive, ToPrimitive};
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

/// \\(\\|\partial L / \partial H_t\\|\\) for \\(t = 0, \dots, T-1\\): the norm of the total
/// derivative of the loss with respect to the hidden state after \\(t\\) characters
/// (\\(H_0 = 0\\), the state before the first). For an LSTM it is \\(H_t\\), not \\(C_t\\);
/// for a concise model the last layer's \\(H_t\\). \\(H_T\\) is left out: it reaches only
/// the output layer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GradientThroughTime {
    /// The loss the derivatives are of.
    pub loss_at: LossAt,
    /// `norms[t]` \\(= \\|\partial L / \partial H_t\\|_2\\), `T` entries.
    pub norms: Vec<f64>,
}

/// The gradient through time of `model` on `text`, read as one sequence (a batch of one):
/// the inputs are its characters but the last, the targets the characters after them, the
/// state starts at zero.
///
/// \\(\partial L / \partial H_t\\) is the gradient of the initial state of the same loss
/// restricted to steps \\(t+1, \dots, T\\), run from \\(H_t\\) (the steps before \\(t\\) do
/// not depend on \\(H_t\\)): each \\(t\\) is one forward and backward pass of the model's own
/// hand-written BPTT, \\(T\\) passes in all. Errors when `text` has fewer than two
/// characters or one outside `vocab`.
///
/// ```
/// use d2l_rnn::data::Vocab;
/// use d2l_rnn::inspect::{gradient_through_time, LossAt};
/// use d2l_rnn::scratch::{get_params, RnnScratch};
/// let vocab = Vocab::from_text("abcd");
/// let mut model = RnnScratch::new(get_params(vocab.len(), 16, 0));
/// let g = gradient_through_time(&mut model, &vocab, "abcdabcdab", LossAt::Last)?;
/// assert_eq!(g.norms.len(), 9);                            // H_0 … H_8 for 9 predictions
/// // Weights of size 0.01: every step back multiplies by about 0.01·√16 = 0.04.
/// assert!(g.norms.windows(2).all(|w| w[0] < w[1] * 0.2));
/// let err = gradient_through_time(&mut model, &vocab, "a", LossAt::Mean).unwrap_err();
/// assert!(err.to_string().contains("at least two characters"));
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
    let indices = vocab.encode(text)?;
    if indices.len() < 2 {
        return Err(Error::InvalidArgument {
            name: "text",
            value: format!("{text:?}"),
            hint: "needs at least two characters: one to read and one to predict".into(),
        });
    }
    let steps = indices.len() - 1;
    let row = |range: std::ops::Range<usize>| {
        Array2::from_shape_vec((1, range.len()), indices[range].to_vec()).unwrap_or_default()
    };
    // H_0, …, H_{T-1}: the state before each step.
    let mut states = Vec::with_capacity(steps);
    let mut state = model.begin_state(1);
    for t in 0..steps {
        states.push(state.clone());
        model.advance(row(t..t + 1).view(), &mut state);
    }
    let mut norms = Vec::with_capacity(steps);
    for (t, start) in states.into_iter().enumerate() {
        let (x, y) = (row(t..steps), row(t + 1..steps + 1));
        let mut state = start;
        let logits = model.forward(x.view(), &mut state).to_owned();
        let mut d_logits = Array2::zeros(logits.dim());
        let rows = logits.nrows();
        match loss_at {
            LossAt::Last => {
                softmax_cross_entropy(
                    logits.slice(s![rows - 1.., ..]),
                    y.slice(s![.., rows - 1..]),
                    d_logits.slice_mut(s![rows - 1.., ..]),
                );
            }
            LossAt::Mean => {
                softmax_cross_entropy(logits.view(), y.view(), d_logits.view_mut());
                // The suffix's mean is over its rows; the loss's over all `steps`.
                let share = M::Elem::from_f64(rows as f64 / steps as f64)
                    .unwrap_or_else(num_traits::One::one);
                d_logits.mapv_inplace(|d| d * share);
            }
        }
        model.backward(d_logits.view());
        norms.push(last_layer_norm(&model.state_grad()));
    }
    Ok(GradientThroughTime { loss_at, norms })
}

/// The norm of the last row of the state's `H`: the one sequence's hidden vector, of the
/// last layer for a stacked state.
fn last_layer_norm<A: ToPrimitive + Copy, S: Parameters<A>>(state: &S) -> f64 {
    let tensors = state.tensors();
    let Some((_, h)) = tensors.iter().find(|(name, _)| *name == "H") else {
        return f64::NAN;
    };
    let width = h.shape().last().copied().unwrap_or(0);
    let values: Vec<f64> = h.iter().map(|v| v.to_f64().unwrap_or(f64::NAN)).collect();
    let last = &values[values.len().saturating_sub(width)..];
    last.iter().map(|v| v * v).sum::<f64>().sqrt()
}

/// Draws `series` (`(label, gradient)` pairs) on one log axis and returns the SVG: x is
/// the step \\(t\\), y is \\(\\|\partial L / \partial H_t\\|\\).
///
/// ```
/// use d2l_rnn::inspect::{gradient_svg, GradientThroughTime, LossAt};
/// let g = GradientThroughTime { loss_at: LossAt::Last, norms: vec![1e-12, 1e-8, 1e-4, 1.0] };
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
                .map(|(t, &n)| (t as f64, n))
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
pub fn plot_gradients(series: &[(&str, &GradientThroughTime)]) -> Figure {
    Figure::from_svg(gradient_svg(series).unwrap_or_else(|e| error_svg(&e.to_string())))
}
