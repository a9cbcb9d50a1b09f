//! Where the lyrics archive comes from: the folder `D2L_RNN_DATA` names,
//! `data/`, or a download checked against its SHA-256.

use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};
use crate::io::read_bytes;

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
/// Looks, in order, at `data_dir()/LYRICS_ZIP` and `./data/LYRICS_ZIP`
/// (the same file once). The first file found must have SHA-256 [`LYRICS_SHA256`],
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
