//! Killing `train --save` at any moment (SIGKILL on Unix, TerminateProcess on
//! Windows: `Child::kill`), the moment it writes
//! the checkpoint included, leaves the old checkpoint intact or the new one
//! complete: never a torn file (the bytes go to a temporary file, are
//! flushed, then renamed over the old one).

mod common;

use common::cli::{bin, temp_dir};
use d2l_rnn::checkpoint::load_rnn_scratch;
use d2l_rnn::scratch::RnnParams;
use std::path::Path;
use std::time::{Duration, Instant};

/// A text over 900 distinct characters, so that a checkpoint is a few
/// megabytes and takes a while to write.
fn wide_corpus(dir: &Path) -> std::path::PathBuf {
    let chars: String = (0..900u32)
        .filter_map(|i| char::from_u32(0x4E00 + i))
        .collect();
    let path = dir.join("wide.txt");
    std::fs::write(&path, chars.repeat(3)).expect("write the corpus");
    path
}

fn train(dir: &Path, corpus: &Path, seed: &str, save: &str) -> std::process::Command {
    let mut cmd = bin();
    cmd.current_dir(dir)
        .args([
            "train",
            "--epochs",
            "1",
            "--hidden",
            "512",
            "--batch-size",
            "8",
        ])
        .args([
            "--num-steps",
            "10",
            "--pred-period",
            "100",
            "--prefix",
            "一",
        ])
        .args(["--seed", seed, "--save", save, "--corpus"])
        .arg(corpus)
        .stdout(std::process::Stdio::null());
    cmd
}

fn params(path: &Path) -> RnnParams<f32> {
    load_rnn_scratch(path).expect("a whole checkpoint").0.params
}

#[test]
fn sigkill_while_saving_never_leaves_a_torn_checkpoint() {
    let dir = temp_dir("crash");
    let corpus = wide_corpus(&dir);
    let ck = dir.join("m.safetensors");
    assert!(train(&dir, &corpus, "1", "old.safetensors")
        .status()
        .unwrap()
        .success());
    assert!(train(&dir, &corpus, "2", "new.safetensors")
        .status()
        .unwrap()
        .success());
    let old_bytes = std::fs::read(dir.join("old.safetensors")).unwrap();
    let (old, new) = (
        params(&dir.join("old.safetensors")),
        params(&dir.join("new.safetensors")),
    );
    assert_ne!(old, new);
    eprintln!("checkpoint of {} bytes", old_bytes.len());

    let (mut kept_old, mut got_new, mut during_write) = (0, 0, 0);
    for trial in 0..24u64 {
        std::fs::write(&ck, &old_bytes).unwrap();
        let mut child = train(&dir, &corpus, "2", "m.safetensors").spawn().unwrap();
        let tmp = dir.join(format!(".m.safetensors.{}.tmp", child.id()));
        let start = Instant::now();
        if trial % 3 == 0 {
            // Anywhere in the run: a pseudo-random moment in its first 400 ms.
            std::thread::sleep(Duration::from_micros((trial * 7919) % 400_000));
        } else {
            // While it writes: from the moment writing starts (the temporary
            // file appears, or the checkpoint itself changes), a few
            // microseconds to a few milliseconds later.
            let writing = || {
                tmp.exists()
                    || std::fs::metadata(&ck).map_or(true, |m| m.len() != old_bytes.len() as u64)
            };
            while !writing() && start.elapsed() < Duration::from_secs(30) {
                if child.try_wait().unwrap().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_micros(50));
            }
            std::thread::sleep(Duration::from_micros((trial * 211) % 3_000));
        }
        if tmp.exists()
            || std::fs::metadata(&ck).map_or(true, |m| m.len() != old_bytes.len() as u64)
        {
            during_write += 1;
        }
        child.kill().ok(); // SIGKILL
        child.wait().unwrap();
        let now = params(&ck);
        if now == old {
            kept_old += 1;
        } else if now == new {
            got_new += 1;
        } else {
            panic!("trial {trial}: the checkpoint is neither the old nor the new model");
        }
        std::fs::remove_file(&tmp).ok();
    }
    eprintln!("old kept {kept_old}, new complete {got_new}, killed while the temporary file existed {during_write}");
    assert_eq!(kept_old + got_new, 24);
    assert!(
        during_write > 0,
        "no kill landed while the checkpoint was being written"
    );
}
