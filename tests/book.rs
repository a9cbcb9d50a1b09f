//! The mdBook in `book/` is wired up: every chapter exists, is compiled as
//! doctests through `src/book.rs`, has only runnable or `no_run` Rust blocks,
//! and every image and included file it shows exists; math is rendered at
//! build time, never by a CDN. (The chapters' code itself runs as doctests:
//! `cargo test --doc Chapter`; the browser tests are `book/tests/browser_test.py`.)

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
fn summary_lists_every_part_of_the_section_and_the_files_exist() {
    let chapters = chapters();
    let expected = [
        "introduction.md",
        "rnn-structure.md",
        "data-onehot.md",
        "sampling.md",
        "rnn-scratch.md",
        "bptt.md",
        "clipping-perplexity.md",
        "training.md",
        "rnn-concise.md",
        "gru.md",
        "lstm.md",
        "inside.md",
        "lab.md",
        "results.md",
        "fast-engine.md",
    ];
    assert_eq!(chapters, expected);
    for chapter in &chapters {
        assert!(
            root().join("book/src").join(chapter).is_file(),
            "{chapter} is missing"
        );
    }
}

#[test]
fn every_chapter_is_compiled_as_doctests() {
    let doctests = fs::read_to_string(root().join("src/book.rs")).expect("src/book.rs");
    for chapter in chapters() {
        let include = format!("include_str!(\"../book/src/{chapter}\")");
        assert!(
            doctests.contains(&include),
            "src/book.rs does not include {chapter} as a doctest"
        );
    }
    let lib = fs::read_to_string(root().join("src/lib.rs")).expect("src/lib.rs");
    assert!(lib.contains("#[cfg(doctest)]\nmod book;"));
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
fn images_and_included_outputs_exist() {
    for chapter in chapters() {
        let text = fs::read_to_string(root().join("book/src").join(&chapter)).unwrap();
        // Markdown images stand on their own lines (`array![...]` in code does not).
        for line in text.lines().filter(|l| l.starts_with("![")) {
            let start = line.find("](").expect("image link") + 2;
            let end = start + line[start..].find(')').expect("image link end");
            let path = root().join("book/src").join(&line[start..end]);
            assert!(path.is_file(), "{chapter}: {} is missing", path.display());
        }
        for include in text.split("{{#include ").skip(1) {
            let file = &include[..include.find("}}").expect("closed include")];
            let path = root().join("book/src").join(file.trim());
            assert!(
                path.is_file(),
                "{chapter}: included {} is missing",
                path.display()
            );
        }
    }
    let svg = fs::read_to_string(root().join("book/src/generated/perplexity-all.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("\nPerplexity per epoch\n</text>"));
    let figure = fs::read_to_string(root().join("book/src/img/rnn-unrolled.svg")).unwrap();
    assert!(figure.starts_with("<svg") && figure.contains("<title>"));
}

#[test]
fn math_is_rendered_at_build_time_and_the_playground_is_off() {
    let toml = fs::read_to_string(root().join("book/book.toml")).unwrap();
    assert!(
        !toml.contains("mathjax-support"),
        "MathJax comes from a CDN: readers without network see raw LaTeX"
    );
    assert!(toml.contains("[preprocessor.mathml]"));
    assert!(toml.contains("[output.html.playground]\nrunnable = false"));
    let head = fs::read_to_string(root().join("book/theme/head.hbs")).unwrap();
    assert!(head.contains("extra/search-zh.js"));
    // The math font is served with the book, under its licence.
    assert!(head.contains("extra/STIXMath-Regular.otf"));
    for file in ["STIXMath-Regular.otf", "STIXMath-LICENSE.txt"] {
        assert!(root().join("book/src/extra").join(file).is_file(), "{file}");
    }
}

#[test]
fn the_code_the_gradient_tables_quote_is_in_the_readable_models() {
    // bptt.md, gru.md and lstm.md set each formula beside the line of code computing it:
    // every quoted statement must still be in the readable model's source.
    for (chapter, source) in [
        ("bptt.md", "src/scratch/rnn.rs"),
        ("gru.md", "src/scratch/gru.rs"),
        ("lstm.md", "src/scratch/lstm.rs"),
    ] {
        let text = fs::read_to_string(root().join("book/src").join(chapter)).unwrap();
        let code = fs::read_to_string(root().join(source)).unwrap();
        let mut quoted = 0;
        for row in text.lines().filter(|l| l.starts_with('|')) {
            for span in row.split('`').skip(1).step_by(2) {
                let statement = span.replace("\\|", "|");
                if statement.ends_with(';')
                    && !statement.contains("...")
                    && !statement.contains("..)")
                {
                    assert!(
                        code.contains(&statement),
                        "{chapter} quotes `{statement}`, which is not in {source}"
                    );
                    quoted += 1;
                }
            }
        }
        assert!(quoted >= 5, "{chapter}: only {quoted} statements quoted");
    }
}

/// Decimal numbers the prose may write out: settings, the section's printed figures, the
/// bounds the tests assert. Anything a run of ours produced is a `{{#ppl …}}` or `{{#fig …}}`
/// placeholder (book/figures), filled from `book/src/generated/` when the book is built.
const TYPED_NUMBERS: [&str; 17] = [
    "0.01", "0.001", "0.9", "0.999", "1e-8", // the section's hyperparameters, Adam's defaults
    "0.5", "1.001", // the gradient check's weight scale and its self-test factor
    "1.5",   // with 0.5, a temperature the sampling comparison uses
    "1.296450", "1.166600", "1.020480", "1.02", // the section's printed perplexities
    "0.05", // how close to the section the cells assert we are
    "1e-4", "1e-10", "1e-12", "1e-15", // the tests' bounds and the order of f64 rounding
];

/// Prose without code, math, placeholders and HTML tags.
fn prose(text: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if !in_code {
            out.push_str(line);
            out.push('\n');
        }
    }
    for (open, close) in [
        ("\\\\[", "\\\\]"),
        ("\\\\(", "\\\\)"),
        ("`", "`"),
        ("{{#", "}}"),
        ("<", ">"),
    ] {
        let mut kept = String::new();
        let mut rest = out.as_str();
        while let Some(start) = rest.find(open) {
            kept.push_str(&rest[..start]);
            kept.push(' ');
            match rest[start + open.len()..].find(close) {
                Some(end) => rest = &rest[start + open.len() + end + close.len()..],
                None => rest = "",
            }
        }
        kept.push_str(rest);
        out = kept;
    }
    out
}

/// The decimal numbers (`1.5`, `4.4e-6`, `1e-8`) of a text.
fn decimals(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit()
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '.'));
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len()
            && (chars[j].is_ascii_digit()
                || chars[j] == '.'
                || chars[j] == 'e'
                || (chars[j] == '-' && j > 0 && chars[j - 1] == 'e'))
        {
            j += 1;
        }
        let word: String = chars[i..j]
            .iter()
            .collect::<String>()
            .trim_end_matches('.')
            .to_string();
        let is_decimal = word.contains('.') || word.contains("e-");
        let is_address = word.matches('.').count() > 1; // 127.0.0.1
        if is_decimal && !is_address {
            found.push(word);
        }
        i = j;
    }
    found
}

#[test]
fn prose_quotes_run_figures_only_through_placeholders() {
    assert_eq!(
        decimals("降到 1.2 左右，误差 4.4e-6，ε 为 1e-8，127.0.0.1，v0.5"),
        ["1.2", "4.4e-6", "1e-8"]
    );
    let sample = "a `1.5` \\\\(0.3\\\\) {{#ppl x 250}} b 2.5\n```text\n3.5\n```\n";
    assert_eq!(decimals(&prose(sample)), ["2.5"]); // code, math, placeholders are not prose
    let mut typed = Vec::new();
    for chapter in chapters() {
        let text = fs::read_to_string(root().join("book/src").join(&chapter)).unwrap();
        for number in decimals(&prose(&text)) {
            if !TYPED_NUMBERS.contains(&number.as_str()) {
                typed.push(format!("{chapter}: {number}"));
            }
        }
    }
    assert!(
        typed.is_empty(),
        "numbers typed into the prose: {typed:?}. Quote a run's figure with {{{{#ppl RUN EPOCH}}}} \
         or {{{{#fig KEY DIGITS}}}} (book/figures/, filled from book/src/generated/); a setting \
         or a figure of the section goes into TYPED_NUMBERS with the reason"
    );
}
