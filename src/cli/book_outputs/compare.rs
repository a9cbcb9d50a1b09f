//! Comparing fresh outputs with the committed ones, wall-clock times aside.

use super::read;
use d2l_rnn::train::History;
use d2l_rnn::Result;
use std::path::Path;

/// Masks what changes from run to run (wall-clock times) so that outputs can be compared.
pub fn mask_timings(name: &str, text: &str) -> String {
    if name.ends_with(".json") {
        if let Ok(mut h) = serde_json::from_str::<History>(text) {
            h.epochs.iter_mut().for_each(|e| e.seconds = 0.0);
            return h.to_json();
        }
    }
    text.lines()
        .map(|line| match (line.find(", time "), line.rfind(" sec")) {
            (Some(a), Some(b)) if a < b => format!("{}, time _ sec{}", &line[..a], &line[b + 4..]),
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Compares the files `names` of `fresh` and `committed`, printing the first difference of
/// each; true when all agree.
pub fn compare_dirs(fresh: &Path, committed: &Path, names: &[String]) -> Result<bool> {
    let mut same = true;
    for name in names {
        let new = mask_timings(name, &read(&fresh.join(name))?);
        let old = match std::fs::read_to_string(committed.join(name)) {
            Ok(text) => mask_timings(name, &text),
            Err(_) => {
                println!("{name}: missing from {}", committed.display());
                same = false;
                continue;
            }
        };
        if let Some((i, (a, b))) = old
            .lines()
            .zip(new.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
        {
            println!(
                "{name}: line {} differs\n  committed: {a}\n  fresh:     {b}",
                i + 1
            );
            same = false;
        } else if old.lines().count() != new.lines().count() {
            println!(
                "{name}: {} lines committed, {} fresh",
                old.lines().count(),
                new.lines().count()
            );
            same = false;
        } else {
            println!("{name}: current");
        }
    }
    Ok(same)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timings_are_masked_and_nothing_else() {
        let line = "epoch 50, perplexity 69.294698, time 0.43 sec";
        assert_eq!(
            mask_timings("a.txt", line),
            "epoch 50, perplexity 69.294698, time _ sec"
        );
        assert_eq!(
            mask_timings("a.txt", " - 分开 time to go"),
            " - 分开 time to go"
        );
        let json = r#"{"epochs":[{"epoch":1,"perplexity":2.5,"seconds":0.1}],"samples":[]}"#;
        assert!(mask_timings("a.json", json).contains(r#""seconds":0.0"#));
        assert!(mask_timings("a.json", json).contains(r#""perplexity":2.5"#));
    }
}
