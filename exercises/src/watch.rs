//! `--watch`: run the checker again (rebuilding it with your changes) whenever a file in
//! `exercises/practice/` is saved.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

/// The latest modification time among the practice files.
fn latest(dir: &Path) -> Option<SystemTime> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok()?.metadata().ok()?.modified().ok())
        .max()
}

/// Runs `cargo run -q -p exercises` with `args` (less `--watch`) now and after each save.
pub fn watch(args: &[String]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("practice");
    let rest: Vec<&String> = args.iter().filter(|a| *a != "--watch").collect();
    let mut seen = None;
    loop {
        let now = latest(&dir);
        if now != seen {
            seen = now;
            println!("\n--- checking (Ctrl-C to stop) ---");
            let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                .args(["run", "-q", "-p", "exercises", "--"])
                .args(&rest)
                .status();
            if let Err(e) = status {
                eprintln!("error: cannot run cargo: {e}");
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}
