//! Finding the placeholders of one chapter and putting the numbers in their place.

use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where the numbers come from: the folder `generated/`, its files read once each.
pub struct Sources {
    dir: PathBuf,
    files: HashMap<String, Value>,
}

impl Sources {
    /// Numbers from the JSON files of `dir`.
    pub fn new(dir: &Path) -> Sources {
        Sources {
            dir: dir.to_path_buf(),
            files: HashMap::new(),
        }
    }

    fn json(&mut self, name: &str) -> Result<&Value, String> {
        if !self.files.contains_key(name) {
            let path = self.dir.join(name);
            let text = std::fs::read_to_string(&path).map_err(|e| {
                format!(
                    "cannot read {}: {e} (run `cargo run --release -- book-outputs`)",
                    path.display()
                )
            })?;
            let value = serde_json::from_str(&text)
                .map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
            self.files.insert(name.to_string(), value);
        }
        Ok(&self.files[name])
    }

    /// The text for one placeholder's words, e.g. `["ppl", "rnn-random", "250"]`.
    fn value(&mut self, words: &[&str]) -> Result<String, String> {
        match words {
            ["ppl", run, epoch, rest @ ..] if rest.len() <= 1 => {
                let digits = rest.first().map_or(Ok(6), |d| digits(d))?;
                let epoch: u64 = epoch
                    .parse()
                    .map_err(|_| format!("the epoch `{epoch}` is not a number"))?;
                let history = self.json(&format!("{run}.json"))?;
                let record = history["epochs"]
                    .as_array()
                    .and_then(|epochs| epochs.iter().find(|e| e["epoch"] == epoch))
                    .ok_or(format!("{run}.json has no epoch {epoch}"))?;
                let ppl = record["perplexity"]
                    .as_f64()
                    .ok_or(format!("epoch {epoch} of {run}.json has no perplexity"))?;
                Ok(format!("{ppl:.digits$}"))
            }
            ["fig", key, format] => {
                let (format, percent) = match format.strip_suffix('%') {
                    Some(d) => (d, true),
                    None => (*format, false),
                };
                let digits = digits(format)?;
                let value = self.json("figures.json")?[*key]
                    .as_f64()
                    .ok_or(format!("figures.json has no number `{key}`"))?;
                Ok(if percent {
                    format!("{:.digits$}%", value * 100.0)
                } else {
                    format!("{value:.digits$}")
                })
            }
            _ => Err("expected {{#ppl RUN EPOCH [DIGITS]}} or {{#fig KEY DIGITS[%]}}".into()),
        }
    }
}

fn digits(word: &str) -> Result<usize, String> {
    word.parse()
        .ok()
        .filter(|d| *d <= 12)
        .ok_or(format!("`{word}` is not a number of decimals (0 to 12)"))
}

/// `text` with every `{{#ppl …}}` and `{{#fig …}}` replaced; the first bad one is an error
/// naming its line.
pub fn fill(text: &str, sources: &mut Sources) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = find_start(rest) {
        let escaped = start > 0 && rest.as_bytes()[start - 1] == b'\\';
        let end = rest[start..]
            .find("}}")
            .map(|e| start + e + 2)
            .ok_or_else(|| at(text, rest, start, "a placeholder without its closing }}"))?;
        if escaped {
            out.push_str(&rest[..start - 1]);
            out.push_str(&rest[start..end]);
        } else {
            out.push_str(&rest[..start]);
            let words: Vec<&str> = rest[start + 3..end - 2].split_whitespace().collect();
            let value = sources
                .value(&words)
                .map_err(|e| at(text, rest, start, &format!("{}: {e}", &rest[start..end])))?;
            out.push_str(&value);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    Ok(out)
}

fn find_start(text: &str) -> Option<usize> {
    [text.find("{{#ppl "), text.find("{{#fig ")]
        .into_iter()
        .flatten()
        .min()
}

fn at(text: &str, rest: &str, start: usize, message: &str) -> String {
    let offset = text.len() - rest.len() + start;
    let line = text[..offset].matches('\n').count() + 1;
    format!("line {line}: {message}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files of its own for each test: they run at the same time.
    fn sources(test: &str) -> (Sources, PathBuf) {
        let dir =
            std::env::temp_dir().join(format!("mdbook-figures-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("rnn.json"),
            r#"{"epochs":[{"epoch":50,"perplexity":44.197956},{"epoch":250,"perplexity":1.0172731}]}"#,
        )
        .unwrap();
        std::fs::write(
            dir.join("figures.json"),
            r#"{"a.share": 0.75, "a.norm": 0.1534}"#,
        )
        .unwrap();
        (Sources::new(&dir), dir)
    }

    #[test]
    fn placeholders_become_the_numbers() {
        let (mut s, _) = sources("fill");
        let text = "到 {{#ppl rnn 50 0}}，最后 {{#ppl rnn 250}}；范数 {{#fig a.norm 2}}，{{#fig a.share 0%}}。";
        assert_eq!(
            fill(text, &mut s).unwrap(),
            "到 44，最后 1.017273；范数 0.15，75%。"
        );
    }

    #[test]
    fn an_escaped_placeholder_stays_and_other_braces_are_left_alone() {
        let (mut s, _) = sources("escape");
        let text = r"write \{{#ppl rnn 50}} for it; {{#include x.md}} is mdBook's";
        assert_eq!(
            fill(text, &mut s).unwrap(),
            "write {{#ppl rnn 50}} for it; {{#include x.md}} is mdBook's"
        );
    }

    #[test]
    fn a_bad_placeholder_names_its_line_and_what_is_missing() {
        let (mut s, _) = sources("errors");
        let err = fill("a\nb {{#ppl rnn 60}}", &mut s).unwrap_err();
        assert_eq!(err, "line 2: {{#ppl rnn 60}}: rnn.json has no epoch 60");
        let err = fill("{{#fig a.nope 2}}", &mut s).unwrap_err();
        assert!(
            err.ends_with("figures.json has no number `a.nope`"),
            "{err}"
        );
        let err = fill("{{#ppl gru 50}}", &mut s).unwrap_err();
        assert!(
            err.contains("cannot read") && err.contains("book-outputs"),
            "{err}"
        );
        let err = fill("{{#fig a.norm}}", &mut s).unwrap_err();
        assert!(
            err.contains("expected {{#ppl RUN EPOCH [DIGITS]}}"),
            "{err}"
        );
        let err = fill("{{#ppl rnn 50", &mut s).unwrap_err();
        assert!(err.contains("closing }}"), "{err}");
    }
}
