//! One error type for the whole crate.
//!
//! Every variant names the bad value and says what to do about it, so that a
//! reader who mistypes a prefix or points at the wrong file gets a sentence,
//! not a panic.

use std::fmt;
use std::path::PathBuf;

/// Everything that can go wrong in `d2l_rnn`.
///
/// ```
/// use d2l_rnn::Error;
/// let e = Error::InvalidArgument { name: "batch_size", value: "0".into(), hint: "use 1 or more".into() };
/// assert_eq!(e.to_string(), "invalid batch_size = 0: use 1 or more");
/// ```
#[derive(Debug)]
pub enum Error {
    /// A file could not be read or written.
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A text file is not valid UTF-8.
    NotUtf8 {
        /// Where the text came from (a file, or `file.zip:member`).
        origin: String,
        /// Byte offset of the first invalid byte.
        byte_offset: usize,
    },
    /// A zip archive is corrupt or lacks the expected member.
    Zip {
        /// The archive.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A downloaded or cached file does not have the expected SHA-256.
    Checksum {
        /// The file that was checked.
        path: PathBuf,
        /// The hex digest we expected.
        expected: String,
        /// The hex digest we computed.
        actual: String,
    },
    /// The lyrics corpus was found nowhere and could not be downloaded.
    CorpusNotFound {
        /// Every place that was looked at, in order.
        searched: Vec<PathBuf>,
        /// Why the download did not work.
        download_error: String,
    },
    /// A hyper-parameter or argument is out of range.
    InvalidArgument {
        /// The argument's name, as in the API or CLI.
        name: &'static str,
        /// The value that was given.
        value: String,
        /// What to do instead.
        hint: String,
    },
    /// The corpus is too short to fill one mini-batch.
    CorpusTooShort {
        /// Number of characters (indices) in the corpus.
        len: usize,
        /// The minimum length needed for the requested settings.
        needed: usize,
        /// The settings that asked for it, for example `batch_size 32, num_steps 35`.
        settings: String,
    },
    /// A prefix character is not in the vocabulary.
    UnknownChar {
        /// The character.
        ch: char,
        /// The prefix it came from.
        prefix: String,
    },
    /// A prefix was empty.
    EmptyPrefix,
    /// A checkpoint could not be read, or does not fit the model.
    Checkpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// What is wrong, naming tensors and shapes.
        message: String,
    },
    /// The training loss became NaN or infinite.
    Diverged {
        /// The 1-based epoch in which it happened.
        epoch: usize,
        /// What stopped being finite: `the loss`, `the gradient norm`,
        /// `the epoch's perplexity` or `the weight W_hh`.
        what: String,
        /// The value that was seen (NaN or infinite).
        value: f64,
        /// The learning rate of the run.
        lr: f64,
        /// The clipping threshold of the run.
        clip: f64,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::NotUtf8 {
                origin,
                byte_offset,
            } => write!(
                f,
                "{origin} is not UTF-8 text (invalid byte at offset {byte_offset}); \
                 convert it, for example with `iconv -f GBK -t UTF-8`"
            ),
            Error::Zip { path, message } => write!(
                f,
                "{}: not a usable zip archive ({message}); delete it and place a fresh copy",
                path.display()
            ),
            Error::Checksum {
                path,
                expected,
                actual,
            } => write!(
                f,
                "{}: SHA-256 is {actual} but {expected} was expected; the file is corrupt or \
                 not the lyrics corpus, delete it and fetch it again",
                path.display()
            ),
            Error::CorpusNotFound {
                searched,
                download_error,
            } => {
                write!(
                    f,
                    "the lyrics corpus jaychou_lyrics.txt.zip was not found; looked in:"
                )?;
                for p in searched {
                    write!(f, " {};", p.display())?;
                }
                write!(
                    f,
                    " the download failed ({download_error}). Copy jaychou_lyrics.txt.zip \
                     into the data/ folder by hand, or pass --corpus FILE"
                )
            }
            Error::InvalidArgument { name, value, hint } => {
                write!(f, "invalid {name} = {value}: {hint}")
            }
            Error::CorpusTooShort {
                len,
                needed,
                settings,
            } => write!(
                f,
                "the corpus has {len} characters but {settings} needs at least {needed}; \
                 use a longer text or smaller batch_size / num_steps"
            ),
            Error::UnknownChar { ch, prefix } => write!(
                f,
                "the prefix {prefix:?} contains {ch:?}, which is not in the vocabulary; \
                 use characters that occur in the training text"
            ),
            Error::EmptyPrefix => write!(
                f,
                "the prefix is empty; give at least one character, for example 分开"
            ),
            Error::Checkpoint { path, message } => {
                write!(f, "checkpoint {}: {message}", path.display())
            }
            Error::Diverged {
                epoch,
                what,
                value,
                lr,
                clip,
            } => write!(
                f,
                "training diverged in epoch {epoch}: {what} became {value}; \
                 lower the learning rate (--lr, now {lr:?}) or clip gradients harder \
                 (--clip, now {clip:?}); nothing was saved from this run"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// Returns `Err(InvalidArgument)` when `value` is zero.
///
/// ```
/// assert!(d2l_rnn::error::positive("hidden", 0).is_err());
/// assert_eq!(d2l_rnn::error::positive("hidden", 3).unwrap(), 3);
/// ```
pub fn positive(name: &'static str, value: usize) -> Result<usize> {
    if value == 0 {
        Err(Error::InvalidArgument {
            name,
            value: "0".into(),
            hint: "it must be at least 1".into(),
        })
    } else {
        Ok(value)
    }
}

/// `"use a or b"`, `"use a, b or c"`: the hint for an option with named choices.
pub(crate) fn choices_hint(names: &[&str]) -> String {
    match names.split_last() {
        Some((last, [])) => format!("use {last}"),
        Some((last, rest)) => format!("use {} or {last}", rest.join(", ")),
        None => "there is nothing to choose".into(),
    }
}

/// `FromStr` (ASCII case ignored; anything else an
/// [`Error::InvalidArgument`] naming the option, the value and the choices)
/// and `Display` for an enum of named choices:
/// `named_choices!(Sampling, "sampling", { Sampling::Random => "random", … });`
macro_rules! named_choices {
    ($ty:ty, $option:literal, { $($variant:path => $name:literal),+ $(,)? }) => {
        impl std::str::FromStr for $ty {
            type Err = $crate::error::Error;

            fn from_str(s: &str) -> $crate::error::Result<Self> {
                match s.to_ascii_lowercase().as_str() {
                    $($name => Ok($variant),)+
                    _ => Err($crate::error::Error::InvalidArgument {
                        name: $option,
                        value: s.to_string(),
                        hint: $crate::error::choices_hint(&[$($name),+]),
                    }),
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(match self {
                    $($variant => $name,)+
                })
            }
        }
    };
}
pub(crate) use named_choices;

#[cfg(test)]
mod tests {
    #[test]
    fn the_hint_lists_the_choices() {
        assert_eq!(super::choices_hint(&["tanh", "relu"]), "use tanh or relu");
        assert_eq!(
            super::choices_hint(&["rnn", "gru", "lstm"]),
            "use rnn, gru or lstm"
        );
    }
}
