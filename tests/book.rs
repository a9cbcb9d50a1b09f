//! The mdBook in `book/` is wired up: every chapter exists, is compiled as
//! doctests through `src/lib.rs`, has only runnable or `no_run` Rust blocks,
//! and every image it shows exists. (The chapters' code itself runs as
//! doctests: `cargo test --doc RnnScratchChapter BpttChapter`.)

use std::fs;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Chapter files listed in `book/src/SUMMARY.md`, in order.
fn chapters() -> Vec<String> {
    let summary = fs::read_to_string(root().join("book/src/SUMMARY.md")).expect("SUMMARY.md");
    summary
        .lines()
        .filter_map(|line| {
            let start = line.find("](")? + 2;
            let end = start + line[start..].find(')')?;
            Some(line[start..end].to_string())
        })
        .collect()
}

/// The info strings of the fenced code blocks of a Markdown text.
fn fence_infos(text: &str) -> Vec<String> {
    let mut infos = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if let Some(info) = line.trim_start().strip_prefix("```") {
            if !inside {
                infos.push(info.trim().to_string());
            }
            inside = !inside;
        }
    }
    assert!(!inside, "an unclosed code fence");
    infos
}

#[test]
fn summary_lists_both_chapters_and_they_exist() {
    let chapters = chapters();
    assert_eq!(chapters, ["rnn-scratch.md", "bptt.md"]);
    for chapter in &chapters {
        assert!(
            root().join("book/src").join(chapter).is_file(),
            "{chapter} is missing"
        );
    }
}

#[test]
fn every_chapter_is_compiled_as_doctests() {
    let lib = fs::read_to_string(root().join("src/lib.rs")).expect("src/lib.rs");
    for chapter in chapters() {
        let include = format!("include_str!(\"../book/src/{chapter}\")");
        assert!(
            lib.contains(&include),
            "src/lib.rs does not include {chapter} as a doctest"
        );
    }
}

#[test]
fn rust_blocks_run_or_are_marked_no_run_and_no_python_is_pasted() {
    // The PyTorch side appears as the call it makes, in a sentence, never as the section's code.
    for chapter in chapters() {
        let text = fs::read_to_string(root().join("book/src").join(&chapter)).unwrap();
        let infos = fence_infos(&text);
        assert!(
            infos.iter().any(|i| i == "rust"),
            "{chapter} has no Rust code"
        );
        for info in &infos {
            let allowed = ["rust", "rust,no_run", "text", "sh"];
            assert!(
                allowed.contains(&info.as_str()),
                "{chapter}: code block ```{info}: use rust, rust,no_run, text or sh"
            );
        }
    }
}

#[test]
fn images_exist_and_the_plot_is_an_svg_made_by_the_crate() {
    for chapter in chapters() {
        let text = fs::read_to_string(root().join("book/src").join(&chapter)).unwrap();
        // Markdown images stand on their own lines (`array![...]` in code does not).
        for line in text.lines().filter(|l| l.starts_with("![")) {
            let start = line.find("](").expect("image link") + 2;
            let end = start + line[start..].find(')').expect("image link end");
            let path = root().join("book/src").join(&line[start..end]);
            assert!(path.is_file(), "{chapter}: {} is missing", path.display());
        }
    }
    let svg = fs::read_to_string(root().join("book/src/img/perplexity.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("\nPerplexity per epoch\n</text>"));
}

#[test]
fn book_toml_has_mathjax_and_no_playground_runs() {
    let toml = fs::read_to_string(root().join("book/book.toml")).unwrap();
    assert!(toml.contains("mathjax-support = true"));
    assert!(toml.contains("[output.html.playground]\nrunnable = false"));
}
