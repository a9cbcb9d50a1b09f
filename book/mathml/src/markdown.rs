//! Finding LaTeX in a chapter's Markdown and replacing it by MathML.
//!
//! mdBook's convention for math is `\\( ... \\)` inline and `\\[ ... \\]` for display (the
//! doubled backslash survives Markdown as one). Fenced code blocks and inline code spans are
//! copied untouched. Inside a formula, Markdown's escapes (`\_`, `\\|`, `\*`: a backslash before
//! ASCII punctuation) are undone before the LaTeX is parsed, as Markdown would have done.

use math_core::{LatexToMathML, MathDisplay};

/// Replaces every formula of `text` by MathML; errors name the line and the formula.
pub fn render_math(text: &str, converter: &LatexToMathML) -> Result<String, String> {
    let mut out = String::with_capacity(text.len() * 2);
    let mut in_fence: Option<&str> = None;
    let mut prose = String::new();
    let mut prose_line = 1;
    for (number, line) in text.split_inclusive('\n').enumerate() {
        let fence = fence_marker(line);
        match (in_fence, fence) {
            (None, Some(marker)) => {
                out.push_str(&render_prose(&prose, prose_line, converter)?);
                prose.clear();
                in_fence = Some(marker);
                out.push_str(line);
            }
            (Some(open), Some(marker)) if marker == open && line.trim().len() == marker.len() => {
                in_fence = None;
                out.push_str(line);
                prose_line = number + 2;
            }
            (Some(_), _) => out.push_str(line),
            (None, None) => prose.push_str(line),
        }
    }
    out.push_str(&render_prose(&prose, prose_line, converter)?);
    Ok(out)
}

/// "```" or "~~~" when the line opens or closes a fenced code block.
fn fence_marker(line: &str) -> Option<&'static str> {
    let trimmed = line.trim_start();
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m))
}

/// Renders the formulas of prose that holds no fenced code; `first_line` numbers errors.
fn render_prose(
    prose: &str,
    first_line: usize,
    converter: &LatexToMathML,
) -> Result<String, String> {
    let mut out = String::with_capacity(prose.len());
    let mut rest = prose;
    while let Some(i) = rest.find(['`', '\\']) {
        out.push_str(&rest[..i]);
        let at = &rest[i..];
        let line = first_line + prose[..prose.len() - at.len()].matches('\n').count();
        if at.starts_with('`') {
            let ticks = at.len() - at.trim_start_matches('`').len();
            let fence = &at[..ticks];
            let end = at[ticks..]
                .find(fence)
                .map(|j| ticks + j + ticks)
                .unwrap_or(ticks);
            out.push_str(&at[..end]); // a code span (or lone backticks) stays as it is
            rest = &at[end..];
            continue;
        }
        let (close, display) = if at.starts_with("\\\\(") {
            ("\\\\)", MathDisplay::Inline)
        } else if at.starts_with("\\\\[") {
            ("\\\\]", MathDisplay::Block)
        } else {
            let end = at.chars().nth(1).map_or(1, |c| 1 + c.len_utf8());
            out.push_str(&at[..end]); // any other escape
            rest = &at[end..];
            continue;
        };
        let body = &at[3..];
        let Some(j) = body.find(close) else {
            return Err(format!(
                "line {line}: `{}` is never closed by `{close}`",
                &at[..3]
            ));
        };
        let latex = unescape_markdown(&body[..j]);
        let result = converter
            .convert_with_local_state(&latex, display)
            .map_err(|e| format!("line {line}: cannot render `{}`: {e:?}", latex.trim()))?;
        out.push_str(&protect_from_markdown(&result.mathml));
        rest = &body[j + 3..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Undoes Markdown's backslash escapes: a backslash before ASCII punctuation is dropped.
fn unescape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match chars.peek() {
            Some(&next) if c == '\\' && next.is_ascii_punctuation() => {
                out.push(next);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out.replace('\n', " ")
}

/// MathML on one line whose text cannot be read as Markdown (emphasis, links, table cells):
/// the characters Markdown gives a meaning become numeric character references.
fn protect_from_markdown(mathml: &str) -> String {
    let mut out = String::with_capacity(mathml.len());
    let mut in_tag = false;
    for c in mathml.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            '\n' => {
                out.push(' ');
                continue;
            }
            _ => {}
        }
        if !in_tag && "\\*_`[]|~$".contains(c) {
            out.push_str(&format!("&#{};", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use math_core::MathCoreConfig;

    fn render(text: &str) -> Result<String, String> {
        render_math(
            text,
            &LatexToMathML::new(MathCoreConfig::default()).unwrap(),
        )
    }

    #[test]
    fn inline_and_display_math_become_mathml() {
        let out = render("隐藏状态 \\\\(H_t\\\\)：\n\n\\\\[\nO_t = H_t W_{hq}\n\\\\]\n").unwrap();
        assert!(out.starts_with("隐藏状态 <math><msub><mi>H</mi><mi>t</mi></msub></math>："));
        assert!(out.contains("<math display=\"block\">"), "{out}");
        assert!(!out.contains("\\\\"), "{out}");
    }

    #[test]
    fn code_is_left_alone() {
        let text = "`\\\\(x\\\\)` and\n```rust\nlet s = \"\\\\(\";\n```\nthen \\\\(y\\\\)\n";
        let out = render(text).unwrap();
        assert!(out.starts_with("`\\\\(x\\\\)` and\n```rust\nlet s = \"\\\\(\";\n```\nthen <math>"));
    }

    #[test]
    fn markdown_escapes_inside_math_are_undone() {
        // \\| is a norm, \_ a subscript: written so that Markdown leaves them alone.
        let out = render("\\\\(\\\\|g\\\\| + a\\_{i}\\\\)").unwrap();
        assert!(out.contains("<msub><mi>a</mi><mi>i</mi></msub>"), "{out}");
        assert!(out.contains("&#8214;") || out.contains('‖'), "{out}");
        assert!(
            !out.contains('|'),
            "a raw | would split a table cell: {out}"
        );
    }

    #[test]
    fn errors_name_the_line() {
        let err = render("one\ntwo \\\\(\\frac{1}\\\\)\n").unwrap_err();
        assert!(
            err.starts_with("line 2: cannot render `\\frac{1}`"),
            "{err}"
        );
        let err = render("```\ncode\n```\n\nx \\\\(a\n").unwrap_err();
        assert!(err.starts_with("line 5: `\\\\(` is never closed"), "{err}");
    }
}
