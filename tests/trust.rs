//! Training a user can trust: a diverging run stops with advice and saves
//! nothing, `--epochs 0` is refused, `--load` goes on exactly where a run
//! stopped (any model kind), refuses a corpus the checkpoint cannot read,
//! and `--valid-frac` reports a held-out perplexity.

mod common;

use common::cli::{bin, corpus, temp_dir, text};
use d2l_rnn::train::History;
use std::path::Path;

fn train(dir: &Path, args: &[&str]) -> std::process::Output {
    bin()
        .current_dir(dir)
        .args(["train", "--corpus"])
        .arg(corpus(dir))
        .args(["--hidden", "16", "--pred-len", "4", "--prefix", "我想"])
        .args(["--batch-size", "4", "--num-steps", "8"])
        .args(args)
        .output()
        .expect("run d2l-rnn")
}

/// `train --load m.safetensors --epochs 1` with `args`.
fn go_on(dir: &Path, args: &[&str]) -> std::process::Output {
    bin()
        .current_dir(dir)
        .args(["train", "--load", "m.safetensors", "--epochs", "1"])
        .args(args)
        .output()
        .expect("run d2l-rnn")
}

fn perplexities(path: &Path) -> Vec<f64> {
    let json = std::fs::read_to_string(path).expect("history written");
    let h: History = serde_json::from_str(&json).expect("history JSON");
    h.epochs.iter().map(|r| r.perplexity).collect()
}

#[test]
fn a_diverging_run_stops_with_advice_and_leaves_the_old_checkpoint() {
    let dir = temp_dir("trust-diverge");
    let ck = dir.join("m.safetensors");
    assert!(train(&dir, &["--epochs", "1", "--save", "m.safetensors"])
        .status
        .success());
    let before = std::fs::read(&ck).expect("checkpoint");
    let out = train(
        &dir,
        &[
            "--epochs",
            "3",
            "--lr",
            "1e30",
            "--clip",
            "1e30",
            "--save",
            "m.safetensors",
        ],
    );
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("diverged in epoch 1"), "{err}");
    assert!(
        err.contains("--lr, now 1e30") && err.contains("--clip, now 1e30"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        std::fs::read(&ck).expect("checkpoint"),
        before,
        "the old checkpoint was touched"
    );
}

#[test]
fn zero_epochs_are_refused() {
    let dir = temp_dir("trust-zero");
    let out = train(&dir, &["--epochs", "0", "--save", "z.safetensors"]);
    let (stdout, err) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("num_epochs = 0") && err.contains("at least one epoch"),
        "{err}"
    );
    assert!(!stdout.contains("NaN") && !dir.join("z.safetensors").exists());
}

/// 2 epochs, saved, then 2 more with `--load`, give the perplexities of 4 in one run.
fn resumes_exactly(name: &str, extra: &[&str]) {
    let dir = temp_dir(&format!("trust-resume-{name}"));
    let run = |args: &[&str]| {
        let out = train(&dir, &[extra, args, &["--pred-period", "100"]].concat());
        assert!(out.status.success(), "{}", text(&out).1);
    };
    run(&["--epochs", "4", "--history", "whole.json"]);
    run(&[
        "--epochs",
        "2",
        "--history",
        "first.json",
        "--save",
        "half.safetensors",
    ]);
    let out = bin()
        .current_dir(&dir)
        .args(["train", "--corpus"])
        .arg(corpus(&dir))
        .args([
            "--load",
            "half.safetensors",
            "--epochs",
            "2",
            "--history",
            "second.json",
        ])
        .args([
            "--pred-period",
            "100",
            "--pred-len",
            "4",
            "--prefix",
            "我想",
        ])
        .args(if extra.contains(&"readable") {
            &["--engine", "readable"][..]
        } else {
            &[]
        })
        .output()
        .expect("run d2l-rnn");
    let (stdout, err) = text(&out);
    assert!(out.status.success(), "{err}");
    assert!(stdout.contains("after epoch 2"), "{stdout}");
    let whole = perplexities(&dir.join("whole.json"));
    let resumed = [
        perplexities(&dir.join("first.json")),
        perplexities(&dir.join("second.json")),
    ]
    .concat();
    assert_eq!(whole.len(), 4);
    assert_eq!(resumed, whole, "{name}: resumed run differs");
}

#[test]
fn resuming_gives_the_same_perplexities_from_scratch_consecutive() {
    resumes_exactly("scratch-consecutive", &["--sampling", "consecutive"]);
}

#[test]
fn resuming_gives_the_same_perplexities_from_scratch_random() {
    // The shuffles of the epochs done are replayed from the seed.
    resumes_exactly(
        "scratch-random",
        &["--sampling", "random", "--model", "gru"],
    );
}

#[test]
fn resuming_gives_the_same_perplexities_with_adam() {
    // Adam's moments and step travel in the checkpoint.
    resumes_exactly("concise-lstm", &["--impl", "concise", "--model", "lstm"]);
}

#[test]
fn resuming_the_readable_engine_gives_the_same_perplexities() {
    resumes_exactly(
        "readable",
        &["--engine", "readable", "--sampling", "consecutive"],
    );
}

#[test]
fn a_corpus_with_unknown_characters_or_another_shape_is_refused() {
    let dir = temp_dir("trust-refuse");
    assert!(train(&dir, &["--epochs", "1", "--save", "m.safetensors"])
        .status
        .success());
    let other = dir.join("other.txt");
    std::fs::write(&other, "我想要的爱 ΩΨ".repeat(30)).expect("write");
    let out = go_on(&dir, &["--corpus", other.to_str().expect("a UTF-8 path")]);
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("lacks 2 of its characters") && err.contains("'Ω'") && err.contains("'Ψ'"),
        "{err}"
    );
    for (flag, value, says) in [
        ("--hidden", "32", "fixes the model's shape"),
        ("--model", "gru", "holds a rnn model"),
        ("--impl", "concise", "holds a scratch model"),
    ] {
        let corpus = corpus(&dir);
        let out = go_on(
            &dir,
            &[
                flag,
                value,
                "--corpus",
                corpus.to_str().expect("a UTF-8 path"),
            ],
        );
        let (_, err) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{flag}: {}", text(&out).1);
        assert!(err.contains(says), "{flag}: {err}");
    }
}

#[test]
fn held_out_perplexity_is_printed_and_recorded_and_old_histories_still_load() {
    let dir = temp_dir("trust-valid");
    let out = train(
        &dir,
        &[
            "--epochs",
            "2",
            "--pred-period",
            "2",
            "--valid-frac",
            "0.2",
            "--history",
            "v.json",
            "--plot",
            "v.svg",
        ],
    );
    let (stdout, err) = text(&out);
    assert!(out.status.success(), "{err}");
    assert!(stdout.contains("valid perplexity"), "{stdout}");
    let h: History =
        serde_json::from_str(&std::fs::read_to_string(dir.join("v.json")).unwrap()).unwrap();
    assert!(h
        .epochs
        .iter()
        .all(|r| r.valid_perplexity.is_some_and(|v| v > 1.0)));
    // Without --valid-frac the JSON is as before, and such files load.
    let old = r#"{"epochs":[{"epoch":1,"perplexity":2.5,"seconds":0.1}],"samples":[]}"#;
    let h: History = serde_json::from_str(old).expect("an old history loads");
    assert_eq!(
        (h.epochs[0].valid_perplexity, h.to_json()),
        (None, old.to_string())
    );
    let svg = std::fs::read_to_string(dir.join("v.svg")).expect("the plot");
    assert!(
        svg.starts_with("<svg") && svg.contains("(held out)"),
        "{svg:.200}"
    );
    let out = train(&dir, &["--epochs", "1", "--plot", "v.png"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let png = std::fs::read(dir.join("v.png")).expect("the PNG plot");
    assert!(png.starts_with(b"\x89PNG"));
    let out = train(&dir, &["--epochs", "1", "--plot", "v.pdf"]);
    assert!(text(&out).1.contains("ending in .svg or .png"));
    let out = train(&dir, &["--epochs", "1", "--valid-frac", "0.95"]);
    assert!(text(&out).1.contains("valid_frac = 0.95"));
}
