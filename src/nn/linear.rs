//! PyTorch's `nn.Linear`: the section's output layer `dense`.

use super::{intern, shape_str};
use crate::error::{positive, Error, Result};
use crate::fast::kernels::linalg::{matmul, matmul_with, Threads};
use crate::fast::FastReal;
use crate::model::Parameters;
use ndarray::{Array1, Array2, ArrayView2, ArrayViewD, ArrayViewMut2, ArrayViewMutD};
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::{Rng, SeedableRng};

/// Weights of a [`Linear`] layer, named as PyTorch's `state_dict()`:
/// `weight` `(out_features, in_features)` and `bias` `(out_features,)`
/// (`dense.weight`, `dense.bias` inside an [`super::RNNModel`]). The same
/// type holds the gradients.
///
/// ```
/// use d2l_rnn::model::Parameters;
/// let p = d2l_rnn::nn::LinearParams::<f32>::uniform(256, 1027, 0).with_prefix("dense.");
/// let t = p.tensors();
/// assert_eq!((t[0].0, t[0].1.shape()), ("dense.weight", &[1027, 256][..]));
/// assert_eq!((t[1].0, t[1].1.shape()), ("dense.bias", &[1027][..]));
/// assert!(p.weight.iter().all(|w| w.abs() <= 1.0 / 16.0)); // 1/sqrt(256)
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LinearParams<A = f32> {
    /// \\(W\\), `(out_features, in_features)`.
    pub weight: Array2<A>,
    /// \\(b\\), `(out_features,)`.
    pub bias: Array1<A>,
    names: [&'static str; 2],
}

impl<A: FastReal> LinearParams<A> {
    /// The layer as the fast engine's output layer: \\(W^\top\\) `(in, out)` and \\(b\\).
    pub(crate) fn output(&self) -> crate::fast::engine::Output<'_, A> {
        crate::fast::engine::Output {
            weight: self.weight.t(),
            bias: self.bias.view(),
        }
    }

    /// Zeros (for gradients, or to load a checkpoint into).
    pub fn zeros(in_features: usize, out_features: usize) -> Self {
        LinearParams {
            weight: Array2::zeros((out_features, in_features)),
            bias: Array1::zeros(out_features),
            names: ["weight", "bias"],
        }
    }

    /// PyTorch's initialisation: weight and bias from
    /// \\(U(-1/\sqrt{\text{in}}, 1/\sqrt{\text{in}})\\) (what
    /// `kaiming_uniform_(a=sqrt(5))` amounts to), seeded by `seed`.
    pub fn uniform(in_features: usize, out_features: usize, seed: u64) -> Self {
        let mut p = Self::zeros(in_features, out_features);
        let k = 1.0 / (in_features.max(1) as f64).sqrt();
        let mut rng = StdRng::seed_from_u64(seed);
        let mut draw = || A::from_f64(rng.random_range(-k..k)).unwrap_or_else(A::zero);
        p.weight.mapv_inplace(|_| draw());
        p.bias.mapv_inplace(|_| draw());
        p
    }

    /// The same tensors named `{prefix}weight`, `{prefix}bias`.
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        self.names = [
            intern(format!("{prefix}weight")),
            intern(format!("{prefix}bias")),
        ];
        self
    }

    /// Input width.
    pub fn in_features(&self) -> usize {
        self.weight.ncols()
    }

    /// Output width.
    pub fn out_features(&self) -> usize {
        self.weight.nrows()
    }

    /// \\(Y = X W^\top + b\\) into `y` `(rows, out)`.
    pub(crate) fn forward_into(&self, x: &ArrayView2<'_, A>, y: &mut Array2<A>) {
        if y.dim() != (x.nrows(), self.out_features()) {
            *y = Array2::zeros((x.nrows(), self.out_features()));
        }
        matmul(A::one(), x, &self.weight.t(), A::zero(), y);
        *y += &self.bias;
    }

    /// \\(\partial W = \partial Y^\top X\\), \\(\partial b = \sum_{rows} \partial Y\\)
    /// into `grads`, and \\(\partial X = \partial Y\, W\\) into `dx` when given.
    pub(crate) fn backward_into(
        &self,
        grads: &mut Self,
        x: &ArrayView2<'_, A>,
        dy: &ArrayView2<'_, A>,
        dx: Option<&mut ArrayViewMut2<'_, A>>,
    ) {
        Self::weight_grads_into(grads, x, dy, Threads::Pool);
        if let Some(dx) = dx {
            matmul(A::one(), dy, &self.weight, A::zero(), dx);
        }
    }

    /// \\(\partial W = \partial Y^\top X\\) and \\(\partial b = \sum_{rows} \partial Y\\) only.
    pub(crate) fn weight_grads_into(
        grads: &mut Self,
        x: &ArrayView2<'_, A>,
        dy: &ArrayView2<'_, A>,
        threads: Threads,
    ) {
        matmul_with(threads, A::one(), &dy.t(), x, A::zero(), &mut grads.weight);
        grads.bias.fill(A::zero());
        for row in dy.outer_iter() {
            grads.bias += &row;
        }
    }
}

impl<A> Parameters<A> for LinearParams<A> {
    fn tensors(&self) -> Vec<(&'static str, ArrayViewD<'_, A>)> {
        vec![
            (self.names[0], self.weight.view().into_dyn()),
            (self.names[1], self.bias.view().into_dyn()),
        ]
    }

    fn tensors_mut(&mut self) -> Vec<(&'static str, ArrayViewMutD<'_, A>)> {
        vec![
            (self.names[0], self.weight.view_mut().into_dyn()),
            (self.names[1], self.bias.view_mut().into_dyn()),
        ]
    }
}

/// PyTorch's `nn.Linear(in_features, out_features)`:
///
/// \\[ Y = X W^\top + b, \qquad X\ (N, \text{in}),\ W\ (\text{out}, \text{in}),\ Y\ (N, \text{out}). \\]
///
/// Backward: \\(\partial W = \partial Y^\top X\\), \\(\partial b = \sum_{rows}
/// \partial Y\\), \\(\partial X = \partial Y\, W\\). Buffers are kept between calls.
///
/// ```
/// use d2l_rnn::nn::Linear;
/// use ndarray::array;
/// let mut dense = Linear::new(2, 3, 0)?;
/// dense.params.weight.assign(&array![[1.0f32, 0.0], [0.0, 1.0], [1.0, 1.0]]);
/// dense.params.bias.assign(&array![0.0f32, 0.5, -1.0]);
/// let y = dense.forward(array![[2.0f32, 3.0]].view())?.to_owned();
/// assert_eq!(y, array![[2.0, 3.5, 4.0]]);
/// let dx = dense.backward(array![[1.0f32, 1.0, 1.0]].view())?.to_owned();
/// assert_eq!(dx, array![[2.0, 2.0]]);                       // dY W
/// assert_eq!(dense.grads.weight, array![[2.0, 3.0], [2.0, 3.0], [2.0, 3.0]]); // dYᵀ X
/// assert!(dense.forward(array![[1.0f32, 2.0, 3.0]].view()).is_err()); // width 3, expected 2
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Linear<A = f32> {
    /// The weights.
    pub params: LinearParams<A>,
    /// Their gradients after the last [`Linear::backward`].
    pub grads: LinearParams<A>,
    input: Array2<A>,
    output: Array2<A>,
    d_input: Array2<A>,
}

impl Linear<f32> {
    /// A layer with PyTorch's initialisation, seeded by `seed`; a size of 0 is an error.
    pub fn new(in_features: usize, out_features: usize, seed: u64) -> Result<Self> {
        Self::init(in_features, out_features, seed)
    }
}

impl<A: FastReal> Linear<A> {
    /// [`Linear::new`] for any element type.
    pub fn init(in_features: usize, out_features: usize, seed: u64) -> Result<Self> {
        positive("in_features", in_features)?;
        positive("out_features", out_features)?;
        Ok(Linear {
            params: LinearParams::uniform(in_features, out_features, seed),
            grads: LinearParams::zeros(in_features, out_features),
            input: Array2::zeros((0, in_features)),
            output: Array2::zeros((0, out_features)),
            d_input: Array2::zeros((0, in_features)),
        })
    }

    /// \\(Y = X W^\top + b\\) for `x` `(N, in_features)`; keeps `x` for the backward pass.
    pub fn forward(&mut self, x: ArrayView2<'_, A>) -> Result<ArrayView2<'_, A>> {
        if x.ncols() != self.params.in_features() {
            return Err(Error::InvalidArgument {
                name: "input",
                value: format!("shape {}", shape_str(x.shape())),
                hint: format!(
                    "expected {} (in_features = {})",
                    shape_str(&[x.nrows(), self.params.in_features()]),
                    self.params.in_features()
                ),
            });
        }
        if self.input.dim() != x.dim() {
            self.input = Array2::zeros(x.dim());
        }
        self.input.assign(&x);
        self.params
            .forward_into(&self.input.view(), &mut self.output);
        Ok(self.output.view())
    }

    /// Given \\(\partial Y\\) (shaped as the last output), overwrites the
    /// gradients and returns \\(\partial X\\).
    pub fn backward(&mut self, d_y: ArrayView2<'_, A>) -> Result<ArrayView2<'_, A>> {
        if d_y.dim() != self.output.dim() {
            return Err(Error::InvalidArgument {
                name: "d_output",
                value: format!("shape {}", shape_str(d_y.shape())),
                hint: format!(
                    "expected the last output's shape {}",
                    shape_str(self.output.shape())
                ),
            });
        }
        if self.d_input.dim() != self.input.dim() {
            self.d_input = Array2::zeros(self.input.dim());
        }
        let mut dx = self.d_input.view_mut();
        self.params
            .backward_into(&mut self.grads, &self.input.view(), &d_y, Some(&mut dx));
        Ok(self.d_input.view())
    }
}
