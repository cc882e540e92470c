//! Escaping for every output language. dot-writer escapes nothing, so every label and
//! attribute value goes through [`dot`] before it reaches a DOT file; HTML text and attribute
//! values go through [`html`], SVG/XML text through [`xml`]. JSON is serde's.

/// Escapes text for a double-quoted DOT string: `\` and `"` are escaped, line breaks become
/// `\n` (a centred line break in a label), other control characters are dropped, and `&`
/// becomes `&amp;` (Graphviz decodes entities in labels, so `&lt;` would otherwise show as `<`).
pub fn dot(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '&' => out.push_str("&amp;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Makes text safe for one line of plain-text output: control characters (newlines
/// included) are shown as escapes, so a hostile package path cannot forge extra lines.
pub fn text_line(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    text.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// Escapes text for HTML element content and double- or single-quoted attribute values:
/// `& < > " '` become character references. Line breaks and tabs are kept (inside `<pre>`
/// they are the text's own); other control characters are shown as escapes.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

/// [`html`] for one line: line breaks too are shown as escapes (for package paths).
pub fn html_line(text: &str) -> String {
    html(&text_line(text))
}

/// Escapes text for XML (standalone SVG) content and attribute values. Every control
/// character, line breaks included, is shown as an escape: XML 1.0 forbids most of them, and a
/// label is one line per call.
pub fn xml(text: &str) -> String {
    html(&text_line(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_escapes_quotes_backslashes_and_newlines() {
        assert_eq!(dot("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn html_and_xml_escape_markup() {
        assert_eq!(
            html("<script>&\"'\u{1}"),
            "&lt;script&gt;&amp;&quot;&#39;\\u{1}"
        );
        assert_eq!(xml("a\n<b>"), "a\\n&lt;b&gt;");
        assert_eq!(dot("a&lt;b"), "a&amp;lt;b");
    }

    #[test]
    fn text_line_shows_control_characters() {
        assert_eq!(text_line("a\nb"), "a\\nb");
        assert_eq!(text_line("plain"), "plain");
    }
}
