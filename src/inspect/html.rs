//! A piece of HTML that shows itself in an evcxr cell and can be saved.

use crate::error::Result;
use std::path::Path;

/// An owned HTML fragment (no `<html>` or `<body>`): in an evcxr Jupyter notebook a cell
/// ending with it shows it ([`Html::evcxr_display`]); [`Html::save`] writes it as a page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Html {
    fragment: String,
}

impl Html {
    /// Wraps `fragment` (trusted HTML: it is shown as it is).
    pub fn new(fragment: impl Into<String>) -> Html {
        Html {
            fragment: fragment.into(),
        }
    }

    /// The fragment.
    pub fn fragment(&self) -> &str {
        &self.fragment
    }

    /// The fragment as a page of its own (UTF-8, Chinese-capable fonts).
    pub fn page(&self) -> String {
        format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><style>body {{ font-family: \
             sans-serif; margin: 1.5em; }}</style></head>\n<body>\n{}\n</body></html>\n",
            self.fragment
        )
    }

    /// Writes [`Html::page`] to `path` atomically.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::io::write_atomic(path.as_ref(), self.page().as_bytes())
    }

    /// Shows the fragment in an evcxr notebook cell (`text/html`): prints
    /// [`Html::evcxr_content`].
    pub fn evcxr_display(&self) {
        evcxr_runtime::mime_type("text/html").text(&self.fragment);
    }

    /// What [`Html::evcxr_display`] prints: the fragment between evcxr's content markers.
    pub fn evcxr_content(&self) -> String {
        format!(
            "EVCXR_BEGIN_CONTENT text/html\n{}\nEVCXR_END_CONTENT\n",
            self.fragment
        )
    }
}

impl evcxr_runtime::Display for Html {
    fn evcxr_display(&self) {
        Html::evcxr_display(self)
    }
}

/// `text` with `&`, `<`, `>` and `"` escaped.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
