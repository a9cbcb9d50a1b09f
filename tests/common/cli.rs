//! Running the `d2l-rnn` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_d2l-rnn"))
}

/// A fresh folder for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = super::temp_path(&format!("cli-{name}"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Standard output and standard error as text.
pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A small lyrics file (two lines, 40 times) in `dir`.
pub fn corpus(dir: &Path) -> PathBuf {
    let path = dir.join("lyrics.txt");
    std::fs::write(
        &path,
        "我想要的爱写在西元前\n深埋在美索不达米亚平原\n".repeat(40),
    )
    .expect("write the corpus");
    path
}
