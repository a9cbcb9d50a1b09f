//! Sizes a user can mistype: refused before anything of that size is
//! allocated, or streamed so that a long run shows itself and ends when its
//! reader stops.

mod common;

use common::cli::{bin, corpus, temp_dir, text};
use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Runs `train` on a small corpus with `args`, expecting a quick refusal
/// whose message holds every one of `expected`.
fn refused(name: &str, args: &[&str], expected: &[&str]) {
    let dir = temp_dir(name);
    let start = Instant::now();
    let out = bin()
        .arg("train")
        .arg("--corpus")
        .arg(corpus(&dir))
        .args(args)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {stdout}{stderr}");
    for e in expected {
        assert!(stderr.contains(e), "{args:?}: {stderr}");
    }
    assert!(!stderr.contains("panicked") && !stderr.contains("memory allocation"));
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{args:?} took {:?}",
        start.elapsed()
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_model_too_large_for_memory_is_refused_with_what_it_needs() {
    refused(
        "sizes-hidden",
        &["--hidden", "2000000", "--epochs", "1"],
        &[
            "invalid num_hiddens = 2000000",
            "TB",
            "available",
            "--hidden",
        ],
    );
    refused(
        "sizes-layers",
        &[
            "--impl",
            "concise",
            "--model",
            "lstm",
            "--hidden",
            "400000",
            "--num-layers",
            "2",
        ],
        &["invalid num_hiddens = 400000", "available"],
    );
}

#[test]
fn a_mini_batch_too_large_for_memory_is_refused() {
    refused(
        "sizes-batch",
        &["--batch-size", "100000000", "--epochs", "1"],
        &[
            "invalid batch_size = 100000000",
            "one mini-batch",
            "available",
        ],
    );
}

#[test]
fn a_prediction_longer_than_training_writes_is_refused() {
    refused(
        "sizes-pred-len",
        &["--epochs", "1", "--pred-len", "1000000000"],
        &["invalid pred_len = 1000000000", "100000", "generate --len"],
    );
}

#[test]
fn generate_streams_and_ends_when_its_reader_stops() {
    let dir = temp_dir("stream");
    let ck = dir.join("m.safetensors");
    let trained = bin()
        .args([
            "train",
            "--epochs",
            "1",
            "--hidden",
            "16",
            "--num-steps",
            "5",
        ])
        .args([
            "--batch-size",
            "4",
            "--pred-period",
            "1",
            "--pred-len",
            "3",
            "--prefix",
            "我想",
            "--corpus",
        ])
        .arg(corpus(&dir))
        .arg("--save")
        .arg(&ck)
        .output()
        .unwrap();
    assert!(trained.status.success(), "{:?}", text(&trained));
    let start = Instant::now();
    let mut child = bin()
        .args([
            "generate",
            "--len",
            "100000000",
            "--temperature",
            "1",
            "--prefix",
            "我想",
        ])
        .arg("--load")
        .arg(&ck)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A hundred million characters take many minutes: the first ones arrive at once.
    let mut first = vec![0u8; 60];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    assert!(String::from_utf8_lossy(&first).starts_with("我想"));
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    // The pipe is closed (the reader dropped it): the run ends by itself, quietly.
    let ended = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > Duration::from_secs(30) {
            child.kill().ok();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(ended.is_some(), "generate went on after its reader stopped");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}
