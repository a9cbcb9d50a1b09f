//! `d2l-rnn inspect`: each view from a saved checkpoint, its JSON and drawings, and a clear
//! error (exit code 1 or clap's 2, a message, no panic) for each kind of bad input.

mod common;

use common::cli::{bin, corpus, temp_dir, text};
use d2l_rnn::checkpoint::load_any;
use d2l_rnn::inspect::LossAt;
use std::path::{Path, PathBuf};
use std::process::Output;

/// Trains a 16-unit RNN on the small corpus for 3 epochs and saves it (`clip` as given).
fn trained(dir: &Path, clip: &str) -> PathBuf {
    let model = dir.join(format!("m-{clip}.safetensors"));
    let out = bin()
        .args(["train", "--corpus"])
        .arg(corpus(dir))
        .args([
            "--epochs", "3", "--hidden", "16", "--lr", "1", "--clip", clip,
        ])
        .args([
            "--batch-size",
            "4",
            "--num-steps",
            "8",
            "--pred-period",
            "3",
        ])
        .args(["--pred-len", "2", "--prefix", "我想", "--save"])
        .arg(&model)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    model
}

fn inspect(args: &[&str], load: Option<&Path>) -> Output {
    let mut cmd = bin();
    cmd.arg("inspect").args(args);
    if let Some(path) = load {
        cmd.arg("--load").arg(path);
    }
    cmd.output().unwrap()
}

/// Fails unless the run failed with a message containing every one of `needles`.
fn fails_with(out: &Output, needles: &[&str]) {
    let (stdout, stderr) = text(out);
    assert!(!out.status.success(), "succeeded: {stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "missing {needle:?} in {stderr}");
    }
}

#[test]
fn gradients_json_holds_one_norm_per_step_equal_to_the_library() {
    let dir = temp_dir("inspect-gradients");
    let model = trained(&dir, "1");
    let text_ = "我想要的爱写在西元前";
    for (loss, loss_at) in [("last", LossAt::Last), ("all", LossAt::Mean)] {
        let json = dir.join(format!("g-{loss}.json"));
        let json_arg = json.to_str().unwrap();
        let out = inspect(
            &[
                "gradients",
                "--text",
                text_,
                "--loss",
                loss,
                "--json",
                json_arg,
            ],
            Some(&model),
        );
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stdout}\n{stderr}");
        assert!(stdout.contains("   9  元  "), "{stdout}"); // step 9 reads the 9th character
        let value: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
        let object = value.as_object().unwrap();
        assert_eq!(object.keys().collect::<Vec<_>>(), ["norms"]);
        let norms: Vec<f64> = value["norms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(norms.len(), text_.chars().count() - 1);
        let (mut m, vocab) = load_any(&model).unwrap();
        let expected = m.gradient_through_time(&vocab, text_, loss_at).unwrap();
        // JSON carries each f64 to the last digit; serde_json's reader may round it by an ulp.
        for (got, want) in norms.iter().zip(&expected.norms) {
            assert!((got - want).abs() <= 1e-15 * want.abs(), "{got} vs {want}");
        }
    }
}

#[test]
fn clipping_reads_the_record_a_checkpoint_keeps() {
    let dir = temp_dir("inspect-clipping");
    for (clip, share) in [("1e9", 0.0), ("1e-9", 1.0)] {
        let model = trained(&dir, clip);
        let json = dir.join(format!("c-{clip}.json"));
        let svg = dir.join(format!("c-{clip}.svg"));
        let out = inspect(
            &[
                "clipping",
                "--json",
                json.to_str().unwrap(),
                "--out",
                svg.to_str().unwrap(),
            ],
            Some(&model),
        );
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stdout}\n{stderr}");
        let value: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
        assert_eq!(value["theta"].as_f64(), clip.parse().ok());
        let epochs = value["epochs"].as_array().unwrap();
        assert_eq!(epochs.len(), 3);
        for e in epochs {
            assert_eq!(e["clipped_share"].as_f64(), Some(share), "{e}");
            assert!(e["grad_norm_min"].as_f64() <= e["grad_norm_max"].as_f64());
        }
        let svg = std::fs::read_to_string(&svg).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("\nmedian\n</text>"));
    }
}

#[test]
fn units_and_temperature_draw_svg_and_html() {
    let dir = temp_dir("inspect-units");
    let model = trained(&dir, "1");
    for (view, file) in [
        ("units", "u.svg"),
        ("units", "u.html"),
        ("temperature", "t.svg"),
        ("temperature", "t.html"),
        ("gradients", "g.html"),
    ] {
        let path = dir.join(file);
        let text_arg = if view == "temperature" {
            "我想"
        } else {
            "我想要的爱"
        };
        let out = inspect(
            &[view, "--text", text_arg, "--out", path.to_str().unwrap()],
            Some(&model),
        );
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{view}: {stdout}\n{stderr}");
        let drawn = std::fs::read_to_string(&path).unwrap();
        let head = if file.ends_with(".svg") {
            "<svg"
        } else {
            "<!DOCTYPE html>"
        };
        assert!(drawn.starts_with(head), "{file}: {}", &drawn[..40]);
    }
    let out = inspect(
        &["units", "--text", "我想要", "--unit", "15", "--unit", "0"],
        Some(&model),
    );
    let (stdout, _) = text(&out);
    assert!(stdout.contains("unit 15 (variance ") && stdout.contains("unit 0 (variance "));
    let out = inspect(
        &[
            "temperature",
            "--text",
            "我想",
            "--temperatures",
            "0,1",
            "--len",
            "4",
        ],
        Some(&model),
    );
    let (stdout, _) = text(&out);
    assert_eq!(
        stdout.lines().filter(|l| l.contains("我想")).count(),
        2,
        "{stdout}"
    );
}

#[test]
fn bad_input_gets_a_message_naming_it() {
    let dir = temp_dir("inspect-errors");
    let model = trained(&dir, "1");
    let not_a_checkpoint = dir.join("notes.txt");
    std::fs::write(&not_a_checkpoint, "分开").unwrap();
    fails_with(
        &inspect(&["gradients"], Some(&not_a_checkpoint)),
        &["notes.txt", "not a readable safetensors file"],
    );
    fails_with(
        &inspect(&["histogram"], Some(&model)),
        &[
            "invalid value 'histogram'",
            "gradients",
            "clipping",
            "units",
            "temperature",
        ],
    );
    fails_with(
        &inspect(&["units", "--text", "我想", "--unit", "16"], Some(&model)),
        &["invalid unit = 16", "16 hidden units, numbered 0 to 15"],
    );
    fails_with(
        &inspect(&["gradients", "--text", "我"], Some(&model)),
        &["invalid text = \"我\"", "at least 2 character(s)"],
    );
    fails_with(
        &inspect(&["units", "--text", ""], Some(&model)),
        &["invalid text = \"\"", "at least 1 character(s)"],
    );
    fails_with(
        &inspect(&["gradients", "--text", "我想飞到宇宙"], Some(&model)),
        &["lacks '飞', '到', '宇', '宙' (4 characters)"],
    );
    fails_with(
        &inspect(&["temperature", "--text", "飞"], Some(&model)),
        &["'飞'"],
    );
    fails_with(
        &inspect(&["gradients", "--out", "g.png"], Some(&model)),
        &["invalid out = g.png", ".svg or .html"],
    );
    fails_with(
        &inspect(&["clipping"], None),
        &["--load a checkpoint", "--history FILE"],
    );
    fails_with(
        &inspect(&["gradients", "--model", "gru"], Some(&model)),
        &["describe a fresh model"],
    );
}
