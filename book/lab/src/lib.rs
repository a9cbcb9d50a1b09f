//! The book's lab: the d2l-rnn library behind a small JavaScript interface,
//! for a Web Worker of the page `lab.html` (book/src/lab/worker.js).
//!
//! The worker builds a [`Lab`] from the page's settings (the query string's
//! pairs) and a corpus, then calls [`Lab::step`] once per mini-batch, yielding
//! to its event loop in between, so that Stop takes effect after the
//! mini-batch in progress. Everything the page shows is made here: the
//! command line's log lines, and on the page's own thread the perplexity
//! curve and the gradient view as SVG.

mod run;
mod settings;

pub use run::LabRun;
pub use settings::{LabSettings, MAX_HIDDEN};

use d2l_rnn::data::{preprocess, text_from_bytes, Corpus, LYRICS_CHARS};
use d2l_rnn::inspect::{GradientThroughTime, LossAt};
use d2l_rnn::train::History;
use std::path::Path;
use wasm_bindgen::prelude::*;

/// A training run in the page: [`LabRun`] for JavaScript, errors as
/// exceptions carrying the library's message.
#[wasm_bindgen]
pub struct Lab(LabRun);

#[wasm_bindgen]
impl Lab {
    /// A new run: `settings` is a JSON list of `[name, value]` pairs (the query
    /// string's), `corpus` the text to train on (see [`read_corpus`]).
    #[wasm_bindgen(constructor)]
    pub fn new(settings: &str, corpus: &str) -> Result<Lab, JsError> {
        keep_panic_messages();
        let pairs: Vec<(String, String)> = serde_json::from_str(settings)?;
        let settings = LabSettings::from_pairs(&pairs).map_err(js)?;
        Ok(Lab(
            LabRun::new(settings, Corpus::from_text(corpus)).map_err(js)?
        ))
    }

    /// Trains on one mini-batch or ends an epoch; JSON of [`run::Event`].
    pub fn step(&mut self) -> Result<String, JsError> {
        Ok(serde_json::to_string(&self.0.step().map_err(js)?)?)
    }

    /// `epochs` more epochs after the ones asked for.
    pub fn extend(&mut self, epochs: usize) {
        self.0.extend(epochs);
    }

    /// The epochs so far: [`History`] as JSON, for [`perplexity_svg`].
    pub fn history_json(&self) -> Result<String, JsError> {
        Ok(serde_json::to_string(self.0.history())?)
    }

    /// The label of the run's curves.
    pub fn label(&self) -> String {
        self.0.label().to_string()
    }

    /// The gradient's norm through time on the corpus's first 36 characters,
    /// for [`gradient_svg`]: JSON `{"label": …, "norms": […]}`.
    pub fn gradient_json(&mut self) -> Result<String, JsError> {
        let (label, g) = self.0.gradient().map_err(js)?;
        Ok(serde_json::json!({ "label": label, "norms": g.norms }).to_string())
    }

    /// `len` characters written after `prefix` at `temperature` (0: greedy).
    pub fn write(
        &mut self,
        prefix: &str,
        len: usize,
        temperature: f64,
        seed: u64,
    ) -> Result<String, JsError> {
        self.0.write(prefix, len, temperature, seed).map_err(js)
    }
}

/// The perplexity curve of a run ([`Lab::history_json`]) as SVG. Drawn on
/// the page's own thread: plotters measures text in the page's document,
/// which a worker has not.
#[wasm_bindgen]
pub fn perplexity_svg(history_json: &str, label: &str) -> Result<String, JsError> {
    let history: History = serde_json::from_str(history_json)?;
    d2l_rnn::plot::perplexity_svg(&[(label, &history)]).map_err(js)
}

/// The gradient through time ([`Lab::gradient_json`]) as SVG, on the page's thread.
#[wasm_bindgen]
pub fn gradient_svg(label: &str, norms: Vec<f64>) -> Result<String, JsError> {
    let g = GradientThroughTime {
        loss_at: LossAt::Last,
        norms,
    };
    d2l_rnn::inspect::gradient_svg(&[(label, &g)]).map_err(js)
}

/// The text of a file the reader gave the page (a zip archive with one text
/// member, or UTF-8 text), line breaks read as spaces, as the command line's
/// `--corpus` reads it. The book's own copy of the lyrics (`lyrics` true) is
/// cut to the section's first 10,000 characters.
#[wasm_bindgen]
pub fn read_corpus(name: &str, bytes: Vec<u8>, lyrics: bool) -> Result<String, JsError> {
    let text = text_from_bytes(Path::new(name), bytes).map_err(|e| match e {
        d2l_rnn::Error::Zip { message, .. } => JsError::new(&format!(
            "{name} is not a zip archive with one text file ({message}); \
             choose such a zip, or the UTF-8 text file itself"
        )),
        e => js(e),
    })?;
    Ok(preprocess(&text, lyrics.then_some(LYRICS_CHARS)))
}

/// The message of the last panic: a panic stops the module (the page sees a
/// RuntimeError, "unreachable"), and the worker reports this with it.
#[wasm_bindgen]
pub fn last_panic() -> String {
    LAST_PANIC.with(|p| p.borrow().clone())
}

thread_local! {
    static LAST_PANIC: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

fn keep_panic_messages() {
    std::panic::set_hook(Box::new(|info| {
        LAST_PANIC.with(|p| *p.borrow_mut() = info.to_string());
    }));
}

fn js(e: d2l_rnn::Error) -> JsError {
    JsError::new(&e.to_string())
}

/// getrandom's custom source (selected for this target in `.cargo/config.toml`): every
/// random choice of the library takes a seed, so nothing asks the system for randomness.
///
/// # Safety
/// Called by getrandom only, with a writable `dest` of `len` bytes; writes nothing.
#[cfg(target_arch = "wasm32")]
#[no_mangle]
unsafe extern "Rust" fn __getrandom_v03_custom(
    _dest: *mut u8,
    _len: usize,
) -> Result<(), getrandom::Error> {
    Err(getrandom::Error::UNSUPPORTED)
}
