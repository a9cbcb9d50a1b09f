//! The `d2l-rnn` binary end to end: train, save, history, generate, and
//! clear errors (exit code 1, a message, no panic) for bad input.

mod common;

use common::cli::{bin, temp_dir, text};

#[test]
fn train_writes_history_and_checkpoint_then_generate_reads_it() {
    let dir = temp_dir("train");
    let corpus = dir.join("lyrics.txt");
    std::fs::write(
        &corpus,
        "我想要的爱写在西元前\n深埋在美索不达米亚平原\n".repeat(40),
    )
    .unwrap();
    let (history, model) = (dir.join("h.json"), dir.join("m.safetensors"));
    let out = bin()
        .args(["train", "--corpus"])
        .arg(&corpus)
        .args([
            "--epochs", "4", "--hidden", "16", "--lr", "1", "--clip", "1",
        ])
        .args([
            "--batch-size",
            "4",
            "--num-steps",
            "8",
            "--pred-period",
            "2",
            "--pred-len",
            "5",
        ])
        .args(["--prefix", "我想", "--sampling", "consecutive", "--history"])
        .arg(&history)
        .arg("--save")
        .arg(&model)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("epoch 2, perplexity "), "{stdout}");
    assert!(stdout.contains(" - 我想"), "{stdout}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&history).unwrap()).unwrap();
    let epochs = json["epochs"].as_array().unwrap();
    assert_eq!(epochs.len(), 4);
    assert_eq!(epochs[3]["epoch"], 4);
    assert!(epochs[3]["perplexity"].as_f64().unwrap() > 1.0);
    assert!(epochs[3]["seconds"].as_f64().unwrap() >= 0.0);

    let out = bin()
        .arg("generate")
        .arg("--load")
        .arg(&model)
        .args(["--prefix", "深埋", "--len", "7"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout.trim().chars().count(), 9, "{stdout}");
    assert!(stdout.starts_with("深埋"));

    let out = bin()
        .arg("generate")
        .arg("--load")
        .arg(&model)
        .args(["--prefix", "深X"])
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("'X'") && !stderr.contains("panicked"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_input_exits_with_a_message_not_a_panic() {
    let dir = temp_dir("bad");
    let tiny = dir.join("tiny.txt");
    std::fs::write(&tiny, "分开不分开").unwrap();
    let latin1 = dir.join("latin1.txt");
    std::fs::write(&latin1, b"caf\xe9 au lait").unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "train".into(),
                "--corpus".into(),
                tiny.display().to_string(),
            ],
            "needs at least",
        ),
        (
            vec![
                "train".into(),
                "--corpus".into(),
                latin1.display().to_string(),
            ],
            "not UTF-8",
        ),
        (
            vec![
                "train".into(),
                "--corpus".into(),
                dir.join("none.txt").display().to_string(),
            ],
            "none.txt",
        ),
        (
            vec![
                "train".into(),
                "--corpus".into(),
                tiny.display().to_string(),
                "--batch-size".into(),
                "0".into(),
            ],
            "batch_size",
        ),
        (
            vec![
                "train".into(),
                "--corpus".into(),
                tiny.display().to_string(),
                "--hidden".into(),
                "0".into(),
            ],
            "num_hiddens",
        ),
        (
            vec![
                "generate".into(),
                "--load".into(),
                tiny.display().to_string(),
            ],
            "checkpoint",
        ),
        (
            vec![
                "book-outputs".into(),
                "--check".into(),
                "--dir".into(),
                dir.join("no-such-folder").display().to_string(),
            ],
            "no-such-folder",
        ),
        (
            vec![
                "book-runner".into(),
                "--book".into(),
                dir.join("no-book").display().to_string(),
            ],
            "no-book",
        ),
    ];
    for (args, expected) in cases {
        let out = bin().args(&args).output().unwrap();
        let (_, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    let out = bin()
        .args(["train", "--sampling", "sideways"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).1.contains("sideways"));
    std::fs::remove_dir_all(&dir).ok();
}
