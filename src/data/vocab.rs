//! The character vocabulary: `idx_to_char` and `char_to_idx`.

use std::collections::HashMap;

use crate::error::{Error, Result};

/// Character vocabulary: index `i` stands for `idx_to_char[i]`, and
/// `char_to_idx[&idx_to_char[i]] == i`.
///
/// Order: characters are numbered in **order of first appearance** in the text.
/// The book builds `idx_to_char = list(set(corpus_chars))`, whose order changes
/// from run to run in Python; this order is deterministic, so a seed reproduces a
/// run and a checkpoint's vocabulary can be rebuilt from the text.
///
/// ```
/// use d2l_rnn::data::Vocab;
/// let v = Vocab::from_text("想要想");
/// assert_eq!(v.idx_to_char, vec!['想', '要']);
/// assert_eq!(v.char_to_idx[&'要'], 1);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Vocab {
    /// The characters; position = index.
    pub idx_to_char: Vec<char>,
    /// Inverse of `idx_to_char`.
    pub char_to_idx: HashMap<char, usize>,
}

impl Vocab {
    /// The distinct characters of `text` in order of first appearance.
    ///
    /// ```
    /// let v = d2l_rnn::data::Vocab::from_text("分开 不分开");
    /// assert_eq!(v.idx_to_char, vec!['分', '开', ' ', '不']);
    /// ```
    pub fn from_text(text: &str) -> Vocab {
        let mut idx_to_char = Vec::new();
        let mut char_to_idx = HashMap::new();
        for ch in text.chars() {
            char_to_idx.entry(ch).or_insert_with(|| {
                idx_to_char.push(ch);
                idx_to_char.len() - 1
            });
        }
        Vocab {
            idx_to_char,
            char_to_idx,
        }
    }

    /// A vocabulary with exactly this order (for example one stored in a checkpoint).
    /// A character listed twice is an [`Error::InvalidArgument`] naming it.
    ///
    /// ```
    /// use d2l_rnn::data::Vocab;
    /// assert_eq!(Vocab::from_chars(vec!['b', 'a'])?.index('a'), Some(1));
    /// assert!(Vocab::from_chars(vec!['a', 'b', 'a']).is_err());
    /// # Ok::<(), d2l_rnn::Error>(())
    /// ```
    pub fn from_chars(chars: Vec<char>) -> Result<Vocab> {
        let mut char_to_idx = HashMap::with_capacity(chars.len());
        for (i, &ch) in chars.iter().enumerate() {
            if let Some(first) = char_to_idx.insert(ch, i) {
                return Err(Error::InvalidArgument {
                    name: "vocab",
                    value: format!("{ch:?}"),
                    hint: format!(
                        "the character {ch:?} is listed twice (at {first} and {i}); \
                         a vocabulary lists each character once"
                    ),
                });
            }
        }
        Ok(Vocab {
            idx_to_char: chars,
            char_to_idx,
        })
    }

    /// Number of characters (the book's `vocab_size`).
    ///
    /// ```
    /// assert_eq!(d2l_rnn::data::Vocab::from_text("abcab").len(), 3);
    /// ```
    pub fn len(&self) -> usize {
        self.idx_to_char.len()
    }

    /// True when there are no characters.
    ///
    /// ```
    /// assert!(d2l_rnn::data::Vocab::from_text("").is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.idx_to_char.is_empty()
    }

    /// Index of `ch`, or `None` if it is not in the vocabulary.
    ///
    /// ```
    /// let v = d2l_rnn::data::Vocab::from_text("ab");
    /// assert_eq!((v.index('b'), v.index('z')), (Some(1), None));
    /// ```
    pub fn index(&self, ch: char) -> Option<usize> {
        self.char_to_idx.get(&ch).copied()
    }

    /// Indices of the characters of `text`, one per character (empty text gives an
    /// empty vector). The first character missing from the vocabulary is an
    /// [`Error::UnknownChar`] naming it and `text`.
    ///
    /// ```
    /// let v = d2l_rnn::data::Vocab::from_text("分开不");
    /// assert_eq!(v.encode("不分开")?, vec![2, 0, 1]);
    /// assert!(matches!(v.encode("分x"), Err(d2l_rnn::Error::UnknownChar { ch: 'x', .. })));
    /// # Ok::<(), d2l_rnn::Error>(())
    /// ```
    pub fn encode(&self, text: &str) -> Result<Vec<usize>> {
        text.chars()
            .map(|ch| {
                self.index(ch).ok_or_else(|| Error::UnknownChar {
                    ch,
                    prefix: text.to_string(),
                })
            })
            .collect()
    }

    /// The characters at `indices`, as a string; an index `>= len()` becomes
    /// U+FFFD (`'�'`) instead of panicking.
    ///
    /// ```
    /// let v = d2l_rnn::data::Vocab::from_text("分开");
    /// assert_eq!(v.decode(&[1, 0, 7]), "开分\u{fffd}");
    /// ```
    pub fn decode(&self, indices: &[usize]) -> String {
        indices.iter().map(|&i| self.char_at(i)).collect()
    }

    /// The character at index `i`; U+FFFD (`'�'`) for `i >= len()`.
    ///
    /// ```
    /// let v = d2l_rnn::data::Vocab::from_text("分开");
    /// assert_eq!((v.char_at(1), v.char_at(2)), ('开', '\u{fffd}'));
    /// ```
    pub fn char_at(&self, i: usize) -> char {
        self.idx_to_char
            .get(i)
            .copied()
            .unwrap_or(char::REPLACEMENT_CHARACTER)
    }
}
