//! The outputs the chapters show under their cells: a ```` ```text ```` block right after a
//! runnable ```` ```rust ```` cell is what that cell prints. Each such cell is compiled and
//! run as the book's Run buttons run it, and its output compared with the block (wall-clock
//! times aside); when writing, a block that differs is replaced.

use super::compare::mask_timings;
use crate::cli::book_runner::cells::normalise;
use crate::cli::book_runner::job::{Limits, Outcome, Progress, Workspace};
use d2l_rnn::{Error, Result};
use std::path::Path;
use std::time::Duration;

/// One cell whose output a chapter shows.
#[derive(Debug, PartialEq)]
struct Shown {
    /// The cell's source (hidden lines included, as rustdoc compiles it).
    code: String,
    /// Byte range of the text block's body in the chapter.
    body: std::ops::Range<usize>,
    /// 1-based line of the text block's opening fence.
    line: usize,
}

/// The cells of `chapter` followed by an output block: the ```` ```rust ```` fence, the
/// code, the closing fence, blank lines only, then a ```` ```text ```` block without
/// `{{#include}}`. `no_run` cells are left out (they train for minutes).
fn shown_outputs(chapter: &str) -> Vec<Shown> {
    let mut found = Vec::new();
    let lines: Vec<&str> = chapter.split_inclusive('\n').collect();
    let starts: Vec<usize> = lines
        .iter()
        .scan(0, |at, l| {
            let start = *at;
            *at += l.len();
            Some(start)
        })
        .collect();
    let mut i = 0;
    while i < lines.len() {
        let fence = lines[i].trim();
        if fence != "```rust" {
            i += 1;
            continue;
        }
        let Some(close) = (i + 1..lines.len()).find(|&j| lines[j].trim() == "```") else {
            break;
        };
        let code: String = lines[i + 1..close].concat();
        let mut next = close + 1;
        while next < lines.len() && lines[next].trim().is_empty() {
            next += 1;
        }
        if next < lines.len() && lines[next].trim() == "```text" {
            if let Some(end) = (next + 1..lines.len()).find(|&j| lines[j].trim() == "```") {
                let body = starts[next + 1]..starts[end];
                if !chapter[body.clone()].contains("{{#include") {
                    found.push(Shown {
                        code,
                        body,
                        line: next + 1,
                    });
                }
                i = end + 1;
                continue;
            }
        }
        i = close + 1;
    }
    found
}

/// What is compared: times masked, trailing spaces and blank lines at the end dropped.
fn comparable(text: &str) -> String {
    let masked = mask_timings("cell.txt", text);
    let lines: Vec<&str> = masked.lines().map(str::trim_end).collect();
    lines.join("\n").trim_end().to_string()
}

/// Runs every cell of the chapters in `chapters_dir` (those of its `SUMMARY.md`) that shows
/// its output; with `write`, replaces the blocks that differ. Returns whether all agreed
/// (always true when writing).
pub fn check_cells(chapters_dir: &Path, crate_dir: &Path, write: bool) -> Result<bool> {
    let workspace = Workspace::create(&crate_dir.join("target/book-runner"), crate_dir)?;
    println!("\n# the cells' outputs: building the cells' crate");
    workspace.prepare()?;
    let summary = read(&chapters_dir.join("SUMMARY.md"))?;
    let limits = Limits {
        timeout: Duration::from_secs(300),
        max_output: 1 << 20,
    };
    let mut all_same = true;
    for link in summary.split("](").skip(1) {
        let Some(end) = link.find(')') else { continue };
        let path = chapters_dir.join(&link[..end]);
        let mut chapter = read(&path)?;
        let mut changed = false;
        // From the last block to the first, so that replacing one keeps the others' ranges.
        for shown in shown_outputs(&chapter).into_iter().rev() {
            let name = format!("{}:{}", &link[..end], shown.line);
            let output =
                match workspace.run(&normalise(&shown.code, true), limits, &Progress::default()) {
                    Outcome::Ok(output) => output,
                    Outcome::Failed(why) => {
                        return Err(Error::InvalidArgument {
                            name: "cell",
                            value: name,
                            hint: format!("the cell above this output block failed: {why}"),
                        })
                    }
                };
            if comparable(&output) == comparable(&chapter[shown.body.clone()]) {
                println!("{name}: current");
                continue;
            }
            if write {
                let text = format!("{}\n", output.trim_end());
                chapter.replace_range(shown.body.clone(), &text);
                changed = true;
                println!("{name}: rewritten");
            } else {
                println!(
                    "{name}: the block differs from what the cell prints now\n  shown: {}\n  now:   {}",
                    comparable(&chapter[shown.body.clone()]).replace('\n', "\n         "),
                    comparable(&output).replace('\n', "\n         ")
                );
                all_same = false;
            }
        }
        if changed {
            d2l_rnn::io::write_atomic(&path, chapter.as_bytes())?;
        }
    }
    Ok(all_same)
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_block_belongs_to_the_cell_right_above_it() {
        let chapter = "# A\n\n```rust\nprintln!(\"1\");\n```\n\n```text\n1\n```\n\nprose\n\n```text\nnot an output\n```\n\n```rust,no_run\nprintln!(\"2\");\n```\n\n```text\n2\n```\n\n```rust\nlet x = 3;\n```\n\n```text\n{{#include generated/x.txt}}\n```\n";
        let shown = shown_outputs(chapter);
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].code, "println!(\"1\");\n");
        assert_eq!(&chapter[shown[0].body.clone()], "1\n");
        assert_eq!(shown[0].line, 7);
    }

    #[test]
    fn times_and_trailing_spaces_do_not_count() {
        assert_eq!(
            comparable("epoch 1, perplexity 2.000000, time 0.25 sec  \n\n"),
            comparable("epoch 1, perplexity 2.000000, time 0.31 sec")
        );
        assert_ne!(comparable("loss 6.9343"), comparable("loss 6.9344"));
    }
}
