//! Finding, downloading, reading and preprocessing the lyrics corpus.
//!
//! The section's Python reads the corpus like this:
//!
//! ```python
//! with zipfile.ZipFile('../../data/jaychou_lyrics.txt.zip') as zin:
//!     with zin.open('jaychou_lyrics.txt') as f:
//!         corpus_chars = f.read().decode('utf-8')
//! corpus_chars = corpus_chars.replace('\n', ' ').replace('\r', ' ')
//! corpus_chars = corpus_chars[0:10000]
//! ```
//!
//! Here [`find_or_fetch_lyrics`] finds (or downloads and verifies) the archive,
//! [`read_text`] decodes it, [`preprocess`] does the two replacements and the cut,
//! and [`Corpus::from_text`] builds the vocabulary and the indices.

use std::io::{Cursor, Read};
use std::path::Path;

use super::fetch::{find_or_fetch_lyrics, LYRICS_CHARS, LYRICS_MEMBER};
use super::vocab::Vocab;
use crate::error::{Error, Result};
use crate::io::read_bytes;

/// A character corpus: the text as vocabulary indices, and the vocabulary.
///
/// Field names follow the book: `corpus_indices[t]` is the index of the `t`-th
/// character, `vocab.idx_to_char` / `vocab.char_to_idx` are the two lookups, and
/// `vocab_size` is [`Corpus::vocab_size`].
///
/// ```
/// use d2l_rnn::data::Corpus;
/// let c = Corpus::from_text("abca");
/// assert_eq!(c.corpus_indices, vec![0, 1, 2, 0]);
/// assert_eq!(c.vocab_size(), 3);
/// ```
#[derive(Clone, Debug)]
pub struct Corpus {
    /// The text as indices into `vocab`, one per character; length = number of chars.
    pub corpus_indices: Vec<usize>,
    /// The characters of the text, in order of first appearance.
    pub vocab: Vocab,
}

impl Corpus {
    /// Number of distinct characters, `vocab.len()` (the book's `vocab_size`).
    ///
    /// ```
    /// assert_eq!(d2l_rnn::data::Corpus::from_text("分开分").vocab_size(), 2);
    /// ```
    pub fn vocab_size(&self) -> usize {
        self.vocab.len()
    }

    /// Builds the vocabulary ([`Vocab::from_text`]) and encodes every character of
    /// `text`. The text is used as given: call [`preprocess`] first for the book's
    /// newline replacement and cut.
    ///
    /// ```
    /// use d2l_rnn::data::Corpus;
    /// let c = Corpus::from_text("想要 想");
    /// assert_eq!(c.corpus_indices, vec![0, 1, 2, 0]);
    /// assert_eq!(c.vocab.idx_to_char, vec!['想', '要', ' ']);
    /// ```
    pub fn from_text(text: &str) -> Corpus {
        let vocab = Vocab::from_text(text);
        let corpus_indices = text
            .chars()
            .filter_map(|ch| vocab.char_to_idx.get(&ch).copied())
            .collect();
        Corpus {
            corpus_indices,
            vocab,
        }
    }

    /// The same corpus encoded with another vocabulary (a checkpoint's, to go
    /// on training it): an error names every character of the corpus that
    /// the vocabulary lacks (the first ten, and how many more).
    ///
    /// ```
    /// use d2l_rnn::data::{Corpus, Vocab};
    /// let c = Corpus::from_text("想要").with_vocab(Vocab::from_text("要想有"))?;
    /// assert_eq!(c.corpus_indices, vec![1, 0]);
    /// let err = Corpus::from_text("想要你").with_vocab(Vocab::from_text("想要")).unwrap_err();
    /// assert!(err.to_string().contains("'你'"), "{err}");
    /// # Ok::<(), d2l_rnn::Error>(())
    /// ```
    pub fn with_vocab(&self, vocab: Vocab) -> Result<Corpus> {
        let missing: Vec<char> = self
            .vocab
            .idx_to_char
            .iter()
            .copied()
            .filter(|c| vocab.index(*c).is_none())
            .collect();
        if !missing.is_empty() {
            let shown: Vec<String> = missing.iter().take(10).map(|c| format!("{c:?}")).collect();
            let more = match missing.len() {
                n if n > 10 => format!(" and {} more", n - 10),
                _ => String::new(),
            };
            return Err(Error::InvalidArgument {
                name: "corpus",
                value: format!("{} characters", self.corpus_indices.len()),
                hint: format!(
                    "the checkpoint's vocabulary lacks {} of its characters: {}{more}; \
                     go on with a corpus the model knows, or train a new model on this one",
                    missing.len(),
                    shown.join(", ")
                ),
            });
        }
        let corpus_indices = self
            .corpus_indices
            .iter()
            .filter_map(|&i| vocab.index(self.vocab.idx_to_char[i]))
            .collect();
        Ok(Corpus {
            corpus_indices,
            vocab,
        })
    }
}

/// The section's `load_data_jay_lyrics()`: finds or downloads the archive
/// ([`find_or_fetch_lyrics`]), reads the member [`LYRICS_MEMBER`], applies
/// [`preprocess`] with `Some(LYRICS_CHARS)` and builds the [`Corpus`]:
/// 10,000 indices over a vocabulary of 1,027 characters.
///
/// ```
/// let corpus = d2l_rnn::data::load_data_jay_lyrics()?;
/// assert_eq!(corpus.corpus_indices.len(), 10_000);
/// assert_eq!(corpus.vocab_size(), 1027);
/// assert_eq!(corpus.vocab.decode(&corpus.corpus_indices[..6]), "想要有直升机");
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn load_data_jay_lyrics() -> Result<Corpus> {
    let path = find_or_fetch_lyrics()?;
    let bytes = read_bytes(&path)?;
    let text = read_zip_member(&path, &bytes, Some(LYRICS_MEMBER))?;
    Ok(Corpus::from_text(&preprocess(&text, Some(LYRICS_CHARS))))
}

/// Loads any UTF-8 text file or zip archive as a [`Corpus`]: [`read_text`], then
/// [`preprocess`] with `max_chars` (`None` keeps the whole text), then
/// [`Corpus::from_text`].
///
/// ```
/// let path = std::env::temp_dir().join(format!("d2l_rnn_doc_load_{}.txt", std::process::id()));
/// std::fs::write(&path, "ab\nba\n")?;
/// let c = d2l_rnn::data::load_corpus(&path, Some(4))?;
/// assert_eq!(c.vocab.decode(&c.corpus_indices), "ab b");
/// assert_eq!(c.vocab_size(), 3);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_corpus(path: &Path, max_chars: Option<usize>) -> Result<Corpus> {
    let text = read_text(path)?;
    Ok(Corpus::from_text(&preprocess(&text, max_chars)))
}

/// Reads a UTF-8 text, either a plain file or a member of a zip archive.
///
/// A file is read as a zip archive when its name ends in `.zip` (any case) or it
/// starts with the zip signature `PK\x03\x04`. The member read is the only one
/// whose name ends in `.txt`, or else the only file in the archive; any other
/// layout is a [`Error::Zip`] listing the members. A leading byte-order mark
/// (U+FEFF) is dropped.
///
/// Errors: [`Error::Io`] naming the path; [`Error::Zip`] for a corrupt archive;
/// [`Error::NotUtf8`] with origin `"path"` or `"path:member"` and the byte offset of
/// the first invalid byte.
///
/// ```
/// let path = std::env::temp_dir().join(format!("d2l_rnn_doc_read_{}.txt", std::process::id()));
/// std::fs::write(&path, "分开\r\n")?;
/// assert_eq!(d2l_rnn::data::read_text(&path)?, "分开\r\n");
/// std::fs::write(&path, b"ab\xff")?;
/// let err = d2l_rnn::data::read_text(&path).unwrap_err();
/// assert!(matches!(err, d2l_rnn::Error::NotUtf8 { byte_offset: 2, .. }));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_text(path: &Path) -> Result<String> {
    text_from_bytes(path, read_bytes(path)?)
}

/// [`read_text`] of bytes already read (a file a reader gave a web page, say):
/// `path` is the file's name, which decides as in [`read_text`] and names the
/// source in errors.
///
/// ```
/// use d2l_rnn::data::text_from_bytes;
/// use std::path::Path;
/// assert_eq!(text_from_bytes(Path::new("a.txt"), "分开".into())?, "分开");
/// let err = text_from_bytes(Path::new("a.txt"), vec![b'a', 0xff]).unwrap_err();
/// assert_eq!(err.to_string().contains("a.txt"), true);
/// let err = text_from_bytes(Path::new("lyrics.zip"), b"not a zip".to_vec()).unwrap_err();
/// assert!(matches!(err, d2l_rnn::Error::Zip { .. }));
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn text_from_bytes(path: &Path, bytes: Vec<u8>) -> Result<String> {
    let is_zip = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
        || bytes.starts_with(b"PK\x03\x04");
    if is_zip {
        read_zip_member(path, &bytes, None)
    } else {
        decode_utf8(bytes, path.display().to_string())
    }
}

/// The section's preprocessing: every `'\n'` and every `'\r'` becomes one space
/// (so `"\r\n"` becomes two, exactly like `.replace('\n', ' ').replace('\r', ' ')`),
/// then the first `max_chars` characters are kept (characters, not bytes;
/// `None` keeps all).
///
/// ```
/// use d2l_rnn::data::preprocess;
/// assert_eq!(preprocess("想要\r\n有", None), "想要  有");
/// assert_eq!(preprocess("想要\n有直升机", Some(4)), "想要 有");
/// ```
pub fn preprocess(text: &str, max_chars: Option<usize>) -> String {
    let replaced = text
        .chars()
        .map(|ch| if ch == '\n' || ch == '\r' { ' ' } else { ch });
    match max_chars {
        Some(n) => replaced.take(n).collect(),
        None => replaced.collect(),
    }
}

/// Decodes UTF-8, dropping a leading byte-order mark; `origin` names the source.
fn decode_utf8(bytes: Vec<u8>, origin: String) -> Result<String> {
    match String::from_utf8(bytes) {
        Ok(mut s) => {
            if s.starts_with('\u{feff}') {
                s.drain(..'\u{feff}'.len_utf8());
            }
            Ok(s)
        }
        Err(e) => Err(Error::NotUtf8 {
            origin,
            byte_offset: e.utf8_error().valid_up_to(),
        }),
    }
}

/// Reads one member of the zip archive `bytes` (read from `path`) as UTF-8:
/// `member` if given, else the one chosen as described in [`read_text`].
fn read_zip_member(path: &Path, bytes: &[u8], member: Option<&str>) -> Result<String> {
    let zip_err = |message: String| Error::Zip {
        path: path.to_path_buf(),
        message,
    };
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| zip_err(e.to_string()))?;
    let names: Vec<String> = archive.file_names().map(str::to_string).collect();
    let name = match member {
        Some(m) => m.to_string(),
        None => {
            let files: Vec<&String> = names
                .iter()
                .filter(|n| !n.ends_with('/') && !n.starts_with("__MACOSX/"))
                .collect();
            let txt: Vec<&String> = files
                .iter()
                .copied()
                .filter(|n| n.to_ascii_lowercase().ends_with(".txt"))
                .collect();
            match (txt.as_slice(), files.as_slice()) {
                ([one], _) => one.to_string(),
                ([], [only]) => only.to_string(),
                _ => {
                    return Err(zip_err(format!(
                        "expected exactly one member ending in .txt (or a single member), \
                         found {} member(s): [{}]",
                        names.len(),
                        names.join(", ")
                    )))
                }
            }
        }
    };
    let mut file = archive.by_name(&name).map_err(|e| {
        zip_err(format!(
            "member {name}: {e}; members are [{}]",
            names.join(", ")
        ))
    })?;
    let too_large = || {
        zip_err(format!(
            "member {name} is larger than {} MiB uncompressed; a text corpus that large \
             is not supported (cut it, or pass the plain text file)",
            MAX_MEMBER_BYTES >> 20
        ))
    };
    if file.size() > MAX_MEMBER_BYTES {
        return Err(too_large());
    }
    // The declared size can lie: read at most one byte past the limit.
    let mut content = Vec::new();
    (&mut file)
        .take(MAX_MEMBER_BYTES + 1)
        .read_to_end(&mut content)
        .map_err(|e| zip_err(format!("member {name}: {e}")))?;
    if content.len() as u64 > MAX_MEMBER_BYTES {
        return Err(too_large());
    }
    decode_utf8(content, format!("{}:{name}", path.display()))
}

/// The largest zip member read as a corpus: 256 MiB uncompressed (the whole
/// lyrics file is 190 KB), so that an archive cannot make the reader
/// allocate gigabytes.
///
/// ```
/// assert_eq!(d2l_rnn::data::MAX_MEMBER_BYTES, 256 * 1024 * 1024);
/// ```
pub const MAX_MEMBER_BYTES: u64 = 256 << 20;
