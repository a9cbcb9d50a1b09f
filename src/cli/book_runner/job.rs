//! Building and running one cell: a small crate of our own (`--work-dir`) that depends on
//! this one, built once when the runner starts, then rebuilt with each cell as its `main`.
//! A run is stopped past the time limit or when cancelled, and its output is capped.

use super::cells::wrap;
use d2l_rnn::{Error, Result};
use process_wrap::std::{ChildWrapper, CommandWrap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The limits every run gets.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Wall-clock limit of the program (compiling it has one of its own, [`COMPILE_LIMIT`]).
    pub timeout: Duration,
    /// Bytes of output kept; the rest is dropped and the result says so.
    pub max_output: usize,
}

/// The longest a cell's compilation may take.
pub const COMPILE_LIMIT: Duration = Duration::from_secs(300);

/// What one run ends with.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// The program exited with status 0: its standard output.
    Ok(String),
    /// Anything else, explained for the reader.
    Failed(String),
}

/// What a running job shows to `/progress.json` and `/cancel.json`.
#[derive(Default)]
pub struct Progress {
    /// Output so far (standard output and error, in arrival order, capped).
    pub output: Mutex<String>,
    /// Set by a cancel request; the job stops its process group.
    pub cancel: AtomicBool,
}

/// The crate cells are compiled in.
pub struct Workspace {
    dir: PathBuf,
    crate_dir: PathBuf,
}

impl Workspace {
    /// Writes the work crate into `dir` (a dependency on the crate at `crate_dir`, with its
    /// `Cargo.lock`, so the cells build with the versions the tests use).
    pub fn create(dir: &Path, crate_dir: &Path) -> Result<Workspace> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Io { path, source }
        };
        std::fs::create_dir_all(dir.join("src")).map_err(io(dir))?;
        let manifest = format!(
            "[package]\nname = \"book-cell\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [workspace]\n\n[dependencies]\nd2l-rnn = {{ path = {:?}, default-features = false }}\n\
             ndarray = \"0.17\"\nndarray-rand = \"0.16\"\nrayon = \"1\"\nserde_json = \"1\"\n\n\
             [profile.release]\nopt-level = 1\ndebug = false\nincremental = true\ncodegen-units = 16\n\n\
             [profile.release.package.\"*\"]\nopt-level = 3\n",
            crate_dir.display().to_string()
        );
        let write = |path: PathBuf, text: &str| std::fs::write(&path, text).map_err(io(&path));
        write(dir.join("Cargo.toml"), &manifest)?;
        if let Ok(lock) = std::fs::read_to_string(crate_dir.join("Cargo.lock")) {
            if !dir.join("Cargo.lock").exists() {
                write(dir.join("Cargo.lock"), &lock)?;
            }
        }
        write(dir.join("src/main.rs"), "fn main() {}\n")?;
        Ok(Workspace {
            dir: dir.to_path_buf(),
            crate_dir: crate_dir.to_path_buf(),
        })
    }

    /// Builds the crate and its dependencies once, showing cargo's progress on stderr.
    pub fn prepare(&self) -> Result<Duration> {
        let start = Instant::now();
        let status = self.cargo().status().map_err(|source| Error::Io {
            path: "cargo".into(),
            source,
        })?;
        if !status.success() {
            return Err(Error::InvalidArgument {
                name: "work-dir",
                value: self.dir.display().to_string(),
                hint: format!(
                    "building the cells' crate failed ({status}); see cargo's messages above"
                ),
            });
        }
        Ok(start.elapsed())
    }

    fn cargo(&self) -> Command {
        let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        cargo
            .args(["build", "--release", "--quiet", "--manifest-path"])
            .arg(self.dir.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", self.dir.join("target"))
            .env_remove("RUSTFLAGS");
        cargo
    }

    /// Compiles `code` as the crate's `main` and runs it (in the crate's folder, so that the
    /// corpus and the book's files are found as in the doctests).
    pub fn run(&self, code: &str, limits: Limits, progress: &Progress) -> Outcome {
        let main = self.dir.join("src/main.rs");
        if let Err(e) = std::fs::write(&main, wrap(code, &self.crate_dir)) {
            return Outcome::Failed(format!("cannot write {}: {e}", main.display()));
        }
        let mut cargo = self.cargo();
        cargo.env("CARGO_TERM_COLOR", "never");
        let build = match supervise(cargo, COMPILE_LIMIT, usize::MAX, progress) {
            Ok(run) => run,
            Err(e) => return Outcome::Failed(e),
        };
        match build.end {
            End::Exited(status) if status.success() => {}
            End::Exited(_) => {
                return Outcome::Failed(format!("the cell does not compile:\n{}", build.output))
            }
            End::Cancelled => return Outcome::Failed("cancelled".into()),
            End::TimedOut => {
                return Outcome::Failed(format!(
                    "compiling took longer than {} s and was stopped",
                    COMPILE_LIMIT.as_secs()
                ))
            }
        }
        progress.output.lock().map(|mut o| o.clear()).ok();
        let mut program = Command::new(self.dir.join("target/release/book-cell"));
        program.current_dir(&self.crate_dir);
        let run = match supervise(program, limits.timeout, limits.max_output, progress) {
            Ok(run) => run,
            Err(e) => return Outcome::Failed(e),
        };
        let mut output = run.output;
        if run.cut {
            output.push_str(&format!(
                "\n… output cut at {} bytes (--max-output)",
                limits.max_output
            ));
        }
        match run.end {
            End::Exited(status) if status.success() => Outcome::Ok(output),
            End::Exited(status) => Outcome::Failed(format!("{output}\nthe cell failed ({status})")),
            End::Cancelled => Outcome::Failed(format!("{output}\ncancelled")),
            End::TimedOut => Outcome::Failed(format!(
                "{output}\nstopped: the cell ran longer than the time limit of {} s (--timeout)",
                limits.timeout.as_secs()
            )),
        }
    }
}

enum End {
    Exited(ExitStatus),
    Cancelled,
    TimedOut,
}

struct Finished {
    end: End,
    output: String,
    cut: bool,
}

/// `command` wrapped so that it and everything it starts can be stopped together: a
/// process group of its own on Unix, a job object on Windows.
fn in_own_group(command: Command) -> CommandWrap {
    let mut wrapped = CommandWrap::from(command);
    #[cfg(unix)]
    wrapped.wrap(process_wrap::std::ProcessGroup::leader());
    #[cfg(windows)]
    wrapped.wrap(process_wrap::std::JobObject);
    wrapped
}

/// Runs `command` in a process group of its own, collecting its output (up to `cap` bytes)
/// into `progress`; kills the whole group past `limit` or on cancel.
fn supervise(
    mut command: Command,
    limit: Duration,
    cap: usize,
    progress: &Progress,
) -> std::result::Result<Finished, String> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let program = command.get_program().to_owned();
    let mut child = in_own_group(command)
        .spawn()
        .map_err(|e| format!("cannot start {program:?}: {e}"))?;
    let cut = Arc::new(AtomicBool::new(false));
    let sink = Arc::new(Mutex::new(String::new()));
    let readers: Vec<_> = [
        child
            .stdout()
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
        child
            .stderr()
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    .map(|pipe| {
        let (sink, cut) = (Arc::clone(&sink), Arc::clone(&cut));
        std::thread::spawn(move || collect(pipe, &sink, &cut, cap))
    })
    .collect();
    let start = Instant::now();
    let end = loop {
        if let Ok(text) = sink.lock() {
            if let Ok(mut shown) = progress.output.lock() {
                shown.clone_from(&text);
            }
        }
        match child.try_wait() {
            Ok(Some(status)) => break End::Exited(status),
            Ok(None) => {}
            Err(e) => return Err(format!("cannot wait for the cell: {e}")),
        }
        if progress.cancel.swap(false, Ordering::SeqCst) {
            kill_group(&mut child);
            break End::Cancelled;
        }
        if start.elapsed() > limit {
            kill_group(&mut child);
            break End::TimedOut;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    kill_group(&mut child); // whatever the program left running in its group
    for reader in readers {
        let _ = reader.join();
    }
    let output = sink.lock().map(|s| s.clone()).unwrap_or_default();
    Ok(Finished {
        end,
        output,
        cut: cut.load(Ordering::SeqCst),
    })
}

/// Appends what `pipe` says to `sink` until `cap` bytes, then only drains it.
fn collect(mut pipe: Box<dyn Read + Send>, sink: &Mutex<String>, cut: &AtomicBool, cap: usize) {
    let mut buffer = [0u8; 8192];
    let mut pending = Vec::new(); // bytes of a character split between two reads
    while let Ok(n) = pipe.read(&mut buffer) {
        if n == 0 {
            break;
        }
        pending.extend_from_slice(&buffer[..n]);
        let valid = match std::str::from_utf8(&pending) {
            Ok(s) => s.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => pending.len(),
        };
        let text = String::from_utf8_lossy(&pending[..valid]).into_owned();
        pending.drain(..valid);
        if let Ok(mut s) = sink.lock() {
            let room = cap.saturating_sub(s.len());
            if text.len() <= room {
                s.push_str(&text);
            } else {
                let mut end = room;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                s.push_str(&text[..end]);
                cut.store(true, Ordering::SeqCst);
            }
        }
    }
}

/// Stops the child and whatever it started (its group or job), then reaps it.
fn kill_group(child: &mut Box<dyn ChildWrapper>) {
    let _ = child.start_kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(script: &str, limit: Duration, cap: usize, progress: &Progress) -> Finished {
        let mut c = Command::new("sh");
        c.args(["-c", script]);
        supervise(c, limit, cap, progress).unwrap()
    }

    #[test]
    fn output_is_collected_and_capped() {
        let p = Progress::default();
        let run = shell(
            "printf 'héllo'; printf ' wörld' >&2",
            Duration::from_secs(10),
            1000,
            &p,
        );
        assert!(matches!(run.end, End::Exited(s) if s.success()));
        assert!(run.output.contains("héllo") && run.output.contains("wörld") && !run.cut);
        let run = shell(
            "yes 0123456789 | head -c 100000",
            Duration::from_secs(10),
            4096,
            &p,
        );
        assert!(run.cut);
        assert_eq!(run.output.len(), 4096);
    }

    #[test]
    fn a_run_past_its_limit_is_stopped_with_its_children() {
        let p = Progress::default();
        let start = Instant::now();
        let run = shell("sleep 30 & sleep 30", Duration::from_millis(300), 1000, &p);
        assert!(matches!(run.end, End::TimedOut));
        assert!(start.elapsed() < Duration::from_secs(5)); // the background sleep did not hold it
    }

    #[test]
    fn a_cancel_stops_the_run() {
        let p = Progress::default();
        p.cancel.store(true, Ordering::SeqCst);
        let run = shell("sleep 30", Duration::from_secs(60), 1000, &p);
        assert!(matches!(run.end, End::Cancelled));
    }
}
