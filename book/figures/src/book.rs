//! The mdBook side: find every chapter in the `[context, book]` JSON and fill it in.

use crate::placeholders::{fill, Sources};
use serde_json::Value;
use std::path::PathBuf;

/// Reads `[context, book]`, fills the placeholders of every chapter (sub-chapters
/// included) from `<root>/<src>/generated/`, and returns the book as JSON.
pub fn fill_book(input: &str) -> Result<String, String> {
    let parsed: Value =
        serde_json::from_str(input).map_err(|e| format!("the input is not mdBook's JSON: {e}"))?;
    let Value::Array(mut pair) = parsed else {
        return Err("expected a JSON array [context, book] on stdin".into());
    };
    if pair.len() != 2 {
        return Err("expected a JSON array [context, book] on stdin".into());
    }
    let mut book = pair.pop().unwrap_or(Value::Null);
    let context = pair.pop().unwrap_or(Value::Null);
    let root = PathBuf::from(context["root"].as_str().unwrap_or("."));
    let src = context["config"]["book"]["src"].as_str().unwrap_or("src");
    let mut sources = Sources::new(&root.join(src).join("generated"));
    let items = book
        .get_mut("items")
        .and_then(Value::as_array_mut)
        .ok_or("the book has no `items` array (is this mdBook 0.5?)")?;
    for item in items {
        fill_item(item, &mut sources)?;
    }
    serde_json::to_string(&book).map_err(|e| e.to_string())
}

fn fill_item(item: &mut Value, sources: &mut Sources) -> Result<(), String> {
    let Some(chapter) = item.get_mut("Chapter") else {
        return Ok(()); // a separator or a part title
    };
    let name = chapter["name"].as_str().unwrap_or("?").to_string();
    if let Some(content) = chapter.get_mut("content") {
        if let Some(text) = content.as_str() {
            let filled = fill(text, sources).map_err(|e| format!("{name}: {e}"))?;
            *content = Value::String(filled);
        }
    }
    if let Some(subs) = chapter.get_mut("sub_items").and_then(Value::as_array_mut) {
        for sub in subs {
            fill_item(sub, sources)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_nested_chapters_from_the_books_generated_folder() {
        let root = std::env::temp_dir().join(format!("mdbook-figures-book-{}", std::process::id()));
        std::fs::create_dir_all(root.join("src/generated")).unwrap();
        std::fs::write(root.join("src/generated/figures.json"), r#"{"x": 2.5}"#).unwrap();
        let input = format!(
            r#"[{{"root":{:?},"config":{{"book":{{"src":"src"}}}}}},{{"items":[{{"Chapter":{{"name":"A","content":"a {{{{#fig x 1}}}}",
            "sub_items":[{{"Chapter":{{"name":"B","content":"b {{{{#fig y 1}}}}","sub_items":[]}}}}]}}}},"Separator"]}}]"#,
            root.display().to_string()
        );
        let err = fill_book(&input).unwrap_err();
        assert_eq!(
            err,
            "B: line 1: {{#fig y 1}}: figures.json has no number `y`"
        );
        let ok = fill_book(&input.replace("#fig y", "#fig x")).unwrap();
        let out: Value = serde_json::from_str(&ok).unwrap();
        assert_eq!(out["items"][0]["Chapter"]["content"], "a 2.5");
        assert_eq!(
            out["items"][0]["Chapter"]["sub_items"][0]["Chapter"]["content"],
            "b 2.5"
        );
        assert_eq!(out["items"][1], "Separator");
    }
}
