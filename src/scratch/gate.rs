//! One gate's parameters, declared once for every from-scratch model.
//!
//! Each from-scratch model is a few gates of the same shape, then an output
//! layer: the RNN's hidden state is one such affine map, the GRU has three
//! (update, reset, candidate), the LSTM four (input, forget, output,
//! candidate cell). [`Gate`] holds one of them, and [`GatedParams`] lets
//! initialisation, the list of tensors and their names be written once.

use crate::real::Real;
use ndarray::{Array1, Array2, ArrayViewD, ArrayViewMutD, Axis};
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::SeedableRng;
use ndarray_rand::rand_distr::{Distribution, StandardNormal};

/// The book's names of one gate's tensors: input weights, hidden weights,
/// bias (for the GRU's update gate `["W_xz", "W_hz", "b_z"]`).
pub type GateNames = [&'static str; 3];

/// One gate's affine map of the input \\(X_t\\) and the previous hidden
/// state \\(H_{t-1}\\):
///
/// \\[ A_t = X_t W_x + H_{t-1} W_h + b. \\]
///
/// Shapes: `w_x (d, h)`, `w_h (h, h)`, `b (h,)` for `d` inputs and `h`
/// hidden units. The same type holds the gradients.
///
/// ```
/// use d2l_rnn::scratch::Gate;
/// use ndarray::array;
/// let gate = Gate { w_x: array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], // (d = 3, h = 2)
///                   w_h: array![[1.0, 0.0], [0.0, 2.0]], b: array![0.5, 0.5] };
/// // X_t is one-hot: the rows for characters 2 and 0.
/// let a = gate.affine(&[2, 0], &array![[1.0, 1.0], [0.0, 0.0]]);
/// assert_eq!(a, array![[6.5, 8.5], [1.5, 2.5]]);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Gate<A = f32> {
    /// Input weights \\(W_x\\), `(num_inputs, num_hiddens)`.
    pub w_x: Array2<A>,
    /// Hidden weights \\(W_h\\), `(num_hiddens, num_hiddens)`.
    pub w_h: Array2<A>,
    /// Bias \\(b\\), `(num_hiddens,)`.
    pub b: Array1<A>,
}

impl<A: Real> Gate<A> {
    /// All zeros, for `num_inputs` inputs and `num_hiddens` hidden units.
    ///
    /// ```
    /// let g = d2l_rnn::scratch::Gate::<f32>::zeros(7, 5);
    /// assert_eq!((g.w_x.dim(), g.w_h.dim(), g.b.len()), ((7, 5), (5, 5), 5));
    /// ```
    pub fn zeros(num_inputs: usize, num_hiddens: usize) -> Self {
        Gate {
            w_x: Array2::zeros((num_inputs, num_hiddens)),
            w_h: Array2::zeros((num_hiddens, num_hiddens)),
            b: Array1::zeros(num_hiddens),
        }
    }

    /// \\(A = X W_x + H W_h + b\\) `(n, h)` for one-hot rows \\(X\\) given by
    /// their indices `xs` `(n,)` and the hidden state `h` `(n, h)`. A one-hot
    /// row times \\(W_x\\) is a row of \\(W_x\\), so the product is a gather.
    pub fn affine(&self, xs: &[usize], h: &Array2<A>) -> Array2<A> {
        self.w_x.select(Axis(0), xs) + h.dot(&self.w_h) + &self.b
    }

    /// The backward pass of [`Gate::affine`], added into `self` used as the
    /// gradient: given \\(\partial A\\) `(n, h)`,
    /// \\(\partial W_x\[x_i\] \mathrel{+}= \partial A_i\\),
    /// \\(\partial W_h \mathrel{+}= H^\top \partial A\\),
    /// \\(\partial b \mathrel{+}= \sum_i \partial A_i\\).
    /// The gradient for \\(H\\), \\(\partial A\, W_h^\top\\), is the caller's.
    ///
    /// ```
    /// use d2l_rnn::scratch::Gate;
    /// use ndarray::array;
    /// let mut grad = Gate::<f64>::zeros(3, 2);
    /// grad.add_grad(&[2, 2], &array![[1.0, 0.0], [0.0, 1.0]], &array![[1.0, 2.0], [3.0, 4.0]]);
    /// assert_eq!(grad.w_x.row(2), array![4.0, 6.0]); // both rows picked character 2
    /// assert_eq!(grad.w_h, array![[1.0, 2.0], [3.0, 4.0]]);
    /// assert_eq!(grad.b, array![4.0, 6.0]);
    /// ```
    pub fn add_grad(&mut self, xs: &[usize], h: &Array2<A>, d_a: &Array2<A>) {
        for (&x, d_row) in xs.iter().zip(d_a.rows()) {
            let mut w_row = self.w_x.row_mut(x);
            w_row += &d_row;
        }
        self.w_h += &h.t().dot(d_a);
        self.b += &d_a.sum_axis(Axis(0));
    }

    /// The three tensors with their names.
    fn tensors(&self, names: GateNames) -> [(&'static str, ArrayViewD<'_, A>); 3] {
        [
            (names[0], self.w_x.view().into_dyn()),
            (names[1], self.w_h.view().into_dyn()),
            (names[2], self.b.view().into_dyn()),
        ]
    }

    /// The three tensors with their names, mutable.
    fn tensors_mut(&mut self, names: GateNames) -> [(&'static str, ArrayViewMutD<'_, A>); 3] {
        [
            (names[0], self.w_x.view_mut().into_dyn()),
            (names[1], self.w_h.view_mut().into_dyn()),
            (names[2], self.b.view_mut().into_dyn()),
        ]
    }
}

/// A from-scratch parameter set: gates, then the output layer
/// \\(Y = H W_{hq} + b_q\\) with `w_hq (h, q)` and `b_q (q,)`, where the
/// vocabulary size is \\(d = q\\).
///
/// An implementation names its gates once ([`GatedParams::GATE_NAMES`]) and
/// hands them out in that order; zeros, the seeded initialisation and the
/// named tensor list ([`gated_tensors`]) follow from it.
///
/// ```
/// use d2l_rnn::scratch::{GatedParams, GruParams};
/// let p = GruParams::<f64>::normal(7, 5, 0.01, 1);
/// assert_eq!(p, GruParams::<f64>::normal(7, 5, 0.01, 1)); // same seed, same numbers
/// assert_eq!((p.vocab_size(), p.num_hiddens()), (7, 5));
/// assert_eq!(GruParams::<f32>::zeros(7, 5).reset.b.sum(), 0.0);
/// ```
pub trait GatedParams<A: Real>: Sized {
    /// The tensor names of each gate, in order.
    const GATE_NAMES: &'static [GateNames];

    /// Builds the set from its gates (`gate(i)` is gate `i` of
    /// [`GatedParams::GATE_NAMES`]) and its output layer.
    fn from_parts(gate: impl FnMut(usize) -> Gate<A>, w_hq: Array2<A>, b_q: Array1<A>) -> Self;

    /// The gates, in the order of [`GatedParams::GATE_NAMES`].
    fn gates(&self) -> Vec<&Gate<A>>;

    /// The output layer `(w_hq, b_q)`.
    fn output(&self) -> (&Array2<A>, &Array1<A>);

    /// The gates and the output layer, mutable.
    #[allow(clippy::type_complexity)]
    fn parts_mut(&mut self) -> (Vec<&mut Gate<A>>, &mut Array2<A>, &mut Array1<A>);

    /// All zeros (the shape of the gradients).
    fn zeros(vocab_size: usize, num_hiddens: usize) -> Self {
        let (d, h) = (vocab_size, num_hiddens);
        Self::from_parts(
            |_| Gate::zeros(d, h),
            Array2::zeros((h, d)),
            Array1::zeros(d),
        )
    }

    /// The book's initialisation: every weight matrix drawn from
    /// \\(N(0, \mathrm{std}^2)\\) by one generator seeded with `seed`, gate
    /// by gate (\\(W_x\\), then \\(W_h\\)), then \\(W_{hq}\\); biases zero.
    /// A NaN or infinite `std` counts as 0.
    fn normal(vocab_size: usize, num_hiddens: usize, std: f64, seed: u64) -> Self {
        let (d, h) = (vocab_size, num_hiddens);
        let mut draw = NormalInit::new(std, seed);
        let mut gates: Vec<Gate<A>> = Self::GATE_NAMES
            .iter()
            .map(|_| Gate {
                w_x: draw.matrix((d, h)),
                w_h: draw.matrix((h, h)),
                b: Array1::zeros(h),
            })
            .collect();
        let w_hq = draw.matrix((h, d));
        Self::from_parts(|i| std::mem::take(&mut gates[i]), w_hq, Array1::zeros(d))
    }

    /// Vocabulary size \\(d = q\\).
    fn vocab_size(&self) -> usize {
        self.output().0.ncols()
    }

    /// Number of hidden units \\(h\\).
    fn num_hiddens(&self) -> usize {
        self.output().0.nrows()
    }
}

/// The named tensors of a [`GatedParams`]: each gate's three, then `W_hq`
/// and `b_q` (the order of `Parameters::tensors`).
pub fn gated_tensors<A: Real, P: GatedParams<A>>(p: &P) -> Vec<(&'static str, ArrayViewD<'_, A>)> {
    let mut tensors: Vec<_> = p
        .gates()
        .into_iter()
        .zip(P::GATE_NAMES)
        .flat_map(|(gate, &names)| gate.tensors(names))
        .collect();
    let (w_hq, b_q) = p.output();
    tensors.push(("W_hq", w_hq.view().into_dyn()));
    tensors.push(("b_q", b_q.view().into_dyn()));
    tensors
}

/// [`gated_tensors`], mutable.
pub fn gated_tensors_mut<A: Real, P: GatedParams<A>>(
    p: &mut P,
) -> Vec<(&'static str, ArrayViewMutD<'_, A>)> {
    let (gates, w_hq, b_q) = p.parts_mut();
    let mut tensors: Vec<_> = gates
        .into_iter()
        .zip(P::GATE_NAMES)
        .flat_map(|(gate, &names)| gate.tensors_mut(names))
        .collect();
    tensors.push(("W_hq", w_hq.view_mut().into_dyn()));
    tensors.push(("b_q", b_q.view_mut().into_dyn()));
    tensors
}

/// Draws matrices from \\(N(0, \mathrm{std}^2)\\) with one seeded generator.
///
/// ```
/// use d2l_rnn::scratch::NormalInit;
/// let (mut a, mut b) = (NormalInit::new(0.01, 3), NormalInit::new(0.01, 3));
/// assert_eq!(a.matrix::<f64>((2, 2)), b.matrix::<f64>((2, 2)));
/// assert!(a.matrix::<f32>((3, 3)).iter().all(|w| w.abs() < 0.1));
/// ```
#[derive(Clone, Debug)]
pub struct NormalInit {
    rng: StdRng,
    std: f64,
}

impl NormalInit {
    /// A generator for \\(N(0, \mathrm{std}^2)\\) seeded by `seed`; a NaN or
    /// infinite `std` counts as 0, a negative one as its absolute value.
    pub fn new(std: f64, seed: u64) -> Self {
        let std = if std.is_finite() { std.abs() } else { 0.0 };
        NormalInit {
            rng: StdRng::seed_from_u64(seed),
            std,
        }
    }

    /// A matrix of `shape` filled row by row with fresh draws
    /// \\(0 + \mathrm{std} \cdot z\\), \\(z \sim N(0, 1)\\) (the arithmetic of
    /// `rand_distr::Normal`).
    pub fn matrix<A: Real>(&mut self, shape: (usize, usize)) -> Array2<A> {
        Array2::from_shape_simple_fn(shape, || {
            let z: f64 = StandardNormal.sample(&mut self.rng);
            A::from_f64(0.0 + self.std * z).unwrap_or_else(A::zero)
        })
    }
}
