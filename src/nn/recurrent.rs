//! The recurrent layer, PyTorch's `nn.RNN` / `nn.GRU` / `nn.LSTM`:
//! weights, gradients and the engine behind one type, generic over the cell.

pub use super::cell::{Cell, CellBackward, CellForward};
use super::engine::invalid;
pub(crate) use super::engine::Engine;
pub use super::layer_params::{CellWeights, RecurrentParams};
use super::shape_str;
pub use super::state::LayerState;
use super::{ModelKind, RnnConfig};

use crate::error::Result;
use crate::fast::FastReal;
use crate::model::Parameters;
use ndarray::{s, Array3, ArrayView2, ArrayView3, Axis};
use std::fmt;

/// A recurrent layer with the contract of PyTorch's `nn.RNN`, `nn.GRU` and
/// `nn.LSTM`: [`super::Rnn`], [`super::Gru`] and [`super::Lstm`] are this
/// type with their [`Cell`].
///
/// **Forward**, layer \\(l\\), direction \\(d\\): \\(XW = X W_{ih}^\top + b_{ih}\\)
/// for all time steps in one product (a gather of columns of \\(W_{ih}\\) for
/// one-hot input), then for each step, in time order for \\(d = 0\\) and
/// reversed for \\(d = 1\\), \\(HW = h_{t-1} W_{hh}^\top + b_{hh}\\) and the cell.
/// The output of a layer, `(T, n, D H)`, is the forward and backward hidden
/// states side by side; it is the input of the next layer.
///
/// **Backward**, in reverse: each step's cell turns \\(\partial h_t\\) (from the
/// output and from step \\(t+1\\)) into \\(\partial XW_t\\), \\(\partial HW_t\\) and
/// the direct part of \\(\partial h_{t-1}\\); then
/// \\(\partial h_{t-1} \mathrel{+}= \partial HW_t\, W_{hh}\\). After the loop,
/// all steps at once: \\(\partial W_{hh} = \sum_t \partial HW_t^\top h_{t-1}\\),
/// \\(\partial W_{ih} = \partial XW^\top X\\), \\(\partial b\\) = column sums, and
/// \\(\partial X = \partial XW\, W_{ih}\\) (summed over directions), which is
/// the output gradient of the layer below.
///
/// Buffers are kept between calls; a time step allocates nothing.
pub struct Recurrent<C, A = f32> {
    /// The weights, named and shaped as PyTorch's `state_dict()`.
    pub params: RecurrentParams<A>,
    /// Their gradients after the last [`Recurrent::backward`] (overwritten, not accumulated).
    pub grads: RecurrentParams<A>,
    engine: Engine<C, A>,
}

impl<C: Cell<A>, A: FastReal> Clone for Recurrent<C, A> {
    fn clone(&self) -> Self {
        Recurrent {
            params: self.params.clone(),
            grads: self.grads.clone(),
            engine: self.engine.clone(),
        }
    }
}

impl<C: Cell<f32>> Recurrent<C, f32> {
    /// A layer with these options and PyTorch's initialisation,
    /// \\(U(-1/\sqrt{H}, 1/\sqrt{H})\\) for every weight and bias, seeded by
    /// `seed`. Errors name a size of 0 or an option the cell does not have.
    pub fn new(cfg: RnnConfig, seed: u64) -> Result<Self> {
        Self::init(cfg, seed)
    }
}

impl<C: Cell<A>, A: FastReal> Recurrent<C, A> {
    /// [`Recurrent::new`] for any element type (`f64` for gradient checks):
    /// `Recurrent::<GruCell, f64>::init(cfg, seed)`.
    pub fn init(cfg: RnnConfig, seed: u64) -> Result<Self> {
        cfg.validate()?;
        let cell = C::from_config(&cfg)?;
        Ok(Recurrent {
            params: RecurrentParams::uniform(C::KIND, &cfg, seed),
            grads: RecurrentParams::zeros(C::KIND, &cfg),
            engine: Engine::new(cfg, cell),
        })
    }

    /// The options.
    pub fn config(&self) -> &RnnConfig {
        &self.engine.cfg
    }

    /// RNN, GRU or LSTM.
    pub fn kind(&self) -> ModelKind {
        C::KIND
    }

    /// A zero state for `batch` sequences: every part `(num_layers * num_directions, batch, hidden_size)`.
    pub fn begin_state(&self, batch: usize) -> C::State {
        C::State::zeros(self.engine.cfg.state_shape(batch))
    }

    /// PyTorch's `output, h_n = layer(input, h_0)`.
    ///
    /// `input` is `(num_steps, batch, input_size)`, or `(batch, num_steps,
    /// input_size)` when `batch_first`; `state` is the initial state (zeros
    /// when `None`). Returns the last layer's hidden states for every step,
    /// `(num_steps, batch, num_directions * hidden_size)` (batch first when
    /// `batch_first`), and the state after the last step (for the backward
    /// direction: after its last step, time 0). Keeps what
    /// [`Recurrent::backward`] needs. Errors name the expected and the given
    /// shape.
    pub fn forward(
        &mut self,
        input: ArrayView3<'_, A>,
        state: Option<&C::State>,
    ) -> Result<(Array3<A>, C::State)> {
        self.engine.load_dense(input)?;
        self.finish_forward(state)
    }

    /// [`Recurrent::forward`] for one-hot input given as indices `(num_steps,
    /// batch)` (`(batch, num_steps)` when `batch_first`), each below
    /// `input_size`: the same numbers as `forward` on the one-hot tensor,
    /// without building it (the product with \\(W_{ih}\\) becomes a gather).
    ///
    /// ```
    /// use d2l_rnn::nn::{Gru, RnnConfig};
    /// use d2l_rnn::scratch::to_onehot;
    /// use ndarray::{array, stack, Axis};
    /// let mut gru = Gru::new(RnnConfig::new(5, 3), 0)?;
    /// let x = array![[4usize, 0], [2, 2]]; // (num_steps, batch)
    /// let (fast, _) = gru.forward_indices(x.view(), None)?;
    /// let steps = to_onehot::<f32>(x.t(), 5);   // to_onehot takes (batch, num_steps)
    /// let views: Vec<_> = steps.iter().map(|a| a.view()).collect();
    /// let (slow, _) = gru.forward(stack(Axis(0), &views).unwrap().view(), None)?;
    /// assert!(fast.iter().zip(&slow).all(|(a, b)| (a - b).abs() < 1e-6));
    /// assert!(gru.forward_indices(array![[5usize]].view(), None).is_err()); // 5 >= input_size
    /// # Ok::<(), d2l_rnn::Error>(())
    /// ```
    pub fn forward_indices(
        &mut self,
        indices: ArrayView2<'_, usize>,
        state: Option<&C::State>,
    ) -> Result<(Array3<A>, C::State)> {
        let tm = if self.engine.cfg.batch_first {
            indices.reversed_axes()
        } else {
            indices
        };
        self.engine.load_indices(tm)?;
        self.finish_forward(state)
    }

    fn finish_forward(&mut self, state: Option<&C::State>) -> Result<(Array3<A>, C::State)> {
        if let Some(st) = state {
            self.engine.check_state(st, false)?;
        }
        self.engine.run_forward(&self.params, None, state);
        let output = self.engine.to_layout(self.engine.output());
        Ok((output, self.engine.final_state()))
    }

    /// Backpropagation through the last forward pass.
    ///
    /// `d_output` is \\(\partial L / \partial \text{output}\\), shaped as the
    /// output; `d_state` is \\(\partial L / \partial h_n\\) (and \\(c_n\\)), zeros
    /// when `None`. Overwrites [`Recurrent::grads`] and returns
    /// \\(\partial L / \partial \text{input}\\) (shaped as the input; `None`
    /// after [`Recurrent::forward_indices`]) and \\(\partial L / \partial h_0\\)
    /// (and \\(c_0\\)). Errors when no forward pass came first or a shape is wrong.
    ///
    /// By hand, one unit, one step: \\(y = \tanh(0.5 \cdot 2 + 0.1 + 0.3 \cdot 1) = \tanh 1.4\\);
    /// with \\(\partial L / \partial y = 1\\), \\(\partial a = 1 - y^2 = 0.216152\\),
    /// \\(\partial W_{ih} = 2\, \partial a\\), \\(\partial W_{hh} = 1 \cdot \partial a\\),
    /// \\(\partial x = 0.5\, \partial a\\), \\(\partial h_0 = 0.3\, \partial a\\):
    ///
    /// ```
    /// use d2l_rnn::nn::{Rnn, RnnConfig};
    /// use ndarray::array;
    /// let mut rnn = Rnn::<f64>::init(RnnConfig::new(1, 1), 0)?;
    /// let w = &mut rnn.params.cells[0];
    /// (w.weight_ih[[0, 0]], w.weight_hh[[0, 0]], w.bias_ih[0], w.bias_hh[0]) = (0.5, 0.3, 0.1, 0.0);
    /// let (y, _) = rnn.forward(array![[[2.0]]].view(), Some(&array![[[1.0]]]))?;
    /// let (dx, dh0) = rnn.backward(array![[[1.0]]].view(), None)?;
    /// let da = 1.0 - y[[0, 0, 0]] * y[[0, 0, 0]];
    /// assert!((da - 0.216152).abs() < 1e-6);
    /// let g = &rnn.grads.cells[0];
    /// assert!((g.weight_ih[[0, 0]] - 2.0 * da).abs() < 1e-12 && (g.weight_hh[[0, 0]] - da).abs() < 1e-12);
    /// assert!((g.bias_ih[0] - da).abs() < 1e-12 && (g.bias_hh[0] - da).abs() < 1e-12);
    /// assert!((dx.unwrap()[[0, 0, 0]] - 0.5 * da).abs() < 1e-12 && (dh0[[0, 0, 0]] - 0.3 * da).abs() < 1e-12);
    /// # Ok::<(), d2l_rnn::Error>(())
    /// ```
    pub fn backward(
        &mut self,
        d_output: ArrayView3<'_, A>,
        d_state: Option<&C::State>,
    ) -> Result<(Option<Array3<A>>, C::State)> {
        if !self.engine.is_ready() {
            return Err(invalid(
                "backward",
                "called before forward".into(),
                "run forward (successfully) first; backward differentiates the last forward pass"
                    .into(),
            ));
        }
        let (steps, n) = self.engine.steps_batch();
        let width = self.engine.cfg.num_directions() * self.engine.cfg.hidden_size;
        let expected = if self.engine.cfg.batch_first {
            [n, steps, width]
        } else {
            [steps, n, width]
        };
        if d_output.shape() != expected {
            return Err(invalid(
                "d_output",
                format!("shape {}", shape_str(d_output.shape())),
                format!("expected the output's shape {}", shape_str(&expected)),
            ));
        }
        if let Some(st) = d_state {
            self.engine.check_state(st, true)?;
        }
        let tm = if self.engine.cfg.batch_first {
            d_output.permuted_axes([1, 0, 2])
        } else {
            d_output
        };
        {
            let mut d_y = self.engine.d_output_mut();
            for t in 0..steps {
                d_y.slice_mut(s![t * n..(t + 1) * n, ..])
                    .assign(&tm.index_axis(Axis(0), t));
            }
        }
        self.engine
            .run_backward(&self.params, &mut self.grads, d_state, true);
        let d_input = if self.engine.one_hot {
            None
        } else {
            Some(self.engine.to_layout(self.engine.d_x0.view()))
        };
        Ok((d_input, self.engine.initial_state_grad()))
    }

    /// Splits the layer into its weights and the rest (for [`super::RNNModel`]).
    pub(crate) fn into_parts(self) -> (RecurrentParams<A>, RecurrentParams<A>, Engine<C, A>) {
        (self.params, self.grads, self.engine)
    }
}

/// PyTorch's repr: `RNN(1027, 256)`, `LSTM(10, 4, num_layers=2, bidirectional=True)`.
pub(crate) fn torch_repr(kind: ModelKind, cfg: &RnnConfig) -> String {
    let mut s = format!(
        "{}({}, {}",
        kind.torch_name(),
        cfg.input_size,
        cfg.hidden_size
    );
    if cfg.num_layers != 1 {
        s += &format!(", num_layers={}", cfg.num_layers);
    }
    if kind == ModelKind::Rnn && cfg.nonlinearity != super::Nonlinearity::Tanh {
        s += &format!(", nonlinearity='{}'", cfg.nonlinearity);
    }
    if !cfg.bias {
        s += ", bias=False";
    }
    if cfg.batch_first {
        s += ", batch_first=True";
    }
    if cfg.bidirectional {
        s += ", bidirectional=True";
    }
    s + ")"
}

impl<C: Cell<A>, A: FastReal> fmt::Display for Recurrent<C, A> {
    /// PyTorch's repr, e.g. `GRU(1027, 256, num_layers=2)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&torch_repr(C::KIND, &self.engine.cfg))
    }
}

impl<C: Cell<A>, A: FastReal> fmt::Debug for Recurrent<C, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shapes: Vec<String> = self
            .params
            .tensors()
            .iter()
            .map(|(n, t)| format!("{n} {}", shape_str(t.shape())))
            .collect();
        f.debug_struct("Recurrent")
            .field("layer", &torch_repr(C::KIND, &self.engine.cfg))
            .field("params", &shapes)
            .finish_non_exhaustive()
    }
}
