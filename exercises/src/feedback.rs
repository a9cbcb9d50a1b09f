//! What a check says: nothing when the answer is right, else one message a student can act
//! on (which output, which entry, expected and got, and a hint).

use ndarray::{ArrayBase, Data, Dimension, IntoDimension};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};

/// Why an answer is not accepted, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Feedback(pub String);

impl fmt::Display for Feedback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The result of one check.
pub type Check = Result<(), Feedback>;

/// Fails with `message`.
pub(crate) fn fail<T>(message: impl Into<String>) -> Result<T, Feedback> {
    Err(Feedback(message.into()))
}

/// Runs the student's code; a panic (a `todo!()` not yet replaced, an index out of bounds)
/// becomes feedback instead of a crash, and prints nothing.
pub(crate) fn run<T>(f: impl FnOnce() -> T) -> Result<T, Feedback> {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    panic::set_hook(previous);
    result.map_err(|payload| {
        let text = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        if text.starts_with("not yet implemented") {
            Feedback("not written yet: replace the todo!() with your code".into())
        } else {
            Feedback(format!("your function panicked: {text}"))
        }
    })
}

/// Entries closer than this (relative to the larger magnitude, or absolutely below 1) count
/// as equal.
const TOLERANCE: f64 = 1e-6;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= TOLERANCE * a.abs().max(b.abs()).max(1.0)
}

/// `true` when `got` has `expected`'s shape and entries.
pub(crate) fn matches<S, T, D>(got: &ArrayBase<S, D>, expected: &ArrayBase<T, D>) -> bool
where
    S: Data<Elem = f64>,
    T: Data<Elem = f64>,
    D: Dimension,
{
    got.shape() == expected.shape() && got.iter().zip(expected).all(|(g, e)| close(*g, *e))
}

/// Compares `got` with `expected`. On a difference, says the entry of `what` that is furthest
/// off and, when
/// `got` equals one of `mistakes` (`(hint, what that mistake gives)`), that mistake's hint;
/// otherwise `hint`.
pub(crate) fn compare<S, T, D>(
    what: &str,
    got: &ArrayBase<S, D>,
    expected: &ArrayBase<T, D>,
    mistakes: &[(&str, ndarray::Array<f64, D>)],
    hint: &str,
) -> Check
where
    S: Data<Elem = f64>,
    T: Data<Elem = f64>,
    D: Dimension,
{
    let known = mistakes
        .iter()
        .find(|(_, wrong)| matches(got, wrong))
        .map(|(h, _)| *h);
    let hint = known.unwrap_or(hint);
    if got.shape() != expected.shape() {
        return fail(format!(
            "{what} has shape {:?}, expected {:?}\n    hint: {hint}",
            got.shape(),
            expected.shape()
        ));
    }
    // The entry that is furthest off: the one a student learns most from.
    let mut worst: Option<(String, f64, f64, f64)> = None;
    for ((index, g), e) in got.indexed_iter().zip(expected.iter()) {
        let at = format!("{:?}", index.into_dimension().slice());
        if g.is_nan() {
            return fail(format!(
                "{what} entry {at} is NaN (expected {e:.6})\n    hint: {hint}"
            ));
        }
        let off = (g - e).abs() / e.abs().max(1.0);
        if !close(*g, *e) && worst.as_ref().is_none_or(|w| off > w.3) {
            worst = Some((at, *e, *g, off));
        }
    }
    if let Some((at, e, g, _)) = worst {
        return fail(format!(
            "{what} entry {at}: expected {e:.6}, got {g:.6}\n    hint: {hint}"
        ));
    }
    Ok(())
}

/// Compares two numbers the same way.
pub(crate) fn compare_number(what: &str, got: f64, expected: f64, hint: &str) -> Check {
    if got.is_nan() {
        return fail(format!(
            "{what} is NaN (expected {expected:.6})\n    hint: {hint}"
        ));
    }
    if !close(got, expected) {
        return fail(format!(
            "{what}: expected {expected:.6}, got {got:.6}\n    hint: {hint}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn messages_name_the_entry_and_the_known_mistake() {
        let expected = array![[1.0, 2.0], [3.0, 4.0]];
        assert_eq!(compare("Y", &expected.clone(), &expected, &[], "h"), Ok(()));
        let got = array![[1.0, 2.0], [3.5, 4.0]];
        let err = compare("Y", &got, &expected, &[], "check the sum")
            .unwrap_err()
            .0;
        assert_eq!(
            err,
            "Y entry [1, 0]: expected 3.000000, got 3.500000\n    hint: check the sum"
        );
        let err = compare(
            "Y",
            &got,
            &expected,
            &[("tanh forgotten", got.clone())],
            "x",
        );
        assert!(err.unwrap_err().0.ends_with("hint: tanh forgotten"));
        let err = compare("Y", &expected.t(), &array![[1.0, 2.0, 3.0]], &[], "rows").unwrap_err();
        assert!(err.0.starts_with("Y has shape [2, 2], expected [1, 3]"));
    }

    #[test]
    fn a_panic_is_feedback_and_prints_nothing() {
        let todo = run(|| -> f64 { todo!() }).unwrap_err();
        assert_eq!(
            todo.0,
            "not written yet: replace the todo!() with your code"
        );
        let values = [1.0];
        let index = run(|| values[std::hint::black_box(3)]).unwrap_err();
        assert!(index
            .0
            .starts_with("your function panicked: index out of bounds"));
        assert_eq!(run(|| 2.0), Ok(2.0));
    }
}
