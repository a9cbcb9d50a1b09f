//! The perplexity curves as a PNG, with text in DejaVu Sans embedded in the
//! crate (`assets/fonts/`), so labels render on a machine with no fonts.

use super::draw::draw;
use super::PLOT_SIZE;
use crate::error::{Error, Result};
use crate::train::History;
use plotters::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

/// DejaVu Sans, under the Bitstream Vera license (`assets/fonts/LICENSE-DejaVu.txt`).
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the embedded font as plotters' `sans-serif`, once. With this
/// feature plotters measures text with it for every backend, the SVG one too.
pub(super) fn register_font() -> std::result::Result<(), String> {
    static REGISTERED: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
                .map_err(|_| "the embedded font could not be read".to_string())
        })
        .clone()
}

pub(super) fn plot_error(message: String) -> Error {
    Error::Io {
        path: "<perplexity plot>".into(),
        source: std::io::Error::other(message),
    }
}

/// The curves of [`super::perplexity_svg`] as an RGB image of [`PLOT_SIZE`]
/// pixels, row by row, 3 bytes a pixel.
///
/// ```
/// use d2l_rnn::train::{EpochRecord, History};
/// let h = History { epochs: (1..=5).map(|e| EpochRecord { epoch: e, perplexity: 500.0 / e as f64,
///     seconds: 0.0, ..Default::default() }).collect(), samples: vec![] };
/// let rgb = d2l_rnn::plot::perplexity_png(&[("random", &h)])?;
/// assert_eq!(rgb.len(), 720 * 440 * 3);
/// // The title is drawn in black: some pixels near the top are dark.
/// assert!(rgb[..720 * 40 * 3].chunks(3).any(|p| p.iter().all(|&c| c < 100)));
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn perplexity_png(series: &[(&str, &History)]) -> Result<Vec<u8>> {
    register_font().map_err(plot_error)?;
    let (w, h) = PLOT_SIZE;
    let mut rgb = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, PLOT_SIZE).into_drawing_area();
        draw(root, series).map_err(plot_error)?;
    }
    Ok(rgb)
}

/// Writes the curves as a PNG file (a temporary file in the same folder,
/// then a rename).
///
/// ```
/// use d2l_rnn::train::{EpochRecord, History};
/// let h = History { epochs: vec![EpochRecord { epoch: 1, perplexity: 900.0, seconds: 0.1, ..Default::default() }], samples: vec![] };
/// let path = std::env::temp_dir().join(format!("d2l-rnn-doc-plot-{}.png", std::process::id()));
/// d2l_rnn::plot::save_perplexity_png(&path, &[("random", &h)])?;
/// assert!(std::fs::read(&path).unwrap().starts_with(b"\x89PNG"));
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), d2l_rnn::Error>(())
/// ```
pub fn save_perplexity_png(path: impl AsRef<Path>, series: &[(&str, &History)]) -> Result<()> {
    let path = path.as_ref();
    register_font().map_err(plot_error)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let tmp = dir.join(format!(".{name}.{}.tmp.png", std::process::id()));
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    let drawn = {
        let root = BitMapBackend::new(&tmp, PLOT_SIZE).into_drawing_area();
        draw(root, series)
    };
    if let Err(message) = drawn {
        let _ = std::fs::remove_file(&tmp);
        return Err(plot_error(message));
    }
    std::fs::rename(&tmp, path).map_err(io)
}
