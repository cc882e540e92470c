//! Escaping for every output language. dot-writer escapes nothing, so every label and
//! attribute value goes through [`dot`] before it reaches a DOT file.

/// Escapes text for a double-quoted DOT string: `\` and `"` are escaped, line breaks become
/// `\n` (a centred line break in a label), other control characters are dropped.
pub fn dot(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_escapes_quotes_backslashes_and_newlines() {
        assert_eq!(dot("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn text_line_shows_control_characters() {
        assert_eq!(text_line("a\nb"), "a\\nb");
        assert_eq!(text_line("plain"), "plain");
    }
}
