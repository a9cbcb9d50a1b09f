//! What the RNN, GRU and LSTM layers share: stacked layers, two directions,
//! the batch-first layout, biases, PyTorch's parameter names and
//! initialisation, shape checks, and the loops over time forward and
//! backward. A [`Cell`] supplies the one time step that differs.

use super::{intern, shape_str, ModelKind, RnnConfig};
use crate::error::{Error, Result};
use crate::linalg::{matmul, matmul_serial};
use crate::math::vectorized;
use crate::model::{Parameters, Real};
use ndarray::{
    s, Array1, Array2, Array3, ArrayView2, ArrayView3, ArrayViewD, ArrayViewMut2, ArrayViewMut3,
    ArrayViewMutD, Axis, Zip,
};
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::{Rng, SeedableRng};
use std::fmt;

/// A layer's state: `h` for RNN and GRU (an `Array3`), `(h, c)` for LSTM (a
/// pair), each part shaped `(num_layers * num_directions, batch, hidden_size)`
/// as in PyTorch. Entry `l * num_directions + d` belongs to layer `l`,
/// direction `d` (0 forward, 1 backward).
///
/// ```
/// use d2l_rnn::nn::LayerState;
/// use ndarray::Array3;
/// let hc = <(Array3<f32>, Array3<f32>)>::zeros((2, 3, 4));
/// assert_eq!((hc.part(1).dim(), <(Array3<f32>, Array3<f32>) as LayerState<f32>>::NAMES), ((2, 3, 4), &["h", "c"][..]));
/// ```
pub trait LayerState<A>: Clone + fmt::Debug {
    /// Names of the parts, as in error messages: `["h"]` or `["h", "c"]`.
    const NAMES: &'static [&'static str];
    /// A state of zeros with every part shaped `shape`.
    fn zeros(shape: (usize, usize, usize)) -> Self;
    /// Part `p` (0 = `h`, 1 = `c`).
    fn part(&self, p: usize) -> ArrayView3<'_, A>;
    /// Part `p`, writable.
    fn part_mut(&mut self, p: usize) -> ArrayViewMut3<'_, A>;
}

impl<A: Real> LayerState<A> for Array3<A> {
    const NAMES: &'static [&'static str] = &["h"];
    fn zeros(shape: (usize, usize, usize)) -> Self {
        Array3::zeros(shape)
    }
    fn part(&self, _: usize) -> ArrayView3<'_, A> {
        self.view()
    }
    fn part_mut(&mut self, _: usize) -> ArrayViewMut3<'_, A> {
        self.view_mut()
    }
}

impl<A: Real> LayerState<A> for (Array3<A>, Array3<A>) {
    const NAMES: &'static [&'static str] = &["h", "c"];
    fn zeros(shape: (usize, usize, usize)) -> Self {
        (Array3::zeros(shape), Array3::zeros(shape))
    }
    fn part(&self, p: usize) -> ArrayView3<'_, A> {
        if p == 0 {
            self.0.view()
        } else {
            self.1.view()
        }
    }
    fn part_mut(&mut self, p: usize) -> ArrayViewMut3<'_, A> {
        if p == 0 {
            self.0.view_mut()
        } else {
            self.1.view_mut()
        }
    }
}

/// One time step of one layer in one direction, forward: the inputs the
/// [`Cell`] reads and the places it writes. Every slice is row-major with
/// `batch` rows; `G` is the number of gates, `H` = `hidden`.
pub struct CellForward<'a, A> {
    /// Hidden size \\(H\\).
    pub hidden: usize,
    /// \\(x_t W_{ih}^\top + b_{ih}\\), `(batch, G H)`.
    pub xw: &'a [A],
    /// \\(h_{t-1} W_{hh}^\top + b_{hh}\\), `(batch, G H)`.
    pub hw: &'a [A],
    /// \\(h_{t-1}\\), `(batch, H)`.
    pub h_prev: &'a [A],
    /// \\(c_{t-1}\\), `(batch, H)` (LSTM; empty otherwise).
    pub c_prev: &'a [A],
    /// Written: \\(h_t\\), `(batch, H)`.
    pub h: &'a mut [A],
    /// Written: \\(c_t\\), `(batch, H)` (LSTM; empty otherwise).
    pub c: &'a mut [A],
    /// Written: what the backward step needs, `(batch, Cell::CACHE * H)`.
    pub cache: &'a mut [A],
}

/// One time step backward: the gradient arriving at the step's outputs, and
/// the places the [`Cell`] writes the gradients of its inputs.
pub struct CellBackward<'a, A> {
    /// Hidden size \\(H\\).
    pub hidden: usize,
    /// \\(h_{t-1}\\), `(batch, H)`.
    pub h_prev: &'a [A],
    /// \\(h_t\\), `(batch, H)`.
    pub h: &'a [A],
    /// \\(c_{t-1}\\), `(batch, H)` (LSTM; empty otherwise).
    pub c_prev: &'a [A],
    /// What the forward step cached, `(batch, Cell::CACHE * H)`.
    pub cache: &'a [A],
    /// In: \\(\partial L / \partial h_t\\). Out: the part of
    /// \\(\partial L / \partial h_{t-1}\\) that does not pass through \\(W_{hh}\\)
    /// (GRU: \\(z \odot \partial h_t\\); zero for RNN and LSTM).
    pub dh: &'a mut [A],
    /// In: \\(\partial L / \partial c_t\\) from later steps. Out:
    /// \\(\partial L / \partial c_{t-1}\\) (LSTM; empty otherwise).
    pub dc: &'a mut [A],
    /// Out: \\(\partial L / \partial (x_t W_{ih}^\top + b_{ih})\\), `(batch, G H)`.
    pub d_xw: &'a mut [A],
    /// Out: \\(\partial L / \partial (h_{t-1} W_{hh}^\top + b_{hh})\\), `(batch, G H)`.
    pub d_hw: &'a mut [A],
}

/// The time step of a recurrent layer: [`super::RnnCell`], [`super::GruCell`]
/// or [`super::LstmCell`]. [`Recurrent`] does the products with the weights
/// (all time steps at once for \\(W_{ih}\\), one step at a time for
/// \\(W_{hh}\\)); the cell does the element-wise rest, forward and backward.
///
/// The products a cell sees are PyTorch's: gate block \\(k\\) of \\(x W_{ih}^\top\\)
/// is `xw[.., k*H..(k+1)*H]`, in PyTorch's gate order.
///
/// One RNN step by hand, two rows, one unit: \\(h = \tanh(xw + hw)\\), and back,
/// \\(\partial a = \partial h\, (1 - h^2)\\):
///
/// ```
/// use d2l_rnn::nn::{Cell, CellBackward, CellForward, Nonlinearity, RnnCell};
/// let cell = RnnCell { nonlinearity: Nonlinearity::Tanh };
/// let mut h = [0.0f64; 2];
/// cell.forward_step(CellForward { hidden: 1, xw: &[0.2, -1.0], hw: &[0.3, 1.0], h_prev: &[0.0, 0.0],
///     c_prev: &[], h: &mut h, c: &mut [], cache: &mut [] });
/// assert!((h[0] - 0.5f64.tanh()).abs() < 1e-15 && h[1] == 0.0);
/// let (mut dh, mut d_xw, mut d_hw) = ([1.0, 1.0], [0.0; 2], [0.0; 2]);
/// cell.backward_step(CellBackward { hidden: 1, h_prev: &[0.0, 0.0], h: &h, c_prev: &[], cache: &[],
///     dh: &mut dh, dc: &mut [], d_xw: &mut d_xw, d_hw: &mut d_hw });
/// assert_eq!((d_xw, d_hw, dh), ([1.0 - h[0] * h[0], 1.0], [1.0 - h[0] * h[0], 1.0], [0.0, 0.0]));
/// ```
pub trait Cell<A: Real>: Clone + fmt::Debug + Send + Sync + 'static {
    /// Which cell this is.
    const KIND: ModelKind;
    /// Gate blocks stacked in the weights: 1 (RNN), 3 (GRU), 4 (LSTM).
    const GATES: usize;
    /// Values cached per time step and row, in units of `hidden`.
    const CACHE: usize;
    /// The layer's state: `Array3` (`h`) or a pair (`h`, `c`).
    type State: LayerState<A>;
    /// The cell for these options; an option the cell does not have is an error.
    fn from_config(cfg: &RnnConfig) -> Result<Self>;
    /// One step forward.
    fn forward_step(&self, step: CellForward<'_, A>);
    /// The same step backward.
    fn backward_step(&self, step: CellBackward<'_, A>);
}

/// The weights of one layer in one direction, stored as PyTorch stores them
/// (`G` gate blocks of `H` rows stacked, in PyTorch's gate order).
#[derive(Clone, Debug, PartialEq)]
pub struct CellWeights<A = f32> {
    /// `weight_ih_l{k}`: `(G H, input features of the layer)`.
    pub weight_ih: Array2<A>,
    /// `weight_hh_l{k}`: `(G H, H)`.
    pub weight_hh: Array2<A>,
    /// `bias_ih_l{k}`: `(G H,)`; zero and not a parameter when `bias` is off.
    pub bias_ih: Array1<A>,
    /// `bias_hh_l{k}`: `(G H,)`; zero and not a parameter when `bias` is off.
    pub bias_hh: Array1<A>,
}

/// All weights of a recurrent layer, named as PyTorch's `state_dict()`:
/// for each layer `k` and direction (`_reverse` for the backward one),
/// `weight_ih_l{k}`, `weight_hh_l{k}`, `bias_ih_l{k}`, `bias_hh_l{k}`.
/// Inside an [`super::RNNModel`] the names gain the prefix `rnn.`.
/// The same type holds the gradients.
///
/// ```
/// use d2l_rnn::model::Parameters;
/// use d2l_rnn::nn::{ModelKind, RecurrentParams, RnnConfig};
/// let cfg = RnnConfig { num_layers: 2, bidirectional: true, ..RnnConfig::new(10, 4) };
/// let p = RecurrentParams::<f32>::uniform(ModelKind::Lstm, &cfg, 0);
/// let t = p.tensors();
/// assert_eq!(t.len(), 16);
/// assert_eq!((t[0].0, t[0].1.shape()), ("weight_ih_l0", &[16, 10][..]));
/// assert_eq!((t[4].0, t[12].0), ("weight_ih_l0_reverse", "weight_ih_l1_reverse"));
/// assert_eq!(t[12].1.shape(), &[16, 8]); // layer 1 reads both directions
/// assert!(p.cells[0].weight_hh.iter().all(|w| w.abs() <= 0.5)); // 1/sqrt(4)
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RecurrentParams<A = f32> {
    /// Entry `layer * num_directions + direction`.
    pub cells: Vec<CellWeights<A>>,
    bias: bool,
    names: Vec<&'static str>,
}

fn tensor_names(cfg: &RnnConfig, prefix: &str) -> Vec<&'static str> {
    let mut names = Vec::new();
    for layer in 0..cfg.num_layers {
        for dir in 0..cfg.num_directions() {
            let suffix = if dir == 1 { "_reverse" } else { "" };
            let kinds: &[&str] = if cfg.bias {
                &["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
            } else {
                &["weight_ih", "weight_hh"]
            };
            for kind in kinds {
                names.push(intern(format!("{prefix}{kind}_l{layer}{suffix}")));
            }
        }
    }
    names
}

impl<A: Real> RecurrentParams<A> {
    /// Zeros (for gradients, or to load a checkpoint into).
    pub fn zeros(kind: ModelKind, cfg: &RnnConfig) -> Self {
        let gh = kind.gates() * cfg.hidden_size;
        let mut cells = Vec::new();
        for layer in 0..cfg.num_layers {
            for _ in 0..cfg.num_directions() {
                cells.push(CellWeights {
                    weight_ih: Array2::zeros((gh, cfg.layer_input_size(layer))),
                    weight_hh: Array2::zeros((gh, cfg.hidden_size)),
                    bias_ih: Array1::zeros(gh),
                    bias_hh: Array1::zeros(gh),
                });
            }
        }
        RecurrentParams {
            cells,
            bias: cfg.bias,
            names: tensor_names(cfg, ""),
        }
    }

    /// PyTorch's initialisation: every weight and bias drawn from
    /// \\(U(-1/\sqrt{H}, 1/\sqrt{H})\\), in `state_dict` order, from a
    /// generator seeded by `seed`.
    pub fn uniform(kind: ModelKind, cfg: &RnnConfig, seed: u64) -> Self {
        let mut p = Self::zeros(kind, cfg);
        let k = 1.0 / (cfg.hidden_size.max(1) as f64).sqrt();
        let mut rng = StdRng::seed_from_u64(seed);
        // Without bias the biases are not among the tensors and stay zero.
        for (_, mut t) in p.tensors_mut() {
            t.mapv_inplace(|_| A::from_f64(rng.random_range(-k..k)).unwrap_or_else(A::zero));
        }
        p
    }

    /// The same tensors named `{prefix}weight_ih_l0`, … (`rnn.` inside a model).
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        let cfg_names = self
            .names
            .iter()
            .map(|n| intern(format!("{prefix}{}", strip_prefix(n))))
            .collect();
        self.names = cfg_names;
        self
    }

    /// Whether the biases are parameters.
    pub fn has_bias(&self) -> bool {
        self.bias
    }
}

/// `weight_ih_l0` from `rnn.weight_ih_l0`.
fn strip_prefix(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

impl<A> Parameters<A> for RecurrentParams<A> {
    fn tensors(&self) -> Vec<(&'static str, ArrayViewD<'_, A>)> {
        let mut views = Vec::with_capacity(self.names.len());
        for c in &self.cells {
            views.push(c.weight_ih.view().into_dyn());
            views.push(c.weight_hh.view().into_dyn());
            if self.bias {
                views.push(c.bias_ih.view().into_dyn());
                views.push(c.bias_hh.view().into_dyn());
            }
        }
        self.names.iter().copied().zip(views).collect()
    }

    fn tensors_mut(&mut self) -> Vec<(&'static str, ArrayViewMutD<'_, A>)> {
        let mut views = Vec::with_capacity(self.names.len());
        for c in &mut self.cells {
            views.push(c.weight_ih.view_mut().into_dyn());
            views.push(c.weight_hh.view_mut().into_dyn());
            if self.bias {
                views.push(c.bias_ih.view_mut().into_dyn());
                views.push(c.bias_hh.view_mut().into_dyn());
            }
        }
        self.names.iter().copied().zip(views).collect()
    }
}

/// Buffers of one direction of one layer, kept between calls.
#[derive(Clone, Debug)]
struct DirBuffers<A> {
    /// \\(X W_{ih}^\top + b_{ih}\\) for all steps, time order, `(T n, G H)`.
    xw: Array2<A>,
    /// \\(h_{k} W_{hh}^\top + b_{hh}\\) of the current step, `(n, G H)`.
    hw: Array2<A>,
    /// \\(h\\) before step \\(k\\) at rows `k n..(k+1) n`, processing order, `((T+1) n, H)`.
    h: Array2<A>,
    /// \\(c\\) likewise (LSTM; `(0, 0)` otherwise).
    c: Array2<A>,
    /// The cell's per-step cache, processing order, `(T n, CACHE H)`.
    cache: Array2<A>,
    /// Gradient of `xw`, time order, `(T n, G H)`.
    d_xw: Array2<A>,
    /// Gradient of each step's `hw`, processing order, `(T n, G H)`.
    d_hw: Array2<A>,
    /// Gradient flowing to the previous step's \\(h\\) (ends as \\(\partial h_0\\)), `(n, H)`.
    carry_h: Array2<A>,
    /// The same for \\(c\\) (LSTM; `(0, 0)` otherwise).
    carry_c: Array2<A>,
    /// Scratch `(n, H)`.
    d_h: Array2<A>,
}

/// Buffers of one layer.
#[derive(Clone, Debug)]
struct LayerBuffers<A> {
    dirs: Vec<DirBuffers<A>>,
    /// Outputs \\([h^{fwd}_t, h^{bwd}_t]\\), time-major, `(T n, D H)`.
    y: Array2<A>,
    /// Gradient of `y`.
    d_y: Array2<A>,
}

/// The layer without its parameters: options, cell and buffers. A
/// [`Recurrent`] owns one with its weights; an [`super::RNNModel`] owns one
/// and keeps the weights beside the dense layer's.
#[derive(Clone, Debug)]
pub(crate) struct Engine<C, A> {
    pub(crate) cfg: RnnConfig,
    pub(crate) cell: C,
    steps: usize,
    batch: usize,
    one_hot: bool,
    /// A forward pass filled the buffers for the current shapes.
    ready: bool,
    /// Dense input, time-major, `(T n, input_size)`.
    x0: Array2<A>,
    /// One-hot input as indices, time-major, `T n`.
    idx0: Vec<usize>,
    /// Gradient of the dense input.
    d_x0: Array2<A>,
    layers: Vec<LayerBuffers<A>>,
}

fn invalid(name: &'static str, value: String, hint: String) -> Error {
    Error::InvalidArgument { name, value, hint }
}

fn empty<A>() -> Array2<A> {
    Array2::from_shape_vec((0, 0), Vec::new()).expect("an empty array")
}

/// `(&s[k len..(k+1) len], &mut s[(k+1) len..(k+2) len])`.
fn prev_next<A>(s: &mut [A], k: usize, len: usize) -> (&[A], &mut [A]) {
    let (before, after) = s.split_at_mut((k + 1) * len);
    (&before[k * len..], &mut after[..len])
}

fn sum_rows<A: Real>(m: &Array2<A>, out: &mut Array1<A>) {
    out.fill(A::zero());
    for row in m.outer_iter() {
        *out += &row;
    }
}

impl<C: Cell<A>, A: Real> Engine<C, A> {
    pub(crate) fn new(cfg: RnnConfig, cell: C) -> Self {
        Engine {
            cfg,
            cell,
            steps: 0,
            batch: 0,
            one_hot: false,
            ready: false,
            x0: empty(),
            idx0: Vec::new(),
            d_x0: empty(),
            layers: Vec::new(),
        }
    }

    fn parts() -> usize {
        <C::State as LayerState<A>>::NAMES.len()
    }

    /// Sizes the buffers for `steps` time steps of `batch` sequences.
    fn ensure(&mut self, steps: usize, batch: usize) {
        self.ready = false;
        if (steps, batch) == (self.steps, self.batch) && !self.layers.is_empty() {
            return;
        }
        let (h, dirs) = (self.cfg.hidden_size, self.cfg.num_directions());
        let (rows, gh) = (steps * batch, C::GATES * h);
        let lstm = Self::parts() == 2;
        let dir = || DirBuffers {
            xw: Array2::zeros((rows, gh)),
            hw: Array2::zeros((batch, gh)),
            h: Array2::zeros((rows + batch, h)),
            c: if lstm {
                Array2::zeros((rows + batch, h))
            } else {
                empty()
            },
            cache: Array2::zeros((rows, C::CACHE * h)),
            d_xw: Array2::zeros((rows, gh)),
            d_hw: Array2::zeros((rows, gh)),
            carry_h: Array2::zeros((batch, h)),
            carry_c: if lstm {
                Array2::zeros((batch, h))
            } else {
                empty()
            },
            d_h: Array2::zeros((batch, h)),
        };
        self.layers = (0..self.cfg.num_layers)
            .map(|_| LayerBuffers {
                dirs: (0..dirs).map(|_| dir()).collect(),
                y: Array2::zeros((rows, dirs * h)),
                d_y: Array2::zeros((rows, dirs * h)),
            })
            .collect();
        self.steps = steps;
        self.batch = batch;
    }

    fn check_steps_batch(&self, steps: usize, batch: usize, shape: &[usize]) -> Result<()> {
        if steps == 0 || batch == 0 {
            let layout = if self.cfg.batch_first {
                "(batch, num_steps, ...)"
            } else {
                "(num_steps, batch, ...)"
            };
            return Err(invalid(
                "input",
                format!("shape {}", shape_str(shape)),
                format!("expected {layout} with num_steps and batch at least 1"),
            ));
        }
        Ok(())
    }

    /// Takes a dense input `(T, n, input_size)` (or `(n, T, input_size)`
    /// when batch-first), checks it and copies it time-major.
    pub(crate) fn load_dense(&mut self, input: ArrayView3<'_, A>) -> Result<()> {
        self.ready = false;
        let tm = if self.cfg.batch_first {
            input.permuted_axes([1, 0, 2])
        } else {
            input
        };
        let (steps, batch, width) = tm.dim();
        self.check_steps_batch(steps, batch, input.shape())?;
        if width != self.cfg.input_size {
            let expected = if self.cfg.batch_first {
                [batch, steps, self.cfg.input_size]
            } else {
                [steps, batch, self.cfg.input_size]
            };
            return Err(invalid(
                "input",
                format!("shape {}", shape_str(input.shape())),
                format!(
                    "expected {} (the last axis must be input_size = {}), got width {width}",
                    shape_str(&expected),
                    self.cfg.input_size
                ),
            ));
        }
        self.ensure(steps, batch);
        if self.x0.dim() != (steps * batch, width) {
            self.x0 = Array2::zeros((steps * batch, width));
        }
        for t in 0..steps {
            self.x0
                .slice_mut(s![t * batch..(t + 1) * batch, ..])
                .assign(&tm.index_axis(Axis(0), t));
        }
        self.one_hot = false;
        Ok(())
    }

    /// Takes one-hot input as indices `(T, n)` (time-major; a transposed view is fine).
    pub(crate) fn load_indices(&mut self, indices: ArrayView2<'_, usize>) -> Result<()> {
        self.ready = false;
        let (steps, batch) = indices.dim();
        self.check_steps_batch(steps, batch, indices.shape())?;
        if let Some(&bad) = indices.iter().find(|&&i| i >= self.cfg.input_size) {
            return Err(invalid(
                "input",
                format!("index {bad}"),
                format!(
                    "one-hot indices must be below input_size = {}",
                    self.cfg.input_size
                ),
            ));
        }
        self.ensure(steps, batch);
        self.idx0.clear();
        self.idx0.extend(indices.iter().copied()); // row-major over (T, n): time-major
        self.one_hot = true;
        Ok(())
    }

    /// Checks every part of a state against `(layers * directions, n, hidden)`;
    /// `gradient` selects the names `d_h_n`, `d_c_n` instead of `h_0`, `c_0`.
    pub(crate) fn check_state(&self, state: &C::State, gradient: bool) -> Result<()> {
        let expected = self.cfg.state_shape(self.batch);
        for (p, name) in <C::State as LayerState<A>>::NAMES.iter().enumerate() {
            let got = state.part(p);
            if got.dim() != expected {
                let what = if gradient {
                    format!("d_{name}_n")
                } else {
                    format!("{name}_0")
                };
                return Err(invalid(
                    if gradient { "state gradient" } else { "state" },
                    format!("{what} of shape {}", shape_str(got.shape())),
                    format!(
                        "expected (num_layers * num_directions, batch, hidden_size) = {}",
                        shape_str(&[expected.0, expected.1, expected.2])
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Runs every layer over the loaded input from `state` (zeros when `None`).
    pub(crate) fn run_forward(&mut self, p: &RecurrentParams<A>, state: Option<&C::State>) {
        let (steps, n, hs) = (self.steps, self.batch, self.cfg.hidden_size);
        let dirs = self.cfg.num_directions();
        let (gh, cw) = (C::GATES * hs, C::CACHE * hs);
        let lstm = Self::parts() == 2;
        let hw_beta = if self.cfg.bias { A::one() } else { A::zero() };
        for l in 0..self.cfg.num_layers {
            let (below, rest) = self.layers.split_at_mut(l);
            let LayerBuffers { dirs: bufs, y, .. } = &mut rest[0];
            for (d, buf) in bufs.iter_mut().enumerate() {
                let w = &p.cells[l * dirs + d];
                // 1. The input's part of every gate, all steps in one product.
                //    One-hot input: row r of X W_ihᵀ is column idx[r] of W_ih (a gather).
                if l == 0 && self.one_hot {
                    for (mut row, &c) in buf.xw.outer_iter_mut().zip(&self.idx0) {
                        Zip::from(&mut row)
                            .and(&w.weight_ih.column(c))
                            .and(&w.bias_ih)
                            .for_each(|a, &wc, &b| *a = wc + b);
                    }
                } else {
                    let x = if l == 0 {
                        self.x0.view()
                    } else {
                        below[l - 1].y.view()
                    }; // [T n, I_l]
                    matmul(A::one(), &x, &w.weight_ih.t(), A::zero(), &mut buf.xw);
                    if self.cfg.bias {
                        buf.xw += &w.bias_ih;
                    }
                }
                // 2. The initial state.
                let j = l * dirs + d;
                for (part, target) in [&mut buf.h, &mut buf.c].into_iter().enumerate() {
                    if part == 1 && !lstm {
                        break;
                    }
                    let mut first = target.slice_mut(s![..n, ..]);
                    match state {
                        Some(st) => first.assign(&st.part(part).index_axis(Axis(0), j)),
                        None => first.fill(A::zero()),
                    }
                }
                // 3. Through time: step k reads time t (reversed for direction 1).
                for k in 0..steps {
                    let t = if d == 0 { k } else { steps - 1 - k };
                    if self.cfg.bias {
                        buf.hw.assign(&w.bias_hh);
                    }
                    // A small product (n rows): one thread, threads would cost more.
                    let h_prev = buf.h.slice(s![k * n..(k + 1) * n, ..]); // [n, H]
                    matmul_serial(A::one(), &h_prev, &w.weight_hh.t(), hw_beta, &mut buf.hw);
                    let xw =
                        &buf.xw.as_slice().expect("standard layout")[t * n * gh..(t + 1) * n * gh];
                    let (h_prev, h) =
                        prev_next(buf.h.as_slice_mut().expect("standard layout"), k, n * hs);
                    let (c_prev, c): (&[A], &mut [A]) = if lstm {
                        prev_next(buf.c.as_slice_mut().expect("standard layout"), k, n * hs)
                    } else {
                        (&[], &mut [])
                    };
                    let cache = &mut buf.cache.as_slice_mut().expect("standard layout")
                        [k * n * cw..(k + 1) * n * cw];
                    let hw = buf.hw.as_slice().expect("standard layout");
                    let cell = &self.cell;
                    vectorized(
                        #[inline(always)]
                        || {
                            cell.forward_step(CellForward {
                                hidden: hs,
                                xw,
                                hw,
                                h_prev,
                                c_prev,
                                h,
                                c,
                                cache,
                            })
                        },
                    );
                    y.slice_mut(s![t * n..(t + 1) * n, d * hs..(d + 1) * hs])
                        .assign(&buf.h.slice(s![(k + 1) * n..(k + 2) * n, ..]));
                }
            }
        }
        self.ready = true;
    }

    pub(crate) fn is_ready(&self) -> bool {
        self.ready
    }

    pub(crate) fn steps_batch(&self) -> (usize, usize) {
        (self.steps, self.batch)
    }

    /// Outputs of the last layer, time-major `(T n, D H)`.
    pub(crate) fn output(&self) -> ArrayView2<'_, A> {
        self.layers
            .last()
            .map(|l| l.y.view())
            .expect("a layer after a forward pass")
    }

    /// Where the gradient of [`Engine::output`] goes before [`Engine::run_backward`].
    pub(crate) fn d_output_mut(&mut self) -> ArrayViewMut2<'_, A> {
        self.layers
            .last_mut()
            .map(|l| l.d_y.view_mut())
            .expect("a layer after a forward pass")
    }

    /// The last layer's outputs and the buffer for their gradient, together.
    pub(crate) fn output_and_d_output(&mut self) -> (ArrayView2<'_, A>, ArrayViewMut2<'_, A>) {
        let last = self
            .layers
            .last_mut()
            .expect("a layer after a forward pass");
        (last.y.view(), last.d_y.view_mut())
    }

    /// Moves the last layer's outputs out (so that another thread can read
    /// them while [`Engine::run_backward`], which never reads them, runs);
    /// give them back with [`Engine::restore_output`].
    pub(crate) fn take_output(&mut self) -> Array2<A> {
        let last = self
            .layers
            .last_mut()
            .expect("a layer after a forward pass");
        std::mem::replace(&mut last.y, empty())
    }

    /// Puts back what [`Engine::take_output`] took.
    pub(crate) fn restore_output(&mut self, y: Array2<A>) {
        if let Some(last) = self.layers.last_mut() {
            last.y = y;
        }
    }

    /// Copies the state after the last step (\\(h_n\\), and \\(c_n\\)) into `state`.
    pub(crate) fn write_final_state(&self, state: &mut C::State) {
        let (steps, n) = (self.steps, self.batch);
        let dirs = self.cfg.num_directions();
        for (l, layer) in self.layers.iter().enumerate() {
            for (d, buf) in layer.dirs.iter().enumerate() {
                for (part, src) in [&buf.h, &buf.c].into_iter().enumerate().take(Self::parts()) {
                    state
                        .part_mut(part)
                        .index_axis_mut(Axis(0), l * dirs + d)
                        .assign(&src.slice(s![steps * n.., ..]));
                }
            }
        }
    }

    pub(crate) fn final_state(&self) -> C::State {
        let mut st = C::State::zeros(self.cfg.state_shape(self.batch));
        self.write_final_state(&mut st);
        st
    }

    /// Gradient of the initial state after [`Engine::run_backward`].
    pub(crate) fn initial_state_grad(&self) -> C::State {
        let mut st = C::State::zeros(self.cfg.state_shape(self.batch));
        let dirs = self.cfg.num_directions();
        for (l, layer) in self.layers.iter().enumerate() {
            for (d, buf) in layer.dirs.iter().enumerate() {
                for (part, src) in [&buf.carry_h, &buf.carry_c]
                    .into_iter()
                    .enumerate()
                    .take(Self::parts())
                {
                    st.part_mut(part)
                        .index_axis_mut(Axis(0), l * dirs + d)
                        .assign(src);
                }
            }
        }
        st
    }

    /// Backpropagation through time and through the layers, from the
    /// gradient already in [`Engine::d_output_mut`] and `d_state_n`
    /// (gradient of the final state; zeros when `None`). Overwrites `g`.
    /// Computes the dense input's gradient when `want_d_input`.
    pub(crate) fn run_backward(
        &mut self,
        p: &RecurrentParams<A>,
        g: &mut RecurrentParams<A>,
        d_state_n: Option<&C::State>,
        want_d_input: bool,
    ) {
        let (steps, n, hs) = (self.steps, self.batch, self.cfg.hidden_size);
        let dirs = self.cfg.num_directions();
        let (gh, cw) = (C::GATES * hs, C::CACHE * hs);
        let lstm = Self::parts() == 2;
        let want_d_x0 = want_d_input && !self.one_hot;
        if want_d_x0 && self.d_x0.dim() != self.x0.dim() {
            self.d_x0 = Array2::zeros(self.x0.dim());
        }
        for l in (0..self.cfg.num_layers).rev() {
            let (below, rest) = self.layers.split_at_mut(l);
            let LayerBuffers {
                dirs: bufs, d_y, ..
            } = &mut rest[0];
            for (d, buf) in bufs.iter_mut().enumerate() {
                let j = l * dirs + d;
                let (w, gw) = (&p.cells[j], &mut g.cells[j]);
                // The gradient arriving at the final state.
                for (part, carry) in [&mut buf.carry_h, &mut buf.carry_c].into_iter().enumerate() {
                    if part == 1 && !lstm {
                        break;
                    }
                    match d_state_n {
                        Some(st) => carry.assign(&st.part(part).index_axis(Axis(0), j)),
                        None => carry.fill(A::zero()),
                    }
                }
                // Through time, last processed step first.
                for k in (0..steps).rev() {
                    let t = if d == 0 { k } else { steps - 1 - k };
                    // dh_t = (from the output) + (from step k + 1)
                    Zip::from(&mut buf.d_h)
                        .and(&d_y.slice(s![t * n..(t + 1) * n, d * hs..(d + 1) * hs]))
                        .and(&buf.carry_h)
                        .for_each(|o, &a, &b| *o = a + b);
                    let h_all = buf.h.as_slice().expect("standard layout");
                    let c_prev: &[A] = if lstm {
                        &buf.c.as_slice().expect("standard layout")[k * n * hs..(k + 1) * n * hs]
                    } else {
                        &[]
                    };
                    let step = CellBackward {
                        hidden: hs,
                        h_prev: &h_all[k * n * hs..(k + 1) * n * hs],
                        h: &h_all[(k + 1) * n * hs..(k + 2) * n * hs],
                        c_prev,
                        cache: &buf.cache.as_slice().expect("standard layout")
                            [k * n * cw..(k + 1) * n * cw],
                        dh: buf.d_h.as_slice_mut().expect("standard layout"),
                        dc: buf.carry_c.as_slice_mut().expect("standard layout"),
                        d_xw: &mut buf.d_xw.as_slice_mut().expect("standard layout")
                            [t * n * gh..(t + 1) * n * gh],
                        d_hw: &mut buf.d_hw.as_slice_mut().expect("standard layout")
                            [k * n * gh..(k + 1) * n * gh],
                    };
                    let cell = &self.cell;
                    vectorized(
                        #[inline(always)]
                        || cell.backward_step(step),
                    );
                    // dh_{t-1} = (direct part, left in d_h) + d(hw) W_hh
                    let d_hw = buf.d_hw.slice(s![k * n..(k + 1) * n, ..]);
                    matmul_serial(A::one(), &d_hw, &w.weight_hh, A::one(), &mut buf.d_h);
                    std::mem::swap(&mut buf.d_h, &mut buf.carry_h);
                }
                // Weight gradients, all steps in one product each.
                let h_prev_all = buf.h.slice(s![..steps * n, ..]); // [T n, H], processing order
                matmul(
                    A::one(),
                    &buf.d_hw.t(),
                    &h_prev_all,
                    A::zero(),
                    &mut gw.weight_hh,
                );
                if self.cfg.bias {
                    sum_rows(&buf.d_hw, &mut gw.bias_hh);
                    sum_rows(&buf.d_xw, &mut gw.bias_ih);
                }
                if l == 0 && self.one_hot {
                    // Scatter: column idx[r] of dW_ih gains row r of d(xw).
                    gw.weight_ih.fill(A::zero());
                    for (row, &c) in buf.d_xw.outer_iter().zip(&self.idx0) {
                        let mut col = gw.weight_ih.column_mut(c);
                        col += &row;
                    }
                } else {
                    let x = if l == 0 {
                        self.x0.view()
                    } else {
                        below[l - 1].y.view()
                    };
                    matmul(A::one(), &buf.d_xw.t(), &x, A::zero(), &mut gw.weight_ih);
                }
                // The input's gradient: the layer below's output, or the input itself.
                let beta = if d == 0 { A::zero() } else { A::one() };
                if l > 0 {
                    matmul(
                        A::one(),
                        &buf.d_xw,
                        &w.weight_ih,
                        beta,
                        &mut below[l - 1].d_y,
                    );
                } else if want_d_x0 {
                    matmul(A::one(), &buf.d_xw, &w.weight_ih, beta, &mut self.d_x0);
                }
            }
        }
    }

    /// `(T n, D H)` time-major rows as `(T, n, D H)`, or `(n, T, D H)` when batch-first.
    fn to_layout(&self, rows: ArrayView2<'_, A>) -> Array3<A> {
        let (steps, n) = (self.steps, self.batch);
        let width = rows.ncols();
        let tm = rows
            .to_owned()
            .into_shape_with_order((steps, n, width))
            .expect("rows = steps * batch");
        if self.cfg.batch_first {
            tm.permuted_axes([1, 0, 2])
                .as_standard_layout()
                .into_owned()
        } else {
            tm
        }
    }
}

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

impl<C: Cell<A>, A: Real> Clone for Recurrent<C, A> {
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

impl<C: Cell<A>, A: Real> Recurrent<C, A> {
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
        self.engine.run_forward(&self.params, state);
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

impl<C: Cell<A>, A: Real> fmt::Display for Recurrent<C, A> {
    /// PyTorch's repr, e.g. `GRU(1027, 256, num_layers=2)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&torch_repr(C::KIND, &self.engine.cfg))
    }
}

impl<C: Cell<A>, A: Real> fmt::Debug for Recurrent<C, A> {
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
