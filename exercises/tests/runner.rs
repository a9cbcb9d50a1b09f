//! `cargo run -p exercises` as a student meets it: the committed stubs all fail with a
//! friendly line and nothing panics; the worked answers all pass.

use std::process::{Command, Output};

fn exercises(args: &[&str]) -> (Output, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_exercises"))
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stdout, stderr)
}

#[test]
fn the_stubs_fail_one_friendly_line_each_and_nothing_panics() {
    let (out, stdout, stderr) = exercises(&[]);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let failed: Vec<&str> = stdout.lines().filter(|l| l.starts_with("✗ ")).collect();
    assert_eq!(failed.len(), 14, "{stdout}");
    assert!(failed
        .iter()
        .all(|l| l.ends_with("not written yet: replace the todo!() with your code")));
    assert!(failed[0].starts_with("✗ one_hot (exercises/practice/data_onehot.rs): "));
    assert!(stdout.ends_with("0 of 14 exercises pass\n"), "{stdout}");
    for text in [&stdout, &stderr] {
        assert!(
            !text.contains("panicked") && !text.contains("RUST_BACKTRACE"),
            "{text}"
        );
    }
}

#[test]
fn the_worked_answers_all_pass() {
    let (out, stdout, _) = exercises(&["--solutions"]);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert_eq!(stdout.lines().filter(|l| l.starts_with("✓ ")).count(), 14);
    let (out, stdout, _) = exercises(&["--solutions", "rnn_backward"]);
    assert!(out.status.success());
    assert_eq!(stdout, "✓ rnn_backward\n1 of 1 exercises pass\n");
}

#[test]
fn an_unknown_name_lists_the_exercises() {
    let (out, _, stderr) = exercises(&["rnn_forward"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("no exercise is called \"rnn_forward\"") && stderr.contains("rnn_backward"),
        "{stderr}"
    );
    let (out, stdout, _) = exercises(&["--list"]);
    assert!(out.status.success());
    assert!(stdout.contains("lstm_step_backward") && stdout.contains("exercises/practice/lstm.rs"));
}
