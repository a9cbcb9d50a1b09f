//! The mdBook side: find every chapter in the `[context, book]` JSON and render its math.

use crate::markdown::render_math;
use math_core::{LatexToMathML, MathCoreConfig};
use serde_json::Value;

/// Reads `[context, book]`, renders the math of every chapter (sub-chapters included) and
/// returns the book as JSON.
pub fn render_book(input: &str) -> Result<String, String> {
    let parsed: Value =
        serde_json::from_str(input).map_err(|e| format!("the input is not mdBook's JSON: {e}"))?;
    let mut book = match parsed {
        Value::Array(mut pair) if pair.len() == 2 => pair.pop().unwrap_or(Value::Null),
        _ => return Err("expected a JSON array [context, book] on stdin".into()),
    };
    let converter = LatexToMathML::new(MathCoreConfig::default())
        .map_err(|e| format!("cannot set up the LaTeX converter: {e:?}"))?;
    let items = book
        .get_mut("items")
        .and_then(Value::as_array_mut)
        .ok_or("the book has no `items` array (is this mdBook 0.5?)")?;
    for item in items {
        render_item(item, &converter)?;
    }
    serde_json::to_string(&book).map_err(|e| e.to_string())
}

fn render_item(item: &mut Value, converter: &LatexToMathML) -> Result<(), String> {
    let Some(chapter) = item.get_mut("Chapter") else {
        return Ok(()); // a separator or a part title
    };
    let name = chapter["name"].as_str().unwrap_or("?").to_string();
    if let Some(content) = chapter.get_mut("content") {
        if let Some(text) = content.as_str() {
            let rendered = render_math(text, converter).map_err(|e| format!("{name}: {e}"))?;
            *content = Value::String(rendered);
        }
    }
    if let Some(subs) = chapter.get_mut("sub_items").and_then(Value::as_array_mut) {
        for sub in subs {
            render_item(sub, converter)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_nested_chapters_and_keeps_everything_else() {
        let input = r#"[{"root":"."},{"items":[{"Chapter":{"name":"A","content":"x \\\\(a\\\\)",
            "sub_items":[{"Chapter":{"name":"B","content":"\\\\[b\\\\]","sub_items":[]}}]}},
            "Separator"]}]"#;
        let out: Value = serde_json::from_str(&render_book(input).unwrap()).unwrap();
        let a = out["items"][0]["Chapter"]["content"].as_str().unwrap();
        assert_eq!(a, "x <math><mi>a</mi></math>");
        let b = out["items"][0]["Chapter"]["sub_items"][0]["Chapter"]["content"].as_str();
        assert_eq!(b, Some("<math display=\"block\"><mi>b</mi></math>"));
        assert_eq!(out["items"][1], "Separator");
    }

    #[test]
    fn a_bad_formula_names_its_chapter() {
        let input = r#"[{}, {"items":[{"Chapter":{"name":"GRU","content":"\\\\(\\frac{1}\\\\)","sub_items":[]}}]}]"#;
        let err = render_book(input).unwrap_err();
        assert!(err.starts_with("GRU: line 1"), "{err}");
    }

    #[test]
    fn not_the_protocol_is_an_error() {
        assert!(render_book("{}").unwrap_err().contains("[context, book]"));
        assert!(render_book("[{}, {}]").unwrap_err().contains("items"));
    }
}
