//! Exercises for every chapter of d2l-rnn, and the checks that grade them.
//!
//! Each `check_*` function takes your version of one function of the book (a closure or a
//! function with the same signature as the stub in `exercises/practice/`), runs it on small
//! fixed inputs, and compares it with the crate's reference (and, for the backward passes,
//! with central differences). `Ok(())` means it is right; the `Err` says which output or
//! gradient, which entry, expected and got, and a hint. A panic in your code (a `todo!()`
//! not yet replaced) is reported the same way.
//!
//! ```
//! use exercises::check_perplexity;
//! assert!(check_perplexity(|loss_sum, count| (loss_sum / count as f64).exp()).is_ok());
//! let wrong = check_perplexity(|loss_sum, _| loss_sum.exp()).unwrap_err();
//! assert!(wrong.to_string().contains("mean"));
//! ```

mod checks;
mod feedback;
mod fixtures;

pub use checks::clipping::{check_grad_clipping, check_perplexity, check_sample_with_temperature};
pub use checks::data::{
    check_data_iter_consecutive, check_data_iter_random, check_one_hot, check_to_onehot, Batches,
};
pub use checks::gated::{
    check_gru_step, check_gru_step_backward, check_lstm_step, check_lstm_step_backward,
};
pub use checks::rnn::{check_rnn, check_rnn_backward, check_rnn_step};
pub use feedback::{Check, Feedback};

/// Prints `✓ name`, or `✗ name: ` and what is wrong, as `cargo run -p exercises` does (for a
/// notebook cell); `true` when the check passed.
///
/// ```
/// use exercises::{check_perplexity, report};
/// assert!(report("perplexity", check_perplexity(|sum, count| (sum / count as f64).exp())));
/// assert!(!report("perplexity", check_perplexity(|_, _| todo!()))); // ✗ perplexity: not written yet: …
/// ```
pub fn report(name: &str, check: Check) -> bool {
    match check {
        Ok(()) => {
            println!("✓ {name}");
            true
        }
        Err(feedback) => {
            println!("✗ {name}: {feedback}");
            false
        }
    }
}
