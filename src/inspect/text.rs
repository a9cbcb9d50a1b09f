//! The text a view reads, checked against the model's vocabulary before anything runs.

use crate::data::Vocab;
use crate::error::{Error, Result};
use itertools::Itertools;

/// `text` as vocabulary indices. Errors name the text and what to do: fewer than
/// `at_least` characters (`why` says what they are for), or characters the vocabulary lacks
/// (every one of them, each once, in order of appearance).
pub(crate) fn encode_text(
    vocab: &Vocab,
    text: &str,
    at_least: usize,
    why: &str,
) -> Result<Vec<usize>> {
    let missing: Vec<char> = text
        .chars()
        .filter(|&c| vocab.index(c).is_none())
        .unique()
        .collect();
    if !missing.is_empty() {
        return Err(Error::InvalidArgument {
            name: "text",
            value: format!("{text:?}"),
            hint: format!(
                "the model's vocabulary lacks {} ({} character{}); use characters of the text it \
                 was trained on",
                missing.iter().map(|c| format!("{c:?}")).join(", "),
                missing.len(),
                if missing.len() == 1 { "" } else { "s" }
            ),
        });
    }
    let indices: Vec<usize> = text.chars().filter_map(|c| vocab.index(c)).collect();
    if indices.len() < at_least {
        return Err(Error::InvalidArgument {
            name: "text",
            value: format!("{text:?}"),
            hint: format!("needs at least {at_least} character(s): {why}"),
        });
    }
    Ok(indices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_missing_character_is_named_once() {
        let vocab = Vocab::from_text("分开不了");
        let err = encode_text(&vocab, "分x开yx", 1, "")
            .unwrap_err()
            .to_string();
        assert!(err.contains("lacks 'x', 'y' (2 characters)"), "{err}");
        let err = encode_text(&vocab, "分", 2, "one to read and one to predict")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("needs at least 2 character(s): one to read"),
            "{err}"
        );
        assert_eq!(encode_text(&vocab, "开分", 2, "").unwrap(), vec![1, 0]);
    }
}
