//! The drawn views are well formed and say what the numbers say: every tag closed, the
//! colours of the unit view read back to the activations, bad unit indices and texts
//! reported instead of panicking.

use d2l_rnn::data::Vocab;
use d2l_rnn::fast::RnnFast;
use d2l_rnn::inspect::{read_units, temperatures, UnitReading};
use d2l_rnn::scratch::{GatedParams, RnnParams};

const TEXT: &str = "分开 我不能再想 我不要再想";

fn reading() -> (UnitReading, Vocab) {
    let vocab = Vocab::from_text("分开 我不能再想要了<&>\"");
    // Weights of size 0.5 drive the units across the whole scale from −1 to +1.
    let params = RnnParams::<f32>::normal(vocab.len(), 12, 0.5, 4);
    let r = read_units(&mut RnnFast::new(params), &vocab, TEXT).unwrap();
    (r, vocab)
}

/// Fails unless every element of `markup` is closed in order (`<br>` and `<meta>` are void,
/// `<!DOCTYPE>` is a declaration) and no text holds a bare `<` or `&`.
fn assert_well_formed(markup: &str) {
    let mut open: Vec<String> = Vec::new();
    let mut rest = markup;
    while let Some(start) = rest.find('<') {
        let text = &rest[..start];
        for (i, _) in text.match_indices('&') {
            let entity = &text[i..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;"]
                    .iter()
                    .any(|e| entity.starts_with(e)),
                "bare & in {text:?}"
            );
        }
        let end = rest[start..].find('>').expect("an unclosed tag") + start;
        let tag = &rest[start + 1..end];
        assert!(!tag.contains('<'), "a < inside tag {tag:?}");
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
            .collect();
        if let Some(closing) = tag.strip_prefix('/') {
            let top = open
                .pop()
                .unwrap_or_else(|| panic!("</{closing}> closes nothing"));
            assert_eq!(top, name, "</{name}> closes <{top}>");
        } else if !tag.ends_with('/') && !["br", "meta", "!DOCTYPE"].contains(&name.as_str()) {
            open.push(name);
        }
        rest = &rest[end + 1..];
    }
    assert!(open.is_empty(), "left open: {open:?}");
}

/// The activation a diverging colour stands for: white 0, red up to +1, blue down to −1.
fn activation_of(rgb: &str) -> f64 {
    let c: Vec<f64> = rgb
        .trim_start_matches("rgb")
        .trim_start_matches('(')
        .trim_end_matches(')')
        .split(", ")
        .map(|v| v.parse().unwrap())
        .collect();
    if c[2] >= c[0] {
        -(255.0 - c[0]) / (255.0 - 33.0)
    } else {
        (255.0 - c[2]) / (255.0 - 43.0)
    }
}

/// `(colour, value)` of every `attribute="rgb(…)"` with the value shown after it.
fn colours(markup: &str, attribute: &str, value_before: &str) -> Vec<(f64, f64)> {
    markup
        .split(attribute)
        .skip(1)
        .map(|piece| {
            let rgb = &piece[..piece.find(')').unwrap() + 1];
            let after = &piece[piece.find(value_before).unwrap() + value_before.len()..];
            let value: f64 = after[..after.find(['"', '<']).unwrap()].parse().unwrap();
            (activation_of(rgb), value)
        })
        .collect()
}

#[test]
fn the_unit_html_is_well_formed_and_its_colours_are_the_activations() {
    let (r, _) = reading();
    let units = r.units_by_variance(3);
    let html = r.html(&units);
    assert_well_formed(&html.page());
    let read_back = colours(html.fragment(), "background: ", "title=\"");
    assert_eq!(read_back.len(), units.len() * r.chars.len());
    let expected: Vec<f64> = units
        .iter()
        .flat_map(|&j| r.activations.iter().map(move |h| h[j]))
        .collect();
    let (mut lowest, mut highest) = (0.0f64, 0.0f64);
    for ((colour, shown), want) in read_back.iter().zip(&expected) {
        assert!(
            (shown - want).abs() <= 5e-4,
            "title {shown} vs activation {want}"
        );
        assert!(
            (colour - want).abs() <= 0.006,
            "colour says {colour}, activation {want}"
        );
        (lowest, highest) = (lowest.min(*want), highest.max(*want));
    }
    assert!(
        lowest < -0.5 && highest > 0.5,
        "both ends of the scale used: {lowest} {highest}"
    );
}

#[test]
fn the_unit_svg_is_well_formed_and_its_colours_are_the_activations() {
    let (r, _) = reading();
    let svg = r.svg(&[0, 11]);
    assert_well_formed(&svg);
    let read_back = colours(&svg, "fill=\"rgb", "<title>");
    assert_eq!(read_back.len(), 2 * r.chars.len());
    for (k, (colour, shown)) in read_back.iter().enumerate() {
        let want = r.activations[k % r.chars.len()][if k < r.chars.len() { 0 } else { 11 }];
        assert!((shown - want).abs() <= 5e-4 && (colour - want).abs() <= 0.006);
    }
}

#[test]
fn bad_units_and_texts_are_reported() {
    let (r, vocab) = reading();
    let html = r.html(&[12]).fragment().to_string();
    assert!(html.contains("invalid unit = 12: the model has 12 hidden units, numbered 0 to 11"));
    assert!(r.svg(&[99]).contains("invalid unit = 99"));
    assert!(r.variance(12).is_nan());
    let mut model = RnnFast::init(vocab.len(), 4, 0);
    let err = read_units(&mut model, &vocab, "").unwrap_err().to_string();
    assert_eq!(
        err,
        "invalid text = \"\": needs at least 1 character(s): one to read"
    );
    let err = read_units(&mut model, &vocab, "分开吧嗯")
        .unwrap_err()
        .to_string();
    assert!(err.contains("lacks '吧', '嗯' (2 characters)"), "{err}");
}

#[test]
fn markup_in_the_text_is_escaped_in_every_drawing() {
    let vocab = Vocab::from_text("分开 我不能再想要了<&>\"");
    let mut model = RnnFast::init(vocab.len(), 4, 0);
    let r = read_units(&mut model, &vocab, "<&>\"分").unwrap();
    assert_well_formed(&r.html(&[0, 1]).page());
    assert_well_formed(&r.svg(&[0, 1]));
    let t = temperatures(&mut model, &vocab, "<&", 20, &[0.0, 1.0, 1.5], 3).unwrap();
    assert_well_formed(&t.html().page());
    assert_well_formed(&t.svg());
}
