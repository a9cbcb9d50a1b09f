//! The book's Rust cells: read from the chapters, compared with what a page posts, and
//! wrapped into a program the way rustdoc wraps a doctest.

use d2l_rnn::{Error, Result};
use std::collections::HashSet;
use std::path::Path;

/// Every Rust cell of the book (`rust` and `rust,no_run` blocks of the chapters listed in
/// `SUMMARY.md`), normalised with [`normalise`].
pub struct BookCells {
    cells: HashSet<String>,
}

impl BookCells {
    /// Reads the chapters of the book whose sources are in `book_dir/src`.
    pub fn read(book_dir: &Path) -> Result<BookCells> {
        let src = book_dir.join("src");
        let summary = read(&src.join("SUMMARY.md"))?;
        let mut cells = HashSet::new();
        for chapter in summary.split("](").skip(1) {
            let Some(end) = chapter.find(')') else {
                continue;
            };
            let text = read(&src.join(&chapter[..end]))?;
            cells.extend(rust_blocks(&text).iter().map(|c| normalise(c, true)));
        }
        Ok(BookCells { cells })
    }

    /// How many distinct cells the book has.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Whether `code`, as a page shows it (hidden lines without their `# `), is one of them.
    pub fn contains(&self, code: &str) -> bool {
        self.cells.contains(&normalise(code, false))
    }
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The bodies of the fenced blocks whose info string is `rust` or `rust,...`.
fn rust_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        let fence = line.trim_start().strip_prefix("```");
        match (&mut current, fence) {
            (None, Some(info)) => {
                let info = info.trim();
                if info == "rust" || info.starts_with("rust,") {
                    current = Some(String::new());
                } else {
                    current = Some("\u{0}".into()); // another language: skip its lines
                }
            }
            (Some(body), Some(_)) => {
                if !body.starts_with('\u{0}') {
                    blocks.push(std::mem::take(body));
                }
                current = None;
            }
            (Some(body), None) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    blocks
}

/// One form for a cell's source and for what a page shows of it: rustdoc's hidden lines
/// (`# x`) lose their marker when `source` is true, trailing spaces and blank lines at
/// either end go.
pub fn normalise(code: &str, source: bool) -> String {
    let lines: Vec<&str> = code
        .lines()
        .map(|line| {
            let line = line.trim_end();
            if !source {
                line
            } else if line == "#" {
                ""
            } else if let Some(rest) = line.strip_prefix("# ") {
                rest
            } else {
                line
            }
        })
        .collect();
    lines.join("\n").trim_matches('\n').to_string()
}

/// The program that runs a cell, as rustdoc builds a doctest: the code as it is when it
/// has a `fn main`; otherwise inside `fn main`, and when it ends with `Ok::<(), E>(())`
/// inside a function returning `Result<(), E>` whose error is printed. `env!("CARGO_MANIFEST_DIR")`
/// means the crate's folder, as it does in a doctest.
pub fn wrap(code: &str, crate_dir: &Path) -> String {
    let dir = format!("{:?}", crate_dir.display().to_string());
    let body = normalise(code, false).replace("env!(\"CARGO_MANIFEST_DIR\")", &dir);
    let header = "#![allow(unused)]\n";
    if body.contains("fn main(") {
        return format!("{header}{body}\n");
    }
    let tail = body.trim_end();
    if let Some(start) = tail.rfind("Ok::<(), ") {
        let error_type = tail[start + "Ok::<(), ".len()..].strip_suffix(">(())");
        if let Some(e) = error_type.filter(|e| !e.contains('\n')) {
            return format!(
                "{header}fn main() {{\n    fn cell() -> Result<(), {e}> {{\n{body}\n    }}\n    \
                 if let Err(e) = cell() {{\n        eprintln!(\"Error: {{e}}\");\n        \
                 std::process::exit(1);\n    }}\n}}\n"
            );
        }
    }
    format!("{header}fn main() {{\n{body}\n}}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHAPTER: &str = "text\n\n```rust\nlet x = 1;\n# let y = 2;\n#\nprintln!(\"{x}\");  \n# Ok::<(), d2l_rnn::Error>(())\n```\n\n```text\nnot rust\n```\n\n```rust,no_run\nfn main() {}\n```\n";

    #[test]
    fn cells_are_found_and_match_what_a_page_shows() {
        let blocks = rust_blocks(CHAPTER);
        assert_eq!(blocks.len(), 2);
        let cell = normalise(&blocks[0], true);
        assert_eq!(
            cell,
            "let x = 1;\nlet y = 2;\n\nprintln!(\"{x}\");\nOk::<(), d2l_rnn::Error>(())"
        );
        // A page's text: hidden lines shown without "# ", maybe a trailing newline.
        let shown = "let x = 1;\nlet y = 2;\n\nprintln!(\"{x}\");\nOk::<(), d2l_rnn::Error>(())\n";
        assert_eq!(normalise(shown, false), cell);
        assert_ne!(normalise("let x = 2;", false), cell);
    }

    #[test]
    fn wrapping_follows_rustdoc() {
        let dir = Path::new("/book/crate");
        let with_result = wrap("let x = 1;\nOk::<(), d2l_rnn::Error>(())", dir);
        assert!(
            with_result.contains("fn cell() -> Result<(), d2l_rnn::Error> {"),
            "{with_result}"
        );
        assert!(wrap("let x = 1;", dir).contains("fn main() {\nlet x = 1;\n}"));
        assert_eq!(
            wrap("fn main() {}", dir),
            "#![allow(unused)]\nfn main() {}\n"
        );
        let manifest = wrap("let d = env!(\"CARGO_MANIFEST_DIR\");", dir);
        assert!(manifest.contains("let d = \"/book/crate\";"), "{manifest}");
    }

    #[test]
    fn the_books_own_cells_are_read() {
        let book = Path::new(env!("CARGO_MANIFEST_DIR")).join("book");
        let cells = BookCells::read(&book).unwrap();
        assert!(cells.len() > 30, "{}", cells.len());
        let chapter = std::fs::read_to_string(book.join("src/rnn-structure.md")).unwrap();
        let first = normalise(&rust_blocks(&chapter)[0], true);
        assert!(first.starts_with("use d2l_rnn::model::Parameters;"));
        assert!(cells.contains(&first));
        assert!(!cells.contains(&first.replace("1027", "1028")));
    }
}
