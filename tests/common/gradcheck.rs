//! The gradient check every model goes through: the hand-written backward
//! pass against central finite differences, in f64, for every parameter and
//! every entry of the initial state.

use d2l_rnn::loss::softmax_cross_entropy;
use d2l_rnn::model::{Parameters, RecurrentModelExt};
use ndarray::{Array2, ArrayD};

/// Step of the central differences.
pub const EPS: f64 = 1e-5;
/// Largest relative error accepted.
pub const TOL: f64 = 1e-4;
/// Floor of the relative error's denominator (see [`super::relative_error`]).
pub const FLOOR: f64 = 1e-6;

/// Mean cross-entropy of `model` on `(x, y)` from the state `s0`.
pub fn loss<M: RecurrentModelExt<Elem = f64>>(
    model: &mut M,
    x: &Array2<usize>,
    y: &Array2<usize>,
    s0: &M::State,
) -> f64 {
    let mut state = s0.clone();
    let logits = model.forward(x.view(), &mut state).to_owned();
    let mut d = Array2::zeros(logits.dim());
    softmax_cross_entropy(logits.view(), y.view(), d.view_mut())
}

/// The analytic gradients of one forward and backward pass, by tensor name:
/// the parameters, then the initial state (`H_0`, `C_0`).
#[derive(Clone, Debug)]
pub struct Analytic {
    pub params: Vec<(&'static str, ArrayD<f64>)>,
    pub state: Vec<(&'static str, ArrayD<f64>)>,
}

/// Loss, then every gradient, of one forward/backward pass from `s0`.
pub fn analytic<M: RecurrentModelExt<Elem = f64>>(
    model: &mut M,
    x: &Array2<usize>,
    y: &Array2<usize>,
    s0: &M::State,
) -> (f64, Analytic) {
    let mut state = s0.clone();
    let logits = model.forward(x.view(), &mut state).to_owned();
    let mut d = Array2::zeros(logits.dim());
    let l = softmax_cross_entropy(logits.view(), y.view(), d.view_mut());
    model.backward(d.view());
    let owned = |t: Vec<(&'static str, ndarray::ArrayViewD<'_, f64>)>| {
        t.into_iter().map(|(n, v)| (n, v.to_owned())).collect()
    };
    let params = owned(model.params_and_grads().1.tensors());
    let state = owned(model.state_grad().tensors());
    (l, Analytic { params, state })
}

/// What a check found: the worst relative error, where, and every entry
/// above [`TOL`] (`"W_hz[0]: analytic … vs numeric …"`).
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The relative error's floor; 0 means [`FLOOR`].
    pub floor: f64,
    pub worst: f64,
    pub worst_at: String,
    pub failures: Vec<String>,
}

impl Report {
    /// Records one entry: its label, analytic and numeric value.
    pub fn see(&mut self, what: String, analytic: f64, numeric: f64) {
        let floor = if self.floor > 0.0 { self.floor } else { FLOOR };
        let err = super::relative_error(analytic, numeric, floor);
        if err > TOL {
            self.failures.push(format!(
                "{what}: analytic {analytic:e} vs numeric {numeric:e} (relative error {err:e})"
            ));
        }
        if err >= self.worst {
            self.worst = err;
            self.worst_at = what;
        }
    }

    /// Panics with every failure when there is one; returns the worst error.
    pub fn assert_ok(&self, label: &str) -> f64 {
        assert!(
            self.failures.is_empty(),
            "{label}: {} entries off:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
        eprintln!(
            "{label:<40} worst relative error {:.2e} at {}",
            self.worst, self.worst_at
        );
        self.worst
    }
}

/// Compares `expected` with central differences for every parameter entry
/// (`W_hh[3]`, flat index) and every initial-state entry (`H_0[3]`).
pub fn compare<M: RecurrentModelExt<Elem = f64>>(
    model: &mut M,
    x: &Array2<usize>,
    y: &Array2<usize>,
    s0: &M::State,
    expected: &Analytic,
) -> Report {
    compare_with_floor(model, x, y, s0, expected, FLOOR)
}

/// [`compare`] with another floor for the relative error: a mini-batch of
/// many rows has gradients that shrink with the row count (the loss is a
/// mean) while the differences' rounding noise (about 1e-10 here) does not.
pub fn compare_with_floor<M: RecurrentModelExt<Elem = f64>>(
    model: &mut M,
    x: &Array2<usize>,
    y: &Array2<usize>,
    s0: &M::State,
    expected: &Analytic,
    floor: f64,
) -> Report {
    let mut report = Report {
        floor,
        ..Report::default()
    };
    for (k, (name, grad)) in expected.params.iter().enumerate() {
        for (j, &a) in grad.iter().enumerate() {
            let nudge = |model: &mut M, delta: f64| {
                let mut tensors = model.params_and_grads().0.tensors_mut();
                if let Some(v) = tensors[k].1.iter_mut().nth(j) {
                    *v += delta;
                }
            };
            nudge(model, EPS);
            let plus = loss(model, x, y, s0);
            nudge(model, -2.0 * EPS);
            let minus = loss(model, x, y, s0);
            nudge(model, EPS);
            report.see(format!("{name}[{j}]"), a, (plus - minus) / (2.0 * EPS));
        }
    }
    for (k, (name, grad)) in expected.state.iter().enumerate() {
        for (j, &a) in grad.iter().enumerate() {
            let nudged = |delta: f64| {
                let mut s = s0.clone();
                if let Some(v) = s.tensors_mut()[k].1.iter_mut().nth(j) {
                    *v += delta;
                }
                s
            };
            let plus = loss(model, x, y, &nudged(EPS));
            let minus = loss(model, x, y, &nudged(-EPS));
            report.see(format!("{name}_0[{j}]"), a, (plus - minus) / (2.0 * EPS));
        }
    }
    report
}

/// [`analytic`], then [`compare`].
pub fn check<M: RecurrentModelExt<Elem = f64>>(
    model: &mut M,
    x: &Array2<usize>,
    y: &Array2<usize>,
    s0: &M::State,
) -> Report {
    let (_, expected) = analytic(model, x, y, s0);
    compare(model, x, y, s0, &expected)
}

/// The check must be able to fail: spoil the analytic entry `index` of the
/// tensor `name` by 0.1 % (ten times [`TOL`]) and require that exactly that
/// entry, `"{name}[{index}]"`, is reported.
pub fn assert_spoiled_entry_is_caught<M: RecurrentModelExt<Elem = f64>>(
    model: &mut M,
    x: &Array2<usize>,
    y: &Array2<usize>,
    s0: &M::State,
    name: &str,
    index: usize,
) {
    let (_, mut expected) = analytic(model, x, y, s0);
    let (label, tensors) = match name.strip_suffix("_0") {
        Some(state_name) => (state_name, &mut expected.state),
        None => (name, &mut expected.params),
    };
    let tensor = tensors
        .iter_mut()
        .find(|(n, _)| *n == label)
        .unwrap_or_else(|| panic!("no tensor {name}"));
    let entry = tensor.1.iter_mut().nth(index).expect("index within tensor");
    assert!(
        entry.abs() > 1e-4,
        "{name}[{index}] = {entry}: too small to spoil"
    );
    *entry *= 1.001;
    let report = compare(model, x, y, s0, &expected);
    let want = format!("{name}[{index}]:");
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    assert!(
        report.failures[0].starts_with(&want),
        "{:?}",
        report.failures
    );
}
