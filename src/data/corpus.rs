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

use std::fs;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use super::vocab::Vocab;
use crate::error::{Error, Result};

/// File name of the lyrics archive, as in the book's `data/` folder.
///
/// ```
/// assert_eq!(d2l_rnn::data::LYRICS_ZIP, "jaychou_lyrics.txt.zip");
/// ```
pub const LYRICS_ZIP: &str = "jaychou_lyrics.txt.zip";

/// Name of the text member inside [`LYRICS_ZIP`] (UTF-8, one lyric line per line).
///
/// ```
/// assert!(d2l_rnn::data::LYRICS_ZIP.starts_with(d2l_rnn::data::LYRICS_MEMBER));
/// ```
pub const LYRICS_MEMBER: &str = "jaychou_lyrics.txt";

/// Lower-case hex SHA-256 of the archive [`LYRICS_ZIP`] (52,607 bytes).
///
/// ```
/// assert_eq!(d2l_rnn::data::LYRICS_SHA256.len(), 64);
/// ```
pub const LYRICS_SHA256: &str = "3cfedd7d174111cdad5a27eaffaa6a2432a2842cf2590a03dd8a97610ea07043";

/// Where [`find_or_fetch_lyrics`] downloads the archive from when no copy is found
/// (the PyTorch port of the book's repository). Override it with the environment
/// variable `D2L_RNN_LYRICS_URL`.
///
/// ```
/// assert!(d2l_rnn::data::LYRICS_URL.ends_with(d2l_rnn::data::LYRICS_ZIP));
/// ```
pub const LYRICS_URL: &str =
    "https://raw.githubusercontent.com/ShusenTang/Dive-into-DL-PyTorch/master/data/jaychou_lyrics.txt.zip";

/// Number of characters the section keeps: `corpus_chars[0:10000]`.
///
/// ```
/// assert_eq!(d2l_rnn::data::LYRICS_CHARS, 10_000);
/// ```
pub const LYRICS_CHARS: usize = 10_000;

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
    let bytes = read_bytes(path)?;
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

/// Lower-case hex SHA-256 digest of `bytes` (64 characters).
///
/// ```
/// assert_eq!(
///     d2l_rnn::data::sha256_hex(b"abc"),
///     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// );
/// ```
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The cache folder for downloaded corpora: the environment variable
/// `D2L_RNN_DATA` if it is set and not empty, else the crate's `data/` folder
/// (`concat!(env!("CARGO_MANIFEST_DIR"), "/data")`).
///
/// ```
/// if std::env::var_os("D2L_RNN_DATA").is_none() {
///     assert!(d2l_rnn::data::data_dir().ends_with("data"));
/// }
/// ```
pub fn data_dir() -> PathBuf {
    match std::env::var_os("D2L_RNN_DATA") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/data")),
    }
}

/// The places [`find_or_fetch_lyrics`] looks, in order, without duplicates.
fn lyrics_candidates() -> Vec<PathBuf> {
    let raw = [
        data_dir().join(LYRICS_ZIP),
        Path::new("data").join(LYRICS_ZIP),
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/data")
            .join(LYRICS_ZIP),
        Path::new("../shared/data").join(LYRICS_ZIP),
    ];
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut out = Vec::new();
    for p in raw {
        let shown = std::path::absolute(&p).unwrap_or(p);
        let key = fs::canonicalize(&shown).unwrap_or_else(|_| shown.clone());
        if !seen.contains(&key) {
            seen.push(key);
            out.push(shown);
        }
    }
    out
}

/// Returns the path of a verified copy of [`LYRICS_ZIP`], downloading it if needed.
///
/// Looks, in order, at `data_dir()/LYRICS_ZIP`, `./data/LYRICS_ZIP`,
/// `CARGO_MANIFEST_DIR/../shared/data/LYRICS_ZIP` and `./../shared/data/LYRICS_ZIP`
/// (duplicates removed). The first file found must have SHA-256 [`LYRICS_SHA256`],
/// else [`Error::Checksum`]. If none exists, [`download`]s `D2L_RNN_LYRICS_URL` (or
/// [`LYRICS_URL`]) to `data_dir()/LYRICS_ZIP`; if that fails, returns
/// [`Error::CorpusNotFound`] with every searched path and the download error.
///
/// ```
/// let path = d2l_rnn::data::find_or_fetch_lyrics()?;
/// assert!(path.ends_with("jaychou_lyrics.txt.zip"));
/// let bytes = std::fs::read(&path)?;
/// assert_eq!(d2l_rnn::data::sha256_hex(&bytes), d2l_rnn::data::LYRICS_SHA256);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn find_or_fetch_lyrics() -> Result<PathBuf> {
    let searched = lyrics_candidates();
    for path in &searched {
        if path.is_file() {
            let actual = sha256_hex(&read_bytes(path)?);
            if actual != LYRICS_SHA256 {
                return Err(Error::Checksum {
                    path: path.clone(),
                    expected: LYRICS_SHA256.to_string(),
                    actual,
                });
            }
            return Ok(path.clone());
        }
    }
    let url = match std::env::var("D2L_RNN_LYRICS_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => LYRICS_URL.to_string(),
    };
    let dest = data_dir().join(LYRICS_ZIP);
    match download(&url, &dest, LYRICS_SHA256) {
        Ok(()) => Ok(dest),
        Err(e) => Err(Error::CorpusNotFound {
            searched,
            download_error: e.to_string(),
        }),
    }
}

/// Downloads `url` to `dest` with `curl -fsSL --max-time 60 -o <tmp> --url <url>`
/// (any scheme curl knows, including `file://`), verifying the SHA-256.
///
/// The temporary file lives in `dest`'s folder (created if missing). Its digest is
/// compared with `sha256` (case-insensitive) *before* it is atomically renamed to
/// `dest`, so `dest` never holds a bad file. On mismatch the temporary file is
/// deleted and [`Error::Checksum`] `{ path: dest, expected, actual }` is returned.
/// If curl cannot be started or exits with an error, the result is an
/// [`Error::Io`] whose message says so and includes curl's own message.
///
/// ```
/// use d2l_rnn::data::{download, sha256_hex};
/// let dir = std::env::temp_dir().join(format!("d2l_rnn_doc_dl_{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let src = dir.join("src.txt");
/// std::fs::write(&src, "分开")?;
/// let url = format!("file://{}", src.display());
/// download(&url, &dir.join("copy.txt"), &sha256_hex("分开".as_bytes()))?;
/// assert_eq!(std::fs::read_to_string(dir.join("copy.txt"))?, "分开");
/// assert!(download(&url, &dir.join("bad.txt"), &"0".repeat(64)).is_err());
/// assert!(!dir.join("bad.txt").exists());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn download(url: &str, dest: &Path, sha256: &str) -> Result<()> {
    let io_err = |path: &Path, source: std::io::Error| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let file_name = dest
        .file_name()
        .ok_or_else(|| Error::InvalidArgument {
            name: "dest",
            value: dest.display().to_string(),
            hint: "give a file path, not a folder".into(),
        })?
        .to_string_lossy()
        .into_owned();
    let dir = match dest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir).map_err(|e| io_err(&dir, e))?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let tmp = dir.join(format!(".{file_name}.{}.{nanos}.part", std::process::id()));

    let output = Command::new("curl")
        .args(["-fsSL", "--max-time", "60", "-o"])
        .arg(&tmp)
        .arg("--url")
        .arg(url)
        .output()
        .map_err(|e| {
            io_err(
                Path::new("curl"),
                std::io::Error::new(
                    e.kind(),
                    format!("could not run curl to download {url} ({e}); install curl"),
                ),
            )
        })?;
    if !output.status.success() {
        let _ = fs::remove_file(&tmp);
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(io_err(
            dest,
            std::io::Error::other(format!(
                "curl failed to download {url} ({}): {}",
                output.status,
                stderr.trim()
            )),
        ));
    }
    let bytes = match fs::read(&tmp) {
        Ok(b) => b,
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            return Err(io_err(&tmp, e));
        }
    };
    let actual = sha256_hex(&bytes);
    if !actual.eq_ignore_ascii_case(sha256.trim()) {
        let _ = fs::remove_file(&tmp);
        return Err(Error::Checksum {
            path: dest.to_path_buf(),
            expected: sha256.to_string(),
            actual,
        });
    }
    fs::rename(&tmp, dest).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        io_err(dest, e)
    })
}

/// Reads a whole file, naming it in the error.
fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
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
    let mut content = Vec::new();
    file.read_to_end(&mut content)
        .map_err(|e| zip_err(format!("member {name}: {e}")))?;
    decode_utf8(content, format!("{}:{name}", path.display()))
}
