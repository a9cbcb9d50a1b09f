//! The CLI with the concise models: `train --model rnn|gru|lstm --impl
//! concise`, checkpoints of every kind, and `generate` on any of them.

mod common;

use common::cli::{bin, corpus, temp_dir, text};
use d2l_rnn::checkpoint::{load_any, Implementation};
use d2l_rnn::nn::ModelKind;
use std::path::{Path, PathBuf};
use std::process::Output;

fn train(dir: &Path, extra: &[&str]) -> (Output, PathBuf) {
    let model = dir.join(format!("{}.safetensors", extra.join("").replace('-', "")));
    let out = bin()
        .args(["train", "--corpus"])
        .arg(corpus(dir))
        .args([
            "--epochs",
            "3",
            "--hidden",
            "8",
            "--batch-size",
            "4",
            "--num-steps",
            "6",
        ])
        .args([
            "--pred-period",
            "3",
            "--pred-len",
            "4",
            "--prefix",
            "我想",
            "--save",
        ])
        .arg(&model)
        .args(extra)
        .output()
        .unwrap();
    (out, model)
}

#[test]
fn every_concise_kind_trains_saves_and_generates() {
    let dir = temp_dir("kinds");
    for (kind, extra) in [
        (
            ModelKind::Rnn,
            vec![
                "--model",
                "rnn",
                "--impl",
                "concise",
                "--nonlinearity",
                "relu",
            ],
        ),
        (
            ModelKind::Gru,
            vec!["--model", "gru", "--impl", "concise", "--num-layers", "2"],
        ),
        (
            ModelKind::Lstm,
            vec!["--model", "lstm", "--impl", "concise", "--bidirectional"],
        ),
    ] {
        let (out, model) = train(&dir, &extra);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{extra:?}\n{stdout}\n{stderr}");
        assert!(stdout.contains("epoch 3, perplexity "), "{stdout}");
        assert!(stdout.contains("model saved to"), "{stdout}");
        let (any, _) = load_any(&model).unwrap();
        assert_eq!(
            (any.kind(), any.implementation()),
            (kind, Implementation::Concise)
        );

        let out = bin()
            .args(["generate", "--load"])
            .arg(&model)
            .args(["--prefix", "深埋", "--len", "7"])
            .output()
            .unwrap();
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stderr}");
        let line = stdout.trim_end_matches('\n');
        assert!(
            line.starts_with("深埋") && line.chars().count() == 9,
            "{line}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_default_is_still_the_from_scratch_rnn() {
    let dir = temp_dir("default");
    let (out, model) = train(&dir, &["--lr", "1", "--clip", "1"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let (any, _) = load_any(&model).unwrap();
    assert_eq!(
        (any.kind(), any.implementation()),
        (ModelKind::Rnn, Implementation::Scratch)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn options_that_do_not_fit_are_errors_with_a_message() {
    let dir = temp_dir("bad");
    for (extra, expected) in [
        (vec!["--model", "lstm", "--bidirectional"], "--impl concise"),
        (vec!["--num-layers", "2"], "--impl concise"),
        (
            vec![
                "--model",
                "gru",
                "--impl",
                "concise",
                "--nonlinearity",
                "relu",
            ],
            "nonlinearity",
        ),
        (
            vec!["--model", "rnn", "--impl", "concise", "--num-layers", "0"],
            "num_layers",
        ),
        (vec!["--model", "transformer"], "transformer"),
        (vec!["--impl", "keras"], "keras"),
    ] {
        let (out, _) = train(&dir, &extra);
        let (_, stderr) = text(&out);
        assert!(!out.status.success(), "{extra:?} should fail");
        assert!(stderr.contains(expected), "{extra:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{extra:?}: {stderr}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_from_scratch_gru_and_lstm_train_save_and_generate() {
    let dir = temp_dir("scratch");
    for (kind, name) in [(ModelKind::Gru, "gru"), (ModelKind::Lstm, "lstm")] {
        let (out, model) = train(&dir, &["--model", name, "--lr", "1", "--clip", "1"]);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{name}\n{stdout}\n{stderr}");
        let (any, _) = load_any(&model).unwrap();
        assert_eq!(
            (any.kind(), any.implementation()),
            (kind, Implementation::Scratch)
        );
        let out = bin()
            .args(["generate", "--load"])
            .arg(&model)
            .args(["--prefix", "深埋"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out).1);
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn generate_samples_with_temperature_top_k_and_seed() {
    let dir = temp_dir("sampling");
    let (out, model) = train(&dir, &["--model", "gru", "--impl", "concise"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let generate = |extra: &[&str]| {
        let out = bin()
            .args(["generate", "--load"])
            .arg(&model)
            .args(["--prefix", "深埋", "--len", "30"])
            .args(extra)
            .output()
            .unwrap();
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{extra:?}: {stderr}");
        stdout
    };
    let hot = ["--temperature", "5", "--seed", "3"];
    assert_eq!(generate(&hot), generate(&hot), "same seed, same text");
    assert_ne!(
        generate(&hot),
        generate(&["--temperature", "5", "--seed", "4"]),
        "another seed, other text (30 characters at temperature 5)"
    );
    let greedy = generate(&[]);
    assert_eq!(
        greedy,
        generate(&["--temperature", "3", "--top-k", "1", "--seed", "9"])
    );
    let out = bin()
        .args(["generate", "--load"])
        .arg(&model)
        .args(["--prefix", "深埋", "--temperature=-1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).1.contains("temperature"), "{}", text(&out).1);
    std::fs::remove_dir_all(&dir).ok();
}
