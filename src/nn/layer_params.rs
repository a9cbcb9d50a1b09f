//! A recurrent layer's weights, named and shaped as PyTorch's `state_dict()`,
//! with PyTorch's initialisation.

use super::{intern, ModelKind, RnnConfig};

use crate::fast::FastReal;
use crate::model::Parameters;
use ndarray::{Array1, Array2, ArrayViewD, ArrayViewMutD};
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::{Rng, SeedableRng};

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

impl<A: FastReal> RecurrentParams<A> {
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
