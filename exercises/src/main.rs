//! `cargo run -p exercises`: checks every exercise in `exercises/practice/` and prints one
//! line each, `✓ name` or `✗ name: what is wrong`; exit code 0 only when all pass.
//!
//! - `cargo run -p exercises -- NAME` checks one exercise (`--list` names them);
//! - `cargo run -p exercises -- --solutions` checks the worked answers instead;
//! - `cargo run -p exercises -- --watch` checks again whenever a practice file is saved.

#[path = "../practice/mod.rs"]
mod practice;
#[path = "../solutions/mod.rs"]
mod solutions;
mod watch;

use exercises::*;

/// One exercise: its name, the file (in `practice/` and `solutions/`) and its check.
struct Exercise {
    name: &'static str,
    file: &'static str,
    check: Box<dyn Fn() -> Check>,
}

/// Every exercise in the book's order, checking the functions of module `$m`.
macro_rules! exercises {
    ($m:ident) => {
        vec![
            ex("one_hot", "data_onehot.rs", || {
                check_one_hot($m::data_onehot::one_hot)
            }),
            ex("to_onehot", "data_onehot.rs", || {
                check_to_onehot($m::data_onehot::to_onehot)
            }),
            ex("data_iter_random", "sampling.rs", || {
                check_data_iter_random($m::sampling::data_iter_random)
            }),
            ex("data_iter_consecutive", "sampling.rs", || {
                check_data_iter_consecutive($m::sampling::data_iter_consecutive)
            }),
            ex("rnn_step", "rnn_scratch.rs", || {
                check_rnn_step($m::rnn_scratch::rnn_step)
            }),
            ex("rnn", "rnn_scratch.rs", || check_rnn($m::rnn_scratch::rnn)),
            ex("rnn_backward", "bptt.rs", || {
                check_rnn_backward($m::bptt::rnn_backward)
            }),
            ex("grad_clipping", "clipping_perplexity.rs", || {
                check_grad_clipping($m::clipping_perplexity::grad_clipping)
            }),
            ex("perplexity", "clipping_perplexity.rs", || {
                check_perplexity($m::clipping_perplexity::perplexity)
            }),
            ex("sample_with_temperature", "training.rs", || {
                check_sample_with_temperature($m::training::sample_with_temperature)
            }),
            ex("gru_step", "gru.rs", || check_gru_step($m::gru::gru_step)),
            ex("gru_step_backward", "gru.rs", || {
                check_gru_step_backward($m::gru::gru_step_backward)
            }),
            ex("lstm_step", "lstm.rs", || {
                check_lstm_step($m::lstm::lstm_step)
            }),
            ex("lstm_step_backward", "lstm.rs", || {
                check_lstm_step_backward($m::lstm::lstm_step_backward)
            }),
        ]
    };
}

fn ex(name: &'static str, file: &'static str, check: impl Fn() -> Check + 'static) -> Exercise {
    Exercise {
        name,
        file,
        check: Box::new(check),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--watch") {
        watch::watch(&args);
        return;
    }
    let solutions = args.iter().any(|a| a == "--solutions");
    let (all, folder) = if solutions {
        (exercises!(solutions), "exercises/solutions")
    } else {
        (exercises!(practice), "exercises/practice")
    };
    if args.iter().any(|a| a == "--list") {
        for e in &all {
            println!("{:<24} {folder}/{}", e.name, e.file);
        }
        return;
    }
    let names: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    if let Some(unknown) = names
        .iter()
        .find(|n| !all.iter().any(|e| e.name == n.as_str()))
    {
        let known: Vec<&str> = all.iter().map(|e| e.name).collect();
        eprintln!(
            "error: no exercise is called {unknown:?}; the exercises are: {}",
            known.join(", ")
        );
        std::process::exit(2);
    }
    let chosen: Vec<&Exercise> = all
        .iter()
        .filter(|e| names.is_empty() || names.iter().any(|n| n.as_str() == e.name))
        .collect();
    let mut passed = 0;
    for e in &chosen {
        match (e.check)() {
            Ok(()) => {
                passed += 1;
                println!("✓ {}", e.name);
            }
            Err(feedback) => println!("✗ {} ({folder}/{}): {feedback}", e.name, e.file),
        }
    }
    println!("{passed} of {} exercises pass", chosen.len());
    if passed < chosen.len() {
        std::process::exit(1);
    }
}
