//! 通过时间反向传播 (book chapter `bptt.md`).

use d2l_rnn::scratch::RnnParams;
use ndarray::Array2;

/// **rnn_backward**: backpropagation through time for `rnn`.
///
/// The loss is \\(L = \sum_t \sum_{ij} (dY_t)_{ij} (Y_t)_{ij}\\), so `d_outputs[t]` is
/// \\(\partial L / \partial Y_t\\) (`(batch, vocab)`). Return the gradients of \\(L\\) with
/// respect to every parameter, in a `RnnParams` of the same shapes (start from
/// `RnnParams::zeros(vocab, hidden)`, with `use d2l_rnn::scratch::GatedParams;`), and with
/// respect to the initial `state`.
///
/// The book's formulas: with \\(\delta_t\\) the gradient of the pre-activation
/// \\(X_t W_{xh} + H_{t-1} W_{hh} + b_h\\),
/// \\(\delta_t = (dY_t W_{hq}^\top + \delta_{t+1} W_{hh}^\top) \odot (1 - H_t \odot H_t)\\)
/// (no \\(\delta_{T+1}\\) term at the last step); then
/// \\(\partial W_{hq} = \sum_t H_t^\top dY_t\\), \\(\partial W_{xh} = \sum_t X_t^\top \delta_t\\),
/// \\(\partial W_{hh} = \sum_t H_{t-1}^\top \delta_t\\), the biases sum their rows, and
/// \\(\partial H_0 = \delta_1 W_{hh}^\top\\). Run the forward pass first, keeping every \\(H_t\\).
pub fn rnn_backward(
    inputs: &[Array2<f64>],
    state: &Array2<f64>,
    params: &RnnParams<f64>,
    d_outputs: &[Array2<f64>],
) -> (RnnParams<f64>, Array2<f64>) {
    todo!()
}
